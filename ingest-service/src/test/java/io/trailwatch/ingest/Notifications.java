package io.trailwatch.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The notification fixtures under {@code fixtures/notifications/}, with their {@code {{placeholders}}} filled:
 * bucket, key, key2 (plain), key-url, key2-url (URL-encoded the way S3 does), size, size2, etag.
 */
public final class Notifications {

    private Notifications() {
    }

    public static String render(String fixture, Map<String, String> values) {
        String text;
        try (InputStream in = Notifications.class.getResourceAsStream("/fixtures/notifications/" + fixture)) {
            if (in == null) {
                throw new IllegalArgumentException("no notification fixture " + fixture);
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> all = new HashMap<>(Map.of("size", "0", "size2", "0", "etag", "", "key2", "", "key", ""));
        all.putAll(values);
        all.put("key-url", s3UrlEncode(all.get("key")));
        all.put("key2-url", s3UrlEncode(all.get("key2")));
        for (var e : all.entrySet()) {
            text = text.replace("{{" + e.getKey() + "}}", e.getValue());
        }
        if (text.contains("{{")) {
            throw new IllegalArgumentException("unfilled placeholder in " + fixture + ": " + text);
        }
        return text;
    }

    /** S3 encodes keys in notifications like a form: space as '+', '/' kept. */
    public static String s3UrlEncode(String key) {
        return URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/");
    }
}

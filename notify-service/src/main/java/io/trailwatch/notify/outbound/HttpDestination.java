package io.trailwatch.notify.outbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.notify.core.Attempt;
import io.trailwatch.notify.core.Destination;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.Messages;
import io.trailwatch.notify.core.Signatures;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;

/**
 * A Slack incoming webhook (Block Kit JSON) or a generic webhook (the finding as JSON, signed with HMAC-SHA256 over
 * timestamp and body). 2xx is delivered; 429 and 408, 5xx and I/O errors are retried (honouring Retry-After); other
 * 4xx are refused for good. The URL is a secret: it is never logged or reported.
 */
public final class HttpDestination implements Destination {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    /** The same on every attempt of one delivery, so a receiver can drop a repeat (after a crash mid-delivery). */
    public static final String DELIVERY_HEADER = "X-Trailwatch-Delivery";

    private final String name;
    private final boolean slack;
    private final URI url;
    private final String hmacKey;
    private final Duration timeout;
    private final String consoleUrl;
    private final HttpClient client;

    public HttpDestination(String name, boolean slack, URI url, String hmacKey, Duration timeout, String consoleUrl) {
        this.name = name;
        this.slack = slack;
        this.url = url;
        this.hmacKey = hmacKey;
        this.timeout = timeout;
        this.consoleUrl = consoleUrl;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String type() {
        return slack ? "slack" : "webhook";
    }

    @Override
    public Attempt send(Finding f) {
        return post(slack ? Messages.slack(f, consoleUrl) : Map.of("kind", "finding", "finding", f), name + "|" + f.findingId());
    }

    @Override
    public Attempt sendDigest(Grouper.Digest d) {
        return post(slack ? Messages.slackDigest(d, consoleUrl) : Map.of("kind", "digest", "more", d.held(),
                "accounts", d.accounts(), "first", d.first(), "sample", d.sample().stream().map(Finding::findingId).toList()),
                name + "|" + d.first().findingId() + "|digest");
    }

    private Attempt post(Object payload, String deliveryId) {
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            return new Attempt.Refused(null, "the payload does not serialize: " + e.getOriginalMessage());
        }
        HttpRequest.Builder req = HttpRequest.newBuilder(url).timeout(timeout).header("Content-Type", "application/json")
                .header("User-Agent", "trailwatch-notify").header(DELIVERY_HEADER, deliveryId).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (hmacKey != null) {
            long ts = Instant.now().getEpochSecond();
            req.header(Signatures.TIMESTAMP_HEADER, Long.toString(ts)).header(Signatures.SIGNATURE_HEADER, Signatures.sign(hmacKey, ts, body));
        }
        HttpResponse<String> res;
        try {
            res = client.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Attempt.Retry(null, null, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Attempt.Retry(null, null, "interrupted");
        }
        int s = res.statusCode();
        if (s >= 200 && s < 300) {
            return new Attempt.Delivered(s);
        }
        if (s == 429 || s == 408 || s >= 500) {
            return new Attempt.Retry(s, retryAfter(res.headers().firstValue("Retry-After").orElse(null)), "HTTP " + s);
        }
        return new Attempt.Refused(s, "HTTP " + s);
    }

    /** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip())));
        } catch (NumberFormatException e) {
            try {
                Duration d = Duration.between(Instant.now(), ZonedDateTime.parse(value.strip(), DateTimeFormatter.RFC_1123_DATE_TIME));
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
    }
}

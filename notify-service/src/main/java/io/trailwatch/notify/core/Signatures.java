package io.trailwatch.notify.core;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Webhook signatures: {@code X-Trailwatch-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">} with
 * {@code X-Trailwatch-Timestamp: <epoch seconds>}. A receiver recomputes it with the shared key, compares in constant
 * time and rejects old timestamps (replays).
 */
public final class Signatures {

    public static final String TIMESTAMP_HEADER = "X-Trailwatch-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Trailwatch-Signature";

    private Signatures() {
    }

    /** {@code v1=<hex>} over {@code timestamp + "." + body}. */
    public static String sign(String key, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    /** Whether a signature is right for the timestamp and body, compared in constant time. */
    public static boolean verify(String key, long timestamp, byte[] body, String signature) {
        return MessageDigest.isEqual(sign(key, timestamp, body).getBytes(StandardCharsets.UTF_8),
                signature.getBytes(StandardCharsets.UTF_8));
    }
}

package io.trailwatch.cloudtrail.digest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * CloudTrail's public keys. ListPublicKeys returns each key as DER in PKCS#1 form ({@code RSAPublicKey ::= SEQUENCE {
 * modulus INTEGER, publicExponent INTEGER }}) with its hex fingerprint and validity; this reads that form, and the
 * X.509 {@code SubjectPublicKeyInfo} form too.
 */
public final class PublicKeys {

    /**
     * A key and the time it signs digests in.
     *
     * @param fingerprint hex, lower case, as digests name it ({@code digestPublicKeyFingerprint})
     * @param key         the RSA key
     * @param validFrom   the start of its validity; null when unknown (then always valid)
     * @param validTo     its end; null when unknown
     */
    public record Entry(String fingerprint, RSAPublicKey key, Instant validFrom, Instant validTo) {
        public Entry {
            fingerprint = fingerprint.toLowerCase(Locale.ROOT);
        }

        /** Whether the key was valid at the instant (a digest's end time). */
        public boolean validAt(Instant t) {
            return (validFrom == null || !t.isBefore(validFrom)) && (validTo == null || !t.isAfter(validTo));
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private PublicKeys() {
    }

    /** An RSA key from DER: PKCS#1 {@code RSAPublicKey} (as CloudTrail returns it) or X.509 SubjectPublicKeyInfo. */
    public static RSAPublicKey fromDer(byte[] der) throws GeneralSecurityException {
        KeyFactory rsa = KeyFactory.getInstance("RSA");
        try {
            var in = new Der(der);
            in.expect(0x30);
            int length = in.length();
            if (in.at + length != der.length) {
                throw new IllegalArgumentException("the outer SEQUENCE is not the whole input");
            }
            if (in.peek() == 0x02) {
                BigInteger modulus = in.integer();
                BigInteger exponent = in.integer();
                if (in.at != der.length) {
                    throw new IllegalArgumentException("bytes after the public exponent");
                }
                return (RSAPublicKey) rsa.generatePublic(new RSAPublicKeySpec(modulus, exponent));
            }
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not a DER RSA public key: " + e.getMessage(), e);
        }
        return (RSAPublicKey) rsa.generatePublic(new X509EncodedKeySpec(der));
    }

    /** An RSA key from base64 DER, or from PEM ({@code RSA PUBLIC KEY} or {@code PUBLIC KEY}). */
    public static RSAPublicKey fromText(String text) throws GeneralSecurityException {
        String body = text.replaceAll("-----(BEGIN|END) [A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return fromDer(Base64.getDecoder().decode(body));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not base64: " + e.getMessage(), e);
        }
    }

    /**
     * Reads keys from a file: the JSON that {@code aws cloudtrail list-public-keys} prints ({@code {"PublicKeyList":
     * [{"Value": base64 DER, "ValidityStartTime", "ValidityEndTime", "Fingerprint"}]}}), one such list per region
     * concatenated in an array, or a plain array of those entries. Times may be ISO-8601 or epoch seconds.
     */
    public static List<Entry> readFile(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        List<JsonNode> entries = new ArrayList<>();
        collect(root, entries);
        List<Entry> keys = new ArrayList<>();
        for (JsonNode e : entries) {
            String fingerprint = e.path("Fingerprint").asText("");
            String value = e.path("Value").asText("");
            if (fingerprint.isEmpty() || value.isEmpty()) {
                throw new IOException(file + ": a public key needs Fingerprint and Value");
            }
            try {
                keys.add(new Entry(fingerprint, fromText(value), time(e.path("ValidityStartTime")),
                        time(e.path("ValidityEndTime"))));
            } catch (GeneralSecurityException | DateTimeParseException ex) {
                throw new IOException(file + ": public key " + fingerprint + " is unreadable: " + ex.getMessage(), ex);
            }
        }
        return keys;
    }

    private static void collect(JsonNode node, List<JsonNode> into) {
        if (node == null) {
            return;
        }
        if (node.isArray()) {
            node.forEach(n -> collect(n, into));
        } else if (node.has("PublicKeyList")) {
            collect(node.get("PublicKeyList"), into);
        } else if (node.isObject()) {
            into.add(node);
        }
    }

    private static Instant time(JsonNode node) {
        if (node.isNumber()) {
            return Instant.ofEpochMilli((long) (node.asDouble() * 1000));
        }
        if (node.isTextual() && !node.asText().isEmpty()) {
            String t = node.asText();
            return t.matches("\\d+(\\.\\d+)?") ? Instant.ofEpochMilli((long) (Double.parseDouble(t) * 1000))
                    : java.time.OffsetDateTime.parse(t).toInstant();
        }
        return null;
    }

    /** Just enough DER to read a SEQUENCE of two INTEGERs. */
    private static final class Der {
        private final byte[] bytes;
        private int at;

        Der(byte[] bytes) {
            this.bytes = bytes;
        }

        int peek() {
            if (at >= bytes.length) {
                throw new IllegalArgumentException("truncated");
            }
            return bytes[at] & 0xff;
        }

        void expect(int tag) {
            if (peek() != tag) {
                throw new IllegalArgumentException("expected tag " + tag + ", found " + peek());
            }
            at++;
        }

        int length() {
            int first = peek();
            at++;
            if (first < 0x80) {
                if (at + first > bytes.length) {
                    throw new IllegalArgumentException("length beyond the end");
                }
                return first;
            }
            int n = first & 0x7f;
            if (n == 0 || n > 4) {
                throw new IllegalArgumentException("unsupported length");
            }
            int len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | peek();
                at++;
            }
            if (len < 0 || at + len > bytes.length) {
                throw new IllegalArgumentException("length beyond the end");
            }
            return len;
        }

        BigInteger integer() {
            expect(0x02);
            int len = length();
            var value = new BigInteger(java.util.Arrays.copyOfRange(bytes, at, at + len));
            at += len;
            return value;
        }
    }
}

package io.trailwatch.cloudtrail.digest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * A CloudTrail digest file, as AWS documents it ("CloudTrail digest file structure"): the log files CloudTrail
 * delivered in an hour with their SHA-256 hashes, and the link to the previous digest. The digest's own signature is
 * not in the file but in its S3 object's metadata ({@code x-amz-meta-signature}).
 *
 * @param awsAccountId              the account the digest is for
 * @param digestStartTime           the start of the hour it covers
 * @param digestEndTime             its end, exactly as written (it is part of the signing string)
 * @param digestS3Bucket            where CloudTrail delivered it
 * @param digestS3Object            its key
 * @param digestPublicKeyFingerprint hex fingerprint of the public key whose private key signed it
 * @param digestSignatureAlgorithm  {@code SHA256withRSA}
 * @param newestEventTime           of the events in its log files; null when it lists none
 * @param oldestEventTime           likewise
 * @param previousDigestS3Bucket    the previous digest's bucket; null for the first digest of a chain
 * @param previousDigestS3Object    its key; null likewise
 * @param previousDigestHashValue   hex SHA-256 of the previous digest's uncompressed content; null likewise
 * @param previousDigestHashAlgorithm {@code SHA-256}
 * @param previousDigestSignature   the previous digest's hex signature; null likewise
 * @param logFiles                  the log files delivered in the hour
 */
public record DigestFile(
        String awsAccountId,
        Instant digestStartTime,
        String digestEndTime,
        String digestS3Bucket,
        String digestS3Object,
        String digestPublicKeyFingerprint,
        String digestSignatureAlgorithm,
        Instant newestEventTime,
        Instant oldestEventTime,
        String previousDigestS3Bucket,
        String previousDigestS3Object,
        String previousDigestHashValue,
        String previousDigestHashAlgorithm,
        String previousDigestSignature,
        List<LogFile> logFiles) {

    /** The only algorithms CloudTrail uses, and the only ones accepted. */
    public static final String SIGNATURE_ALGORITHM = "SHA256withRSA";
    public static final String HASH_ALGORITHM = "SHA-256";

    /**
     * One log file a digest vouches for.
     *
     * @param s3Bucket        its bucket
     * @param s3Object        its key
     * @param hashValue       hex SHA-256 of its uncompressed content
     * @param hashAlgorithm   {@code SHA-256}
     * @param newestEventTime of its events
     * @param oldestEventTime of its events
     */
    public record LogFile(String s3Bucket, String s3Object, String hashValue, String hashAlgorithm,
                          Instant newestEventTime, Instant oldestEventTime) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether this digest starts a chain (the trail's first digest, or the first after validation was turned on). */
    public boolean startsChain() {
        return previousDigestS3Object == null;
    }

    /** The end time as an instant. */
    public Instant endTime() {
        return Instant.parse(digestEndTime);
    }

    /**
     * Parses the uncompressed content of a digest file.
     *
     * @throws InvalidDigestException it is no digest: not JSON, or a required field is missing or malformed
     */
    public static DigestFile parse(byte[] json) throws InvalidDigestException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new InvalidDigestException("not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidDigestException("not a JSON object");
        }
        String end = required(root, "digestEndTime");
        instant(end, "digestEndTime");
        JsonNode files = root.path("logFiles");
        if (!files.isArray()) {
            throw new InvalidDigestException("logFiles is missing or not an array");
        }
        List<LogFile> logFiles = new ArrayList<>(files.size());
        for (int i = 0; i < files.size(); i++) {
            JsonNode f = files.get(i);
            String where = "logFiles[" + i + "].";
            logFiles.add(new LogFile(required(f, "s3Bucket", where), required(f, "s3Object", where),
                    required(f, "hashValue", where), optional(f, "hashAlgorithm"),
                    lenientInstant(f, "newestEventTime"), lenientInstant(f, "oldestEventTime")));
        }
        var digest = new DigestFile(
                required(root, "awsAccountId"),
                lenientInstant(root, "digestStartTime"),
                end,
                required(root, "digestS3Bucket"),
                required(root, "digestS3Object"),
                required(root, "digestPublicKeyFingerprint"),
                required(root, "digestSignatureAlgorithm"),
                lenientInstant(root, "newestEventTime"),
                lenientInstant(root, "oldestEventTime"),
                optional(root, "previousDigestS3Bucket"),
                optional(root, "previousDigestS3Object"),
                optional(root, "previousDigestHashValue"),
                optional(root, "previousDigestHashAlgorithm"),
                optional(root, "previousDigestSignature"),
                List.copyOf(logFiles));
        if (!digest.startsChain() && (digest.previousDigestS3Bucket == null || digest.previousDigestSignature == null
                || digest.previousDigestHashValue == null)) {
            throw new InvalidDigestException("previousDigestS3Object is set but the previous digest's bucket, hash or "
                    + "signature is missing");
        }
        return digest;
    }

    private static String required(JsonNode node, String field) throws InvalidDigestException {
        return required(node, field, "");
    }

    private static String required(JsonNode node, String field, String where) throws InvalidDigestException {
        JsonNode v = node.path(field);
        if (!v.isTextual() || v.asText().isEmpty()) {
            throw new InvalidDigestException(where + field + " is missing or not a string");
        }
        return v.asText();
    }

    private static String optional(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }

    /** Times that validation does not use: null when absent or unreadable. */
    private static Instant lenientInstant(JsonNode node, String field) {
        String v = optional(node, field);
        try {
            return v == null ? null : Instant.parse(v);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static Instant instant(String value, String field) throws InvalidDigestException {
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw new InvalidDigestException(field + " is no UTC timestamp: " + value);
        }
    }

    /** The content is no CloudTrail digest. */
    public static final class InvalidDigestException extends Exception {
        public InvalidDigestException(String message) {
            super(message, null, false, false);
        }
    }
}

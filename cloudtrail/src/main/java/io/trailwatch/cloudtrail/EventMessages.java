package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;

/**
 * The messages of {@link Topics#EVENTS}: a CloudTrail record as written, keyed by account, what was read from it in
 * headers (see {@link CloudTrailEvent} for the contract). ingest-service writes them; this reads one back into the
 * {@link CloudTrailEvent} rules look at, exactly as {@link Normalizer} normalizes a record read from a file.
 * Stateless and thread-safe.
 */
public final class EventMessages {

    /** Numbers as written (18432.0 stays 18432.0), as the log file reader keeps them. */
    private static final ObjectMapper RECORDS = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .build();

    private static final int LOG_FILE_ID_BYTES = 12;

    private EventMessages() {
    }

    /** The CloudEvents source of an event: {@code /aws/cloudtrail/<account>/<region>}, {@code -} for what is unknown. */
    public static String ceSource(String accountId, String awsRegion) {
        return "/aws/cloudtrail/" + orDash(accountId) + "/" + orDash(awsRegion);
    }

    /**
     * The event a message carries.
     *
     * @param value   the message's value: a CloudTrail record
     * @param key     the message's key, the account ingest-service decided on (used when the record names no
     *                recipient); may be null
     * @param headers the message's headers by name (null for an absent one)
     * @throws InvalidRecordException the value is no JSON object, or no CloudTrail record ({@link Normalizer})
     */
    public static CloudTrailEvent decode(byte[] value, String key, Function<String, String> headers) throws InvalidRecordException {
        if (value == null) {
            throw new InvalidRecordException(Normalizer.INVALID_FIELD, "the message has no value");
        }
        JsonNode tree;
        try {
            tree = RECORDS.readTree(value);
        } catch (JsonProcessingException e) {
            throw new InvalidRecordException(Normalizer.INVALID_FIELD, "the value is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidRecordException(Normalizer.INVALID_FIELD, "the value is unreadable: " + e.getMessage());
        }
        if (!(tree instanceof ObjectNode record)) {
            throw new InvalidRecordException(Normalizer.INVALID_FIELD, "the value is no JSON object");
        }
        CloudTrailEvent event = Normalizer.normalize(record, key == null || key.isEmpty() ? null : key);
        String check = EventOrigin.VERIFIED.equals(headers.apply(Headers.ACCOUNT_CHECK)) ? EventOrigin.VERIFIED : EventOrigin.UNVERIFIABLE;
        if (EventOrigin.VIA_EVENTBRIDGE.equals(headers.apply(Headers.VIA))) {
            return event.withOrigin(EventOrigin.eventBridge(headers.apply(Headers.EVENTBRIDGE_ID), check));
        }
        String bucket = headers.apply(Headers.S3_BUCKET);
        String objectKey = headers.apply(Headers.S3_KEY);
        String logFile = headers.apply(Headers.LOG_FILE);
        boolean named = bucket != null && objectKey != null;
        if (named || logFile != null) {
            event = event.withOrigin(EventOrigin.logFile(named ? bucket : null, named ? objectKey : null, check, logFile));
        }
        return event;
    }

    /**
     * The id of a log file on {@link Topics#EVENTS} ({@code tw_log_file}): the first 12 bytes of the SHA-256 of
     * {@code s3://<bucket>/<key>}, in unpadded base64url (16 characters). The same file always has the same id, so a
     * file ingested again names itself the same way; finding another file's id takes a second preimage of 96 bits.
     */
    public static String logFileId(String bucket, String key) {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        byte[] hash = sha256.digest(("s3://" + bucket + "/" + key).getBytes(StandardCharsets.UTF_8));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(hash, LOG_FILE_ID_BYTES));
    }

    /** Whether {@code id} is the id of the log file {@code s3://<bucket>/<key>} ({@link #logFileId}). */
    public static boolean isLogFileId(String id, String bucket, String key) {
        return id != null && bucket != null && key != null && id.equals(logFileId(bucket, key));
    }

    /** A CloudTrail record as JSON bytes, parsed as the decoder parses it (numbers as written). */
    public static JsonNode tree(byte[] record) throws IOException {
        return RECORDS.readTree(record);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}

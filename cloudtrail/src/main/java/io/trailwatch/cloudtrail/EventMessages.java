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
        if (bucket != null && objectKey != null) {
            event = event.withOrigin(new EventOrigin(bucket, objectKey, check));
        }
        return event;
    }

    /** A CloudTrail record as JSON bytes, parsed as the decoder parses it (numbers as written). */
    public static JsonNode tree(byte[] record) throws IOException {
        return RECORDS.readTree(record);
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}

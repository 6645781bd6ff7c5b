package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.Map;

/**
 * Something a service could not process, with the reason: the value of every {@code trailwatch.dlq.<service>.<channel>}
 * topic. Key: the failing item's identity when it has one (an SQS message id, {@code s3://bucket/key}, an eventID),
 * else none. Headers: {@code tw_dlq_reason}, {@code tw_dlq_service}, {@code content-type}, {@code tw_schema_version}.
 *
 * @param service    the service that gave up, e.g. {@code ingest}
 * @param channel    the channel it came in on, e.g. {@code notifications}, {@code objects}, {@code records}
 * @param reason     a short, bounded, machine-readable reason, e.g. {@code corrupt-gzip}, {@code missing-field}
 * @param detail     a human-readable explanation (never credentials)
 * @param occurredAt when the service gave up
 * @param source     where the item came from: {@code bucket}, {@code key}, {@code recordIndex}, {@code sqsMessageId}, ...
 * @param payload    the offending input as text, truncated to {@link #MAX_PAYLOAD_CHARS}; null when binary or absent
 * @param payloadTruncated whether {@link #payload()} was cut
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DeadLetter(
        String service,
        String channel,
        String reason,
        String detail,
        Instant occurredAt,
        Map<String, String> source,
        String payload,
        Boolean payloadTruncated) {

    /** The version of the value's JSON Schema ({@code schemas/trailwatch.dlq.v1/v1.schema.json}). */
    public static final String SCHEMA_VERSION = "1";

    /** Payloads longer than this many characters are truncated. */
    public static final int MAX_PAYLOAD_CHARS = 64 * 1024;

    /** A dead letter whose payload is cut to {@link #MAX_PAYLOAD_CHARS}. */
    public static DeadLetter of(String service, String channel, String reason, String detail, Instant at,
                                Map<String, String> source, String payload) {
        boolean truncated = payload != null && payload.length() > MAX_PAYLOAD_CHARS;
        return new DeadLetter(service, channel, reason, detail, at, source,
                truncated ? payload.substring(0, MAX_PAYLOAD_CHARS) : payload, truncated ? Boolean.TRUE : null);
    }
}

package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;

/**
 * The outcome of delivering one finding to one destination: the value of {@link Topics#DELIVERIES}, the audit trail
 * of notify-service. Key: {@code <destination>|<findingId>}.
 *
 * @param findingId       the finding
 * @param ruleId          its rule
 * @param severity        its severity
 * @param accountId       its account
 * @param route           the route that chose the destination
 * @param destination     the destination's configured name (never its URL or address)
 * @param destinationType {@code slack}, {@code email}, {@code ses} or {@code webhook}
 * @param status          {@code delivered}; {@code retrying} (an attempt failed and will be retried: one record per
 *                        such attempt); {@code grouped} (held for a digest of a storm); {@code digest} (the
 *                        digest message delivered, {@code grouped} findings in it); {@code dead-lettered} (the
 *                        retry budget ran out or the destination refused for good)
 * @param attempts        attempts made
 * @param latencyMs       from the finding's arrival at notify-service to the outcome
 * @param httpStatus      the last HTTP status, when the destination speaks HTTP
 * @param detail          why, for failures: a short reason, never a secret
 * @param grouped         for a digest: how many findings it stands for
 * @param at              when the outcome happened
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Delivery(
        String findingId,
        String ruleId,
        String severity,
        String accountId,
        String route,
        String destination,
        String destinationType,
        String status,
        int attempts,
        long latencyMs,
        Integer httpStatus,
        String detail,
        Integer grouped,
        Instant at) {

    /** The CloudEvents type of the value. */
    public static final String CE_TYPE = "io.trailwatch.delivery.v1";

    /** The schema version within the topic's major version. */
    public static final String SCHEMA_VERSION = "1";

    /** The key: one per destination and finding. */
    public String key() {
        return destination + "|" + findingId;
    }
}

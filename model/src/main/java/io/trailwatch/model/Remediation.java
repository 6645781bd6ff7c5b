package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.Map;

/**
 * What remediate-service did about one finding with one remediation: the value of {@link Topics#REMEDIATIONS}, the
 * audit of every action. Key: {@link #key()}.
 *
 * @param findingId     the finding
 * @param ruleId        its rule
 * @param accountId     its account
 * @param region        its region
 * @param remediation   the configured remediation's name
 * @param function      the Lambda function name or ARN
 * @param invocationType {@code RequestResponse} or {@code Event}
 * @param outcome       {@code invoked}; {@code dry-run} (recorded, not invoked); {@code skipped} (with the reason:
 *                      kill switch, account not allowlisted, circuit open, already done); {@code failed} (the
 *                      function's FunctionError, or the SDK's error)
 * @param reason        why it was skipped or failed
 * @param targets       the resource identifiers taken from the event, e.g. {@code trailName}, {@code groupId}
 * @param statusCode    Lambda's HTTP status for the invocation
 * @param functionError Lambda's FunctionError ({@code Unhandled}, {@code Handled}) when the function failed
 * @param response      the function's response payload (RequestResponse), truncated to 16 KiB
 * @param attempts      invocation attempts
 * @param latencyMs     from the finding's arrival to the outcome
 * @param at            when
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Remediation(
        String findingId,
        String ruleId,
        String accountId,
        String region,
        String remediation,
        String function,
        String invocationType,
        String outcome,
        String reason,
        Map<String, JsonNode> targets,
        Integer statusCode,
        String functionError,
        String response,
        int attempts,
        long latencyMs,
        Instant at) {

    /** The CloudEvents type of the value. */
    public static final String CE_TYPE = "io.trailwatch.remediation.v1";

    /** The schema version within the topic's major version. */
    public static final String SCHEMA_VERSION = "1";

    /** Responses longer than this many characters are truncated. */
    public static final int MAX_RESPONSE_CHARS = 16 * 1024;

    /** The key: one per remediation and finding. */
    public String key() {
        return remediation + "|" + findingId;
    }
}

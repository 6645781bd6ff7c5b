package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/**
 * A detection: the value of topic {@link Topics#FINDINGS} ({@code trailwatch.findings.v1}).
 *
 * <p><b>Contract.</b> Key: {@link #findingId()}. Value: this record as JSON, validated by
 * {@code schemas/trailwatch.findings.v1/v1.schema.json}. Headers: {@code ce_id} = findingId, {@code ce_type} =
 * {@value #CE_TYPE}, {@code ce_source} = {@code /trailwatch/detect/<ruleId>}, {@code ce_time} = eventTime,
 * {@code ce_specversion}, {@code tw_schema_version} = {@value #SCHEMA_VERSION}. Null fields are omitted; within v1
 * fields are only added.
 *
 * <p>The findingId is stable: the same rule, dedup key and window (or, without dedup, the same event) always give the
 * same id, so a redelivered event never yields a second finding, and consumers can deliver at most once per id.
 *
 * @param findingId   stable id, a hex SHA-256 prefix
 * @param ruleId      the rule that fired
 * @param title       the rule's title
 * @param description the rule's description
 * @param severity    {@code info}, {@code low}, {@code medium}, {@code high} or {@code critical}
 * @param category    the rule's category
 * @param mitre       MITRE ATT&amp;CK technique ids
 * @param accountId   the account the triggering event happened in
 * @param region      its region
 * @param principal   who acted
 * @param sourceIp    from where
 * @param eventSource the triggering event's service
 * @param eventName   the triggering event's action
 * @param eventTime   when the (first) triggering event happened
 * @param eventIds    the CloudTrail eventIDs that triggered the finding (for thresholds: a bounded sample)
 * @param count       how many events the finding stands for (1 unless a threshold or dedup grouped them)
 * @param windowStart for thresholds and dedup: the window's start, else null
 * @param windowEnd   for thresholds and dedup: the window's end, else null
 * @param evidence    the (first) triggering event
 * @param runbook     what a responder does
 * @param references  links
 * @param outcome     {@value #DENIED} when the triggering call was refused (an attempt, reported at the rule's lower
 *                    attempt severity, never remediated), else null: the call succeeded
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Finding(
        String findingId,
        String ruleId,
        String title,
        String description,
        String severity,
        String category,
        List<String> mitre,
        String accountId,
        String region,
        Principal principal,
        String sourceIp,
        String eventSource,
        String eventName,
        Instant eventTime,
        List<String> eventIds,
        int count,
        Instant windowStart,
        Instant windowEnd,
        CloudTrailEvent evidence,
        String runbook,
        List<String> references,
        String outcome) {

    /** The {@link #outcome()} of a finding whose call was refused: an attempt. */
    public static final String DENIED = "denied";

    /** A finding of a call that succeeded (no outcome). */
    public Finding(String findingId, String ruleId, String title, String description, String severity, String category,
                   List<String> mitre, String accountId, String region, Principal principal, String sourceIp,
                   String eventSource, String eventName, Instant eventTime, List<String> eventIds, int count,
                   Instant windowStart, Instant windowEnd, CloudTrailEvent evidence, String runbook, List<String> references) {
        this(findingId, ruleId, title, description, severity, category, mitre, accountId, region, principal, sourceIp,
                eventSource, eventName, eventTime, eventIds, count, windowStart, windowEnd, evidence, runbook, references, null);
    }

    /** Whether the triggering call was refused: an attempt, not a change. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean denied() {
        return DENIED.equals(outcome);
    }

    /** The CloudEvents type of findings. */
    public static final String CE_TYPE = "io.trailwatch.finding.v1";

    /** The schema version within {@code trailwatch.findings.v1}. */
    public static final String SCHEMA_VERSION = "1";
}

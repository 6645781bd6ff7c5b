package io.trailwatch.ingest.core;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A CloudTrail event as EventBridge delivers it to an SQS target (detail type "AWS API Call via CloudTrail", "AWS
 * Console Signin via CloudTrail", "AWS Console Action via CloudTrail", "AWS Service Event via CloudTrail", "AWS
 * Insight via CloudTrail"): the envelope's fields, and its {@code detail}, which is the CloudTrail record.
 *
 * @param id         the EventBridge event's {@code id}
 * @param detailType its {@code detail-type}
 * @param source     its {@code source}, {@code aws.<service>}
 * @param account    its {@code account}: the account the event happened in
 * @param region     its {@code region}, or null
 * @param detail     the CloudTrail record, as a tree (numbers as written)
 * @param bytes      the record as UTF-8 JSON, what is published
 */
public record BridgedEvent(String id, String detailType, String source, String account, String region, JsonNode detail,
                           byte[] bytes) {
}

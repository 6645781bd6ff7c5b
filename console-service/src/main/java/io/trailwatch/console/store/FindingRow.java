package io.trailwatch.console.store;

import java.time.Instant;

/** A finding as the list shows it: one row of the store, without its evidence. */
public record FindingRow(String findingId, String ruleId, String title, String severity, String category,
                         String accountId, String region, String principal, String eventName, Instant eventTime,
                         int count, String outcome) {
}

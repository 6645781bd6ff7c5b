package io.trailwatch.console.store;

import java.time.Instant;
import java.util.List;

/**
 * One page of findings, newest first, and where the next (older) one starts.
 *
 * @param rows          the findings
 * @param nextTime      the event time of the last row, when there are more; else null
 * @param nextFindingId its findingId (the tie-breaker of equal times)
 */
public record Page(List<FindingRow> rows, Instant nextTime, String nextFindingId) {

    public boolean hasMore() {
        return nextTime != null;
    }

    /** Where a page starts: before this event time, or at it and before this findingId. */
    public record Cursor(Instant time, String findingId) {
    }
}

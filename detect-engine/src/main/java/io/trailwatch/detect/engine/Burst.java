package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The threshold state of one rule and group key: the recent matches not yet part of a finding, and the finding of the
 * burst in progress. Sliding windows on event time: a finding starts when {@code count} matches fall within
 * {@code window} of each other; matches within {@code window} of the burst's first one join that finding (same id);
 * later ones start counting afresh. Immutable: {@link #next} returns the new state.
 *
 * @param recent  times and eventIds of matches not yet part of a finding, oldest first
 * @param open    the burst in progress, or null
 */
public record Burst(List<Instant> recentTimes, List<String> recent, Finding open) {

    public static final Burst EMPTY = new Burst(List.of(), List.of(), null);

    /**
     * The state after a matching event, and the finding it made or grew (null when none).
     *
     * @param state   the new state
     * @param finding the new or grown finding, or null
     */
    public record Step(Burst state, Finding finding) {
    }

    public Step next(Rule rule, String groupKey, CloudTrailEvent event) {
        Rule.Threshold t = rule.threshold();
        Instant at = event.eventTime();
        if (open != null && at.isBefore(open.windowEnd())) {
            Finding grown = Findings.add(open, event);
            return new Step(new Burst(recentTimes, recent, grown), grown == open ? null : grown);
        }
        List<Instant> times = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        Instant horizon = at.minus(t.window());
        for (int i = 0; i < recentTimes.size(); i++) {
            if (recentTimes.get(i).isAfter(horizon) && !recent.get(i).equals(event.eventId())) {
                times.add(recentTimes.get(i));
                ids.add(recent.get(i));
            }
        }
        times.add(at);
        ids.add(event.eventId());
        if (times.size() < t.count()) {
            return new Step(new Burst(List.copyOf(times), List.copyOf(ids), null), null);
        }
        Finding started = Findings.burst(rule, groupKey, times.get(0), event, ids);
        return new Step(new Burst(List.of(), List.of(), started), started);
    }
}

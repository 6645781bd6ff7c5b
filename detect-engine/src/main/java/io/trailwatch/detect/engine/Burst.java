package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The threshold state of one rule and group key: the recent matches not yet part of a finding, the finding of the
 * burst in progress and, for rules with a baseline, the group's match counts per window. Sliding windows on event
 * time: a finding starts when enough matches fall within {@code window} of each other; matches within
 * {@code window} of the burst's first one join that finding (same id); later ones start counting afresh. Enough is
 * the threshold's count, or more than {@code factor} times the group's usual peak per window when that is higher.
 * Immutable: {@link #next} returns the new state.
 *
 * @param recentTimes times of matches not yet part of a finding, oldest first
 * @param recent      their eventIds
 * @param open        the burst in progress, or null
 * @param history     with a baseline: matches per window index (epoch millis / window), oldest first; else empty
 * @param published   the count of {@code open} when it was last published
 * @param recentValues with a distinct threshold: the counted field's value of each recent match (null in state
 *                     written before distinct thresholds: each match its own value)
 */
public record Burst(List<Instant> recentTimes, List<String> recent, Finding open, Map<Long, Integer> history,
                    int published, List<String> recentValues) {

    public static final Burst EMPTY = new Burst(List.of(), List.of(), null, Map.of(), 0, List.of());

    public Burst(List<Instant> recentTimes, List<String> recent, Finding open, Map<Long, Integer> history, int published) {
        this(recentTimes, recent, open, history, published, null);
    }

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
        boolean repeat = recent.contains(event.eventId()) || (open != null && open.eventIds().contains(event.eventId()));
        Map<Long, Integer> counts = repeat ? history : count(t, at);
        if (open != null && at.isBefore(open.windowEnd())) {
            Finding grown = Findings.add(open, event);
            return new Step(new Burst(recentTimes, recent, grown, counts, published, recentValues), grown == open ? null : grown);
        }
        List<Instant> times = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        List<String> values = new ArrayList<>();
        Instant horizon = at.minus(t.window());
        for (int i = 0; i < recentTimes.size(); i++) {
            if (recentTimes.get(i).isAfter(horizon) && !recent.get(i).equals(event.eventId())) {
                times.add(recentTimes.get(i));
                ids.add(recent.get(i));
                values.add(recentValues == null || i >= recentValues.size() ? recent.get(i) : recentValues.get(i));
            }
        }
        times.add(at);
        ids.add(event.eventId());
        values.add(t.distinct() == null ? event.eventId() : value(t.distinct(), event));
        int counted = t.distinct() == null ? times.size() : (int) values.stream().distinct().count();
        if (counted < needed(t, at, counts)) {
            return new Step(new Burst(List.copyOf(times), List.copyOf(ids), null, counts, 0,
                    t.distinct() == null ? null : List.copyOf(values)), null);
        }
        Finding started = Findings.burst(rule, groupKey, times.get(0), event, ids);
        return new Step(new Burst(List.of(), List.of(), started, counts, 0, null), started);
    }

    /** The counted field's value in an event: its values joined, or the empty string when it has none. */
    private static String value(FieldPath path, CloudTrailEvent event) {
        StringBuilder sb = new StringBuilder();
        for (var v : path.values(new EventView(event))) {
            sb.append(v.isValueNode() ? v.asText() : v.toString()).append(',');
        }
        return sb.toString();
    }

    /** This state, its open finding published at its current count. */
    public Burst publishedNow() {
        return new Burst(recentTimes, recent, open, history, open == null ? 0 : open.count(), recentValues);
    }

    /** This state, its open finding as the detector holds it (the same finding, less what it can make again). */
    public Burst holding(Finding held) {
        return new Burst(recentTimes, recent, held, history, published, recentValues);
    }

    /** The last moment this state matters: after it, it is as good as {@link #EMPTY}. */
    public Instant expiry(Rule.Threshold t) {
        Instant end = Instant.EPOCH;
        if (!recentTimes.isEmpty()) {
            end = recentTimes.get(recentTimes.size() - 1).plus(t.window());
        }
        if (open != null && open.windowEnd().isAfter(end)) {
            end = open.windowEnd();
        }
        if (t.baseline() != null && !history.isEmpty()) {
            long last = history.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
            Instant h = Instant.ofEpochMilli((last + 1) * t.window().toMillis()).plus(t.baseline().history());
            if (h.isAfter(end)) {
                end = h;
            }
        }
        return end;
    }

    /** The history with this match counted, older windows than the baseline's history dropped. */
    private Map<Long, Integer> count(Rule.Threshold t, Instant at) {
        if (t.baseline() == null) {
            return history;
        }
        long window = t.window().toMillis();
        long index = Math.floorDiv(at.toEpochMilli(), window);
        long oldest = index - t.baseline().history().toMillis() / window;
        TreeMap<Long, Integer> next = new TreeMap<>(history);
        next.headMap(oldest).clear();
        next.merge(index, 1, Integer::sum);
        return next;
    }

    /**
     * How many matches within the window make a burst now: the threshold's count, or more than {@code factor} times
     * the group's usual peak, whichever is higher. The usual peak is the 95th percentile of the group's counts per
     * past window (windows without a match count as zero) since its first match, up to the baseline's history.
     */
    private static int needed(Rule.Threshold t, Instant at, Map<Long, Integer> counts) {
        if (t.baseline() == null) {
            return t.count();
        }
        long window = t.window().toMillis();
        long index = Math.floorDiv(at.toEpochMilli(), window);
        long first = index;
        List<Integer> past = new ArrayList<>();
        for (var e : counts.entrySet()) {
            if (e.getKey() < index) {
                past.add(e.getValue());
                first = Math.min(first, e.getKey());
            }
        }
        long windows = index - first;
        if (windows == 0) {
            return t.count();
        }
        past.sort(java.util.Comparator.reverseOrder());
        int above = (int) Math.ceil(windows * 0.05);
        int peak = past.size() >= above ? past.get(above - 1) : 0;
        return (int) Math.max(t.count(), Math.floor(t.baseline().factor() * peak) + 1);
    }
}

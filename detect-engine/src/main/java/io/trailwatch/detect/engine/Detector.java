package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine plus threshold state, in memory: feed events in event-time order, get findings. A rule without a
 * threshold gives a finding per match (dedup rules: the same findingId within their period); a threshold rule gives
 * a finding when its count is reached within its window per group key, and grows it while the burst lasts. Not
 * thread-safe: one per stream of events.
 */
public final class Detector {

    private final Engine engine;
    private final Map<String, Burst> bursts = new HashMap<>();
    private final Map<String, Finding> deduped = new HashMap<>();
    private long processed;

    public Detector(Engine engine) {
        this.engine = engine;
    }

    /** Findings made or grown by the event; a grown finding keeps its findingId and carries the whole group. */
    public List<Finding> process(CloudTrailEvent event) {
        if (++processed % 10_000 == 0) {
            deduped.values().removeIf(f -> !event.eventTime().isBefore(f.windowEnd()));
        }
        List<Finding> out = new ArrayList<>(1);
        for (Rule rule : engine.matches(event)) {
            if (rule.threshold() == null) {
                Finding f = Findings.of(rule, event);
                if (rule.dedup() != null) {
                    f = deduped.merge(f.findingId(), f, (old, next) -> Findings.add(old, event));
                }
                out.add(f);
                continue;
            }
            String group = Findings.groupKey(rule, event);
            String key = rule.id() + "\u0000" + group;
            Burst.Step step = bursts.getOrDefault(key, Burst.EMPTY).next(rule, group, event);
            bursts.put(key, step.state());
            if (step.finding() != null) {
                out.add(step.finding());
            }
        }
        return out;
    }
}

package io.trailwatch.detect.service.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.trailwatch.model.Finding;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * detect-service's metrics (docs/metrics.md). Tags are bounded: rule ids come from the loaded pack, severities and
 * categories from fixed lists, dead-letter reasons from the code.
 */
public final class DetectMetrics {

    private final MeterRegistry registry;
    private final Counter events;
    private final Counter futureDated;
    private final Counter unknownLogFiles;
    private final Map<String, Counter> findings = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final Map<String, Counter> secondCopies = new ConcurrentHashMap<>();

    public DetectMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.events = Counter.builder("trailwatch.detect.events").description("Events read from the events topic")
                .register(registry);
        this.futureDated = Counter.builder("trailwatch.detect.future_dated_events")
                .description("Events dated further ahead of the wall clock than the allowed skew; they do not move the stream's time")
                .register(registry);
        this.unknownLogFiles = Counter.builder("trailwatch.detect.unknown_log_files")
                .description("Events whose log file this service knows only by its id: the record that named its bucket and key was not read here (the topic's retention dropped it, or the consumer started after it)")
                .register(registry);
    }

    /** An event of a log file known only by its id (docs/topics.md, "Which log file"). */
    public void unknownLogFile() {
        unknownLogFiles.increment();
    }

    public void futureDated() {
        futureDated.increment();
    }

    public void event() {
        events.increment();
    }

    public void finding(Finding f) {
        findings.computeIfAbsent(f.ruleId() + "|" + f.severity(), k -> Counter.builder("trailwatch.detect.findings")
                .description("Findings published (new and grown)").tag("rule", f.ruleId()).tag("severity", f.severity())
                .tag("category", f.category()).register(registry)).increment();
    }

    /** An event skipped as a second copy: it came {@code via}, after the copy that came {@code first}. */
    public void secondCopy(String via, String first) {
        // with EventBridge on, every other event is one: its counter is looked up here, not in the registry's meter map
        secondCopies.computeIfAbsent(via + '|' + first, k -> Counter.builder("trailwatch.detect.second_copies")
                .description("Events skipped as the second copy of an event (through EventBridge and in its log file)")
                .tag("via", via).tag("first", first).register(registry)).increment();
    }

    public void deadLetter(String reason) {
        deadLetters.computeIfAbsent(reason, r -> Counter.builder("trailwatch.detect.dead_letters")
                .description("Events sent to the dead-letter topic").tag("reason", r).register(registry)).increment();
    }
}

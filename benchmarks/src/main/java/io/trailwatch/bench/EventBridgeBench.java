package io.trailwatch.bench;

import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.EventBridgeEvents;
import io.trailwatch.devkit.Recording;
import io.trailwatch.local.LocalPlatform;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The near-real-time path's latency (docs/near-real-time.md): CloudTrail events sent to the local EventBridge queue as
 * an EventBridge rule sends them, at a steady rate, one in ten an attack step that becomes a Slack message of its own
 * (Slack takes one message at a time per webhook: a finding per event would measure Slack's queue, not the path); from
 * the SQS send to the Slack webhook's receipt, p50 and
 * p99. The whole way: SQS, ingest-service, the events topic, detect-service (exactly-once), the findings topic,
 * notify-service, Slack. Below it, the same way in three stages, as a consumer of the topics sees each timed event and
 * its committed finding ({@link TopicArrivals}): SQS and ingest-service, detect-service, notify-service and Slack.
 */
public final class EventBridgeBench {

    private EventBridgeBench() {
    }

    /** Starts the local platform and measures each rate. */
    public static void run(Path root, int[] rates, int seconds) throws Exception {
        long t0 = System.nanoTime();
        try (var run = BenchPlatform.start(root, "trailwatch-bench-eventbridge", BenchPlatform.SLACK_UNLIMITED)) {
            System.out.printf(Locale.ROOT, "   ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            // The path's code compiled before anything is measured: ingest-service and detect-service run only the
            // optimizing compiler, which compiles a method after thousands of calls; until then it is interpreted. A
            // platform just started took 5-9 s from send to finding at 100 events a second, the third run 0.3 s.
            int warm = Arrays.stream(rates).max().orElse(20);
            latency(run.platform(), warm, Math.max(seconds, WARM_SECONDS), "warm-up: ");
            for (int rate : rates) {
                latency(run.platform(), rate, seconds, "");
            }
        }
    }

    /** How long the warm-up sends at the highest rate measured, at least. */
    static final int WARM_SECONDS = 40;

    /** The eventID of a timed event: this and its account. */
    private static final String EVENT_ID_PREFIX = "eb-bench-";

    /** One event in this many is an attack step, timed to Slack; the others are ordinary calls. */
    static final int FINDING_EVERY = 10;

    /**
     * Events at a steady rate for a while, one in {@value #FINDING_EVERY} a {@code StopLogging} in an account of its
     * own (a high finding: notify-service never holds those into a digest across accounts), the others ordinary calls
     * of that account: prints p50, p99 and max from the SQS send of each {@code StopLogging} to the Slack receipt of its
     * finding. Every event is a message of its own, as EventBridge sends them.
     */
    static void latency(LocalPlatform platform, int rate, int seconds, String label) throws Exception {
        int n = rate * seconds;
        Recording sample = Recording.load(Recording.SAMPLE);
        var ordinary = new CloudTrailLogs(rate);
        Instant at = Instant.now().minusSeconds(60);
        List<String> timed = new ArrayList<>(n);
        List<String> events = new ArrayList<>(n);
        String prefix = String.format(Locale.ROOT, "7%02d", (rate + label.length()) % 100);
        for (int i = 0; i < n; i += FINDING_EVERY) {
            String account = prefix + String.format(Locale.ROOT, "%09d", i / FINDING_EVERY);
            timed.add(account);
            events.add(EventBridgeEvents.of(sample.step("atk-03-stop-logging", account, EVENT_ID_PREFIX + account, at)));
            for (var r : ordinary.quietRecords(account, "eu-west-1", at, Math.min(FINDING_EVERY - 1, n - i - 1), Duration.ofMillis(100))) {
                timed.add(null);
                events.add(EventBridgeEvents.of(r));
            }
        }
        SlackLatency l;
        try (var arrivals = new TopicArrivals(platform.kafka().bootstrapServers())) {
            l = SlackLatency.measure(platform, timed, rate, i -> platform.sendEvent(events.get(i)), Duration.ofMinutes(2),
                    new SlackLatency.Stages() {
                        @Override
                        public Long onEvents(String account) {
                            return arrivals.event(EVENT_ID_PREFIX + account);
                        }

                        @Override
                        public Long onFindings(String account) {
                            return arrivals.finding(account);
                        }
                    });
        }
        System.out.printf(Locale.ROOT, "%sEventBridge event -> Slack receipt, %3d events/s, one in %d a finding (%d sent in %.1f s):"
                        + " p50 %,d ms  p99 %,d ms  max %,d ms  (%d of %d findings received)%n", label, rate, FINDING_EVERY, n,
                l.sendSeconds(), l.percentile(50), l.percentile(99), l.max(), l.received(), l.sent());
        System.out.print(stages(label, l));
    }

    /** The line of each stage: its p50, p99 and max, over the findings seen at every stage. */
    static String stages(String label, SlackLatency l) {
        var out = new StringBuilder();
        String indent = " ".repeat(label.length() + 4);
        for (int s = 0; s < l.stages().length; s++) {
            long[] ms = l.stages()[s];
            out.append(String.format(Locale.ROOT, "%s%-28s p50 %,6d ms  p99 %,6d ms  max %,6d ms  (%d findings)%n", indent,
                    SlackLatency.STAGE_NAMES.get(s), SlackLatency.percentile(ms, 50), SlackLatency.percentile(ms, 99),
                    ms.length == 0 ? -1 : ms[ms.length - 1], ms.length));
        }
        return out.toString();
    }
}

package io.trailwatch.bench;

import io.trailwatch.devkit.EventBridgeEvents;
import io.trailwatch.devkit.Recording;
import io.trailwatch.local.LocalPlatform;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The near-real-time path's latency (docs/near-real-time.md): CloudTrail events sent to the local EventBridge queue as
 * an EventBridge rule sends them, at a steady rate, each an attack step in an account of its own (so that each is a
 * Slack message of its own, not part of a storm's digest); from the SQS send to the Slack webhook's receipt, p50 and
 * p99. The whole way: SQS, ingest-service, the events topic, detect-service (exactly-once), the findings topic,
 * notify-service, Slack.
 */
public final class EventBridgeBench {

    private EventBridgeBench() {
    }

    /** Starts the local platform and measures each rate. */
    public static void run(Path root, int[] rates, int seconds) throws Exception {
        long t0 = System.nanoTime();
        try (var run = BenchPlatform.start(root, "trailwatch-bench-eventbridge", BenchPlatform.SLACK_UNLIMITED)) {
            System.out.printf(Locale.ROOT, "   ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            latency(run.platform(), 5, 2, "warm-up: "); // the path's code compiled before anything is measured
            for (int rate : rates) {
                latency(run.platform(), rate, seconds, "");
            }
        }
    }

    /** Events at a steady rate for a while: prints p50, p99 and max from the SQS send to the Slack receipt. */
    static void latency(LocalPlatform platform, int rate, int seconds, String label) throws Exception {
        int n = rate * seconds;
        Recording sample = Recording.load(Recording.SAMPLE);
        Instant at = Instant.now().minusSeconds(60);
        List<String> accounts = new ArrayList<>(n);
        List<String> events = new ArrayList<>(n);
        String prefix = String.format(Locale.ROOT, "7%02d", (rate + label.length()) % 100);
        for (int i = 0; i < n; i++) {
            String account = prefix + String.format(Locale.ROOT, "%09d", i);
            accounts.add(account);
            events.add(EventBridgeEvents.of(sample.step("atk-04-create-access-key", account, "eb-bench-" + account, at)));
        }
        var l = SlackLatency.measure(platform, accounts, rate, i -> platform.sendEvent(events.get(i)), Duration.ofMinutes(2));
        System.out.printf(Locale.ROOT, "%sEventBridge event -> Slack receipt, %3d events/s (%d sent in %.1f s): p50 %,d ms  p99 %,d ms"
                        + "  max %,d ms  (%d of %d received)%n", label, rate, n, l.sendSeconds(), l.percentile(50), l.percentile(99),
                l.max(), l.received(), n);
    }
}

package io.trailwatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.devkit.OrdinaryTraffic;
import io.trailwatch.model.Finding;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ./trailwatch bench noise [--events N] [--accounts N] [--days N]}: how much the built-in pack says about ordinary
 * traffic ({@link OrdinaryTraffic}: no attack in it, about 3.5% of calls denied): findings per severity and rule, and
 * the figure that matters, medium-or-higher findings per million events, beside the limit of
 * {@value #LIMIT_PER_MILLION}. Every finding is counted once, however often it grew. The detector starts empty, as
 * on a deployment's first day: learning periods and baselines start with the corpus.
 */
public final class NoiseBench {

    /** Medium-or-higher findings per million ordinary events the pack may make. */
    public static final int LIMIT_PER_MILLION = 50;

    private NoiseBench() {
    }

    public static void run(int events, int accounts, int days) throws Exception {
        List<Rule> pack = RulePack.builtIn();
        var detector = new Detector(new Engine(pack, Rule.Exceptions.NONE));
        Map<String, Finding> findings = new LinkedHashMap<>();
        long denied = 0;
        long started = System.nanoTime();
        for (ObjectNode record : new OrdinaryTraffic(7, events, accounts, Duration.ofDays(days))) {
            if (record.has("errorCode")) {
                denied++;
            }
            detector.process(Normalizer.normalize(record, null)).forEach(f -> findings.put(f.findingId(), f));
        }
        detector.flush().forEach(f -> findings.put(f.findingId(), f));
        double seconds = (System.nanoTime() - started) / 1e9;

        Map<String, Integer> bySeverity = new TreeMap<>();
        Map<String, Integer> byRule = new TreeMap<>();
        for (Finding f : findings.values()) {
            bySeverity.merge(f.severity(), 1, Integer::sum);
            byRule.merge(f.severity() + " " + f.ruleId(), 1, Integer::sum);
        }
        long serious = findings.values().stream().filter(NoiseBench::mediumOrHigher).count();
        double perMillion = serious * 1e6 / events;
        System.out.printf(Locale.ROOT, "corpus: %,d ordinary events (generated, seed 7), %d accounts, %d days, %.1f%% denied; %.1f s%n",
                events, accounts, days, 100.0 * denied / events, seconds);
        System.out.printf(Locale.ROOT, "findings: %,d (%s)%n", findings.size(), bySeverity);
        byRule.forEach((rule, n) -> System.out.printf(Locale.ROOT, "  %-60s %,6d%n", rule, n));
        System.out.printf(Locale.ROOT, "medium or higher per million events: %.1f (limit %d) %s%n", perMillion, LIMIT_PER_MILLION,
                perMillion <= LIMIT_PER_MILLION ? "ok" : "OVER");
    }

    static boolean mediumOrHigher(Finding f) {
        return switch (f.severity()) {
            case "medium", "high", "critical" -> true;
            default -> false;
        };
    }
}

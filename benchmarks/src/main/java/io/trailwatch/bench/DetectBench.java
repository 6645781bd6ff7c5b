package io.trailwatch.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.EventMessages;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.ModelJson;
import io.trailwatch.devkit.CloudTrailLogs;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ./trailwatch bench detect [--events N] [--passes N]}: events per second through the engine on one thread,
 * with the built-in pack:
 * <ol>
 *   <li>the engine alone ({@link Engine#matches}: which rules an event matches, no findings, no state) with the
 *   stateless rules, events already parsed;</li>
 *   <li>stateless rules alone (the pack less its threshold and first-seen rules) through the detector (findings, the
 *   state that remembers them), events already parsed;</li>
 *   <li>the full pack, stateful rules included, state in memory;</li>
 *   <li>the full pack from the bytes on the events topic: JSON to event, then the detector (detect-service's
 *   per-event work, less Kafka).</li>
 * </ol>
 * The events are a generated realistic mix (CloudTrailLogs, seed 7) over three accounts, many of which match rules;
 * each pass runs a fresh detector over the same events after a warm-up pass. Events are parsed untimed ten at a
 * time just before they are timed, so they are in the CPU's cache as in the service; the engine's figure is also
 * printed with events parsed 10,000 at a time, out of cache, which measures how long the rules wait on memory. Also
 * prints how many rules the index leaves to test per event.
 */
public final class DetectBench {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /**
     * Events parsed untimed this many at a time, then timed: few enough that a parsed event is still in the CPU's
     * cache when the rules run, as in detect-service, which decodes each event just before it runs the rules. A parsed
     * event of the corpus takes about 6 KB of heap, so ten take about 60 KB, within a core's second-level cache (256 KB
     * or more on current servers). A hundred (600 KB) did not fit on a machine with 512 KB per core: the engine ran at
     * 1.0M events per CPU-second parsed a hundred at a time and 1.7M ten at a time. One at a time would time the clock
     * reads more than the rules.
     */
    private static final int CHUNK = 10;
    /** As many as no cache holds: the rules then wait on memory for every event (the "out of cache" line). */
    private static final int COLD_CHUNK = 10_000;

    /**
     * Runs the benchmark and prints its figures.
     *
     * @param events events of the generated corpus
     * @param passes passes over it per figure (the first warms up)
     */
    public static void run(int events, int passes) throws Exception {
        List<byte[]> corpus = corpus(events);
        List<Rule> pack = RulePack.builtIn();
        List<Rule> stateless = pack.stream().filter(r -> !r.stateful()).toList();
        Engine full = new Engine(pack, Rule.Exceptions.NONE);
        Engine statelessOnly = new Engine(stateless, Rule.Exceptions.NONE);
        System.out.printf(Locale.ROOT, "corpus: %,d events (generated, seed 7); pack: %d rules, %d stateful, %d active%n",
                corpus.size(), pack.size(), pack.size() - stateless.size(), full.rules().size());
        System.out.printf(Locale.ROOT, "index: %.2f rules tested per event on average (of %d)%n", candidates(full, corpus),
                full.rules().size());

        reportEngine("engine alone, stateless rules   ", statelessOnly, corpus, passes, CHUNK);
        reportEngine("  the same, events out of cache ", statelessOnly, corpus, passes, COLD_CHUNK);
        report("stateless rules, parsed events", statelessOnly, corpus, passes, false);
        report("full pack, parsed events       ", full, corpus, passes, false);
        report("full pack, from topic bytes    ", full, corpus, passes, true);
    }

    private static List<byte[]> corpus(int n) throws Exception {
        var logs = new CloudTrailLogs(7);
        String[] accounts = {"111122223333", "444455556666", "777788889999"};
        List<byte[]> out = new ArrayList<>(n);
        Instant t = Instant.parse("2026-03-02T00:00:00Z");
        while (out.size() < n) {
            for (String account : accounts) {
                for (ObjectNode r : logs.records(account, CloudTrailLogs.region(out.size() / 1000), t, 100)) {
                    out.add(JSON.writeValueAsBytes(r));
                }
            }
            t = t.plusSeconds(120);
        }
        return out.subList(0, n);
    }

    /** An event as detect-service reads it from the events topic (the record as written). */
    static CloudTrailEvent decode(byte[] value) throws InvalidRecordException {
        return EventMessages.decode(value, null, header -> null);
    }

    private static double candidates(Engine engine, List<byte[]> corpus) throws Exception {
        long sum = 0;
        int n = Math.min(corpus.size(), 20_000);
        for (int i = 0; i < n; i++) {
            sum += engine.candidates(decode(corpus.get(i)));
        }
        return (double) sum / n;
    }

    private static void report(String label, Engine engine, List<byte[]> corpus, int passes, boolean fromBytes) throws Exception {
        report(label, "findings published", () -> detecting(engine), corpus, passes, fromBytes, CHUNK);
    }

    /** {@link Engine#matches} over parsed events: the rules' conditions alone, no findings, no state. */
    private static void reportEngine(String label, Engine engine, List<byte[]> corpus, int passes, int chunk) throws Exception {
        report(label, "rule matches", () -> e -> engine.matches(e).size(), corpus, passes, false, chunk);
    }

    /** A warm-up pass, then the best of {@code passes}. */
    private static void report(String label, String counted, java.util.function.Supplier<Work> work, List<byte[]> corpus, int passes,
                               boolean fromBytes, int chunk) throws Exception {
        run(work.get(), corpus, fromBytes, chunk);
        double best = 0;
        double bestCpu = 0;
        long count = 0;
        for (int p = 0; p < passes; p++) {
            Result r = run(work.get(), corpus, fromBytes, chunk);
            best = Math.max(best, corpus.size() / r.wallSeconds);
            bestCpu = Math.max(bestCpu, corpus.size() / r.cpuSeconds);
            count = r.findings;
        }
        System.out.printf(Locale.ROOT, "%s 1 thread: %,10.0f events/s  %,10.0f events/CPU-s  (%,d %s per pass)%n",
                label, best, bestCpu, count, counted);
    }

    record Result(double wallSeconds, double cpuSeconds, long findings) {
    }

    /** What a pass does with each event and at its end; each returns how many things it produced. */
    interface Work {
        long event(CloudTrailEvent e);

        default long end() {
            return 0;
        }
    }

    /** A fresh detector: findings per event, and those its flush releases at the end. */
    private static Work detecting(Engine engine) {
        var detector = new Detector(engine);
        return new Work() {
            @Override
            public long event(CloudTrailEvent e) {
                return detector.process(e).size();
            }

            @Override
            public long end() {
                return detector.flush().size();
            }
        };
    }

    static Result run(Engine engine, List<byte[]> corpus, boolean fromBytes) throws Exception {
        return run(detecting(engine), corpus, fromBytes, CHUNK);
    }

    /** One pass, events parsed untimed a chunk at a time (unless {@code fromBytes}: then parsing is timed too). */
    private static Result run(Work work, List<byte[]> corpus, boolean fromBytes, int chunkSize) throws Exception {
        long wall = 0;
        long cpu = 0;
        long produced = 0;
        for (int from = 0; from < corpus.size(); from += chunkSize) {
            List<byte[]> chunk = corpus.subList(from, Math.min(corpus.size(), from + chunkSize));
            List<CloudTrailEvent> parsed = new ArrayList<>(chunk.size());
            if (!fromBytes) {
                for (byte[] b : chunk) {
                    parsed.add(decode(b));
                }
            }
            long w0 = System.nanoTime();
            long c0 = THREADS.getCurrentThreadCpuTime();
            if (fromBytes) {
                for (byte[] b : chunk) {
                    produced += work.event(decode(b));
                }
            } else {
                for (CloudTrailEvent e : parsed) {
                    produced += work.event(e);
                }
            }
            cpu += THREADS.getCurrentThreadCpuTime() - c0;
            wall += System.nanoTime() - w0;
        }
        produced += work.end();
        return new Result(wall / 1e9, cpu / 1e9, produced);
    }
}

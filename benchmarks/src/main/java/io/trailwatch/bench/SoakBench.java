package io.trailwatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.Recording;
import io.trailwatch.local.LocalPlatform;
import io.trailwatch.local.Service;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./trailwatch bench soak [--minutes M]}: the local platform ({@code ./trailwatch local}'s) at a steady rate of
 * log files for M minutes, with storms and faults mixed in, sampled every minute per service: resident memory (RSS),
 * heap after a full GC, queue depth (in memory, and the internal topics that are queues by design: findings held for a
 * digest, deliveries and remediations put off) and the consumer lag on its input. At the end, a verdict on each series' slope after warm-up: memory that
 * keeps growing, or a queue or lag that does not drain, is what months of uptime would turn into an OOM kill or an
 * ever later alert.
 * <ul>
 *     <li>Steady: {@code rate} files a second of {@code records} records, one in five with a finding in one of fifty
 *     accounts.</li>
 *     <li>Storm, every fifth minute from the second: one rule in each of an organization's 300 accounts at once (a
 *     new security group opened to the world in each).</li>
 *     <li>Faults, every tenth minute: Slack answers 503 for 90 seconds (from the fourth minute), and notify-service is
 *     killed (SIGKILL) and started again (from the eighth).</li>
 * </ul>
 */
public final class SoakBench {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final List<String> SERVICES = List.of("ingest", "detect", "notify", "remediate");
    /** The consumer groups whose lag each service's row shows: how far behind its input it is. */
    private static final Map<String, List<String>> GROUPS = Map.of("detect", List.of("trailwatch-detect"),
            "notify", List.of("trailwatch-notify"), "remediate", List.of("trailwatch-remediate"));
    /**
     * Consumer groups whose lag is a queue by design: findings held for a digest until their window ends, deliveries
     * and remediations put off until they are due.
     */
    private static final Map<String, List<String>> QUEUE_GROUPS = Map.of(
            "notify", List.of("trailwatch-notify-deferred", "trailwatch-notify-digests"),
            "remediate", List.of("trailwatch-remediate-deferred"));
    /** The gauges that are each service's queues. */
    private static final Map<String, List<String>> QUEUES = Map.of("ingest", List.of("trailwatch_ingest_objects_in_flight"),
            "notify", List.of("trailwatch_notify_queued", "trailwatch_notify_findings_in_flight"),
            "remediate", List.of("trailwatch_remediate_findings_in_flight"));

    /** One sample of one service. */
    record Sample(double minute, double rssMb, double heapAfterGcMb, double queue, double lag) {
    }

    /** A series' straight line: least squares. */
    record Slope(double perMinute, double mean, double first, double last) {
        static Slope of(List<double[]> points) {
            int n = points.size();
            double sx = 0;
            double sy = 0;
            for (double[] p : points) {
                sx += p[0];
                sy += p[1];
            }
            double mx = sx / n;
            double my = sy / n;
            double num = 0;
            double den = 0;
            for (double[] p : points) {
                num += (p[0] - mx) * (p[1] - my);
                den += (p[0] - mx) * (p[0] - mx);
            }
            return new Slope(den == 0 ? 0 : num / den, my, points.get(0)[1], points.get(n - 1)[1]);
        }
    }

    private SoakBench() {
    }

    /**
     * @param root    the checkout, where the services' packaged jars are
     * @param minutes how long
     * @param rate    files a second, steady
     * @param records records per file
     * @param every   how often to sample
     */
    public static void run(Path root, int minutes, int rate, int records, Duration every) throws Exception {
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; soak of %d min: %d files/s of %,d records (%,d events/s),"
                        + " a storm in 300 accounts every 5 min, Slack down 90 s and notify-service killed every 10 min%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"), minutes, rate, records, rate * records);
        ScheduledExecutorService load = Executors.newScheduledThreadPool(3);
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        SERVICES.forEach(s -> samples.put(s, new ArrayList<>()));
        try (var run = BenchPlatform.start(root, "trailwatch-soak", Map.of("notify", Map.of(
                "trailwatch.notify.destinations.slack.rate-per-second", "5", "trailwatch.notify.destinations.slack.burst", "5")))) {
            LocalPlatform platform = run.platform();
            var logs = new CloudTrailLogs(rate);
            Recording sample = Recording.load(Recording.SAMPLE);
            AtomicLong sent = new AtomicLong();
            long t0 = System.nanoTime();
            Instant base = Instant.parse("2026-09-01T00:00:00Z");
            load.scheduleAtFixedRate(() -> steady(platform, logs, sample, sent.getAndIncrement(), records, base), 0,
                    1_000_000L / rate, TimeUnit.MICROSECONDS);
            System.out.printf(Locale.ROOT, "%6s  %-9s %8s %10s %7s %7s%n", "minute", "service", "RSS MB", "heap MB", "queue", "lag");
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafka().bootstrapServers()))) {
                long end = t0 + TimeUnit.MINUTES.toNanos(minutes);
                int minute = 0;
                for (long next = t0 + every.toNanos(); next <= end; next += every.toNanos()) {
                    TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
                    for (int now = (int) ((System.nanoTime() - t0) / 60_000_000_000L); minute < now; ) {
                        faults(platform, load, logs, sample, ++minute, base);
                    }
                    double at = (System.nanoTime() - t0) / 60e9;
                    for (String s : SERVICES) {
                        Sample x = sample(platform, admin, s, at);
                        samples.get(s).add(x);
                        System.out.printf(Locale.ROOT, "%6.1f  %-9s %8.0f %10.1f %7.0f %7.0f%n", x.minute(), s, x.rssMb(),
                                x.heapAfterGcMb(), x.queue(), x.lag());
                    }
                }
            }
            load.shutdownNow();
            System.out.printf(Locale.ROOT, "sent %,d files (%,d events)%n", sent.get(), sent.get() * records);
            verdicts(samples);
        } finally {
            load.shutdownNow();
        }
    }

    /** One file of quiet records; one in five carries a finding in one of fifty accounts. */
    private static void steady(LocalPlatform platform, CloudTrailLogs logs, Recording sample, long i, int records, Instant base) {
        try {
            String account = String.format("3200000%05d", i % 50);
            Instant at = base.plusMillis(i * 200);
            List<ObjectNode> rs = new ArrayList<>(logs.quietRecords(account, "eu-west-1", at, records - 1, Duration.ofMillis(50)));
            if (i % 5 == 0) {
                rs.add(rs.size() / 2, sample.step("atk-04-create-access-key", account, "soak-" + i, at.plusSeconds(20)));
            }
            String key = CloudTrailLogs.key(account, "eu-west-1", at, String.format("SOAK%012d", i));
            platform.notify(platform.putObject(key, CloudTrailLogs.file(rs, true)));
        } catch (RuntimeException e) {
            System.err.println("soak: a steady file failed: " + e);
        }
    }

    /**
     * The storms and faults due at the start of {@code minute}. A storm is one rule in each of the organization's 300
     * accounts (the same 300 every time, as an organization's accounts are), each on a security group of its own so
     * no finding is a duplicate of the last storm's.
     */
    private static void faults(LocalPlatform platform, ScheduledExecutorService load, CloudTrailLogs logs, Recording sample,
                               int minute, Instant base) {
        if (minute % 5 == 2) {
            load.execute(() -> {
                for (int a = 0; a < 300; a++) {
                    String account = String.format("3300000%05d", a);
                    Instant at = base.plus(Duration.ofMinutes(minute));
                    ObjectNode open = sample.step("atk-05-ssh-open-to-world", account, "storm-" + minute + "-" + a, at);
                    ((ObjectNode) open.path("requestParameters")).put("groupId", String.format("sg-%08x%09d", minute, a));
                    var rs = List.of(open);
                    platform.notify(platform.putObject(CloudTrailLogs.key(account, "eu-west-1", at, "STORM" + minute + "X" + a),
                            CloudTrailLogs.file(rs, true)));
                }
                System.out.printf(Locale.ROOT, "        (minute %d: a storm, one rule in 300 accounts)%n", minute);
            });
        }
        if (minute % 10 == 4) {
            platform.sinks().failSlackUntil(Instant.now().plusSeconds(90), 503);
            System.out.printf(Locale.ROOT, "        (minute %d: Slack answers 503 for 90 s)%n", minute);
        }
        if (minute % 10 == 8) {
            load.execute(() -> {
                try {
                    Service notify = platform.service("notify");
                    notify.kill();
                    notify.start();
                    notify.awaitReady(Duration.ofMinutes(2));
                    System.out.printf(Locale.ROOT, "        (minute %d: notify-service killed and started again)%n", minute);
                } catch (Exception e) {
                    System.err.println("soak: restarting notify-service failed: " + e);
                }
            });
        }
    }

    /**
     * One service's sample. Heap after a full collection and lag are each the least of three readings two seconds
     * apart: a log file just published, or its events in flight, are there at one reading and gone at the next; what
     * the service holds, or falls behind by, is there at all three.
     */
    private static Sample sample(LocalPlatform platform, Admin admin, String name, double minute) {
        Service s = platform.service(name);
        double heap = Double.NaN;
        double lag = Double.NaN;
        for (int reading = 0; reading < 3; reading++) {
            if (reading > 0) {
                pause(Duration.ofSeconds(2));
            }
            heap = min(heap, heapAfterGc(s));
            double l = 0;
            for (String group : GROUPS.getOrDefault(name, List.of())) {
                l += lag(admin, group);
            }
            lag = min(lag, l);
        }
        Map<String, Double> metrics = metrics(s.managementUrl() + "/q/metrics");
        double queue = 0;
        for (String q : QUEUES.getOrDefault(name, List.of())) {
            queue += metrics.getOrDefault(q, 0.0);
        }
        for (String group : QUEUE_GROUPS.getOrDefault(name, List.of())) {
            queue += lag(admin, group);
        }
        if (name.equals("ingest")) {
            queue += platform.queueDepth();
        }
        return new Sample(minute, rssMb(s), heap, queue, lag);
    }

    /** The smaller of two readings; a missing reading (NaN) is no reading. */
    private static double min(double a, double b) {
        return Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.min(a, b);
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The heap in use right after a full collection, in MB: {@code jcmd <pid> GC.run}, then the heap the JVM reports
     * (Micrometer's {@code jvm_memory_used_bytes{area="heap"}}). What survives a full collection is what the service
     * holds; a series of it that keeps rising is a leak.
     */
    static double heapAfterGc(Service s) {
        var pid = s.pid();
        if (pid.isEmpty()) {
            return Double.NaN;
        }
        try {
            Process gc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(pid.getAsLong()), "GC.run").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!gc.waitFor(30, TimeUnit.SECONDS) || gc.exitValue() != 0) {
                gc.destroyForcibly();
                return Double.NaN;
            }
        } catch (Exception e) {
            return Double.NaN; // no jcmd in this Java (a JRE): no figure
        }
        double heap = 0;
        boolean seen = false;
        for (var e : metricLines(s.managementUrl() + "/q/metrics")) {
            if (e.startsWith("jvm_memory_used_bytes{") && e.contains("area=\"heap\"")) {
                heap += Double.parseDouble(e.substring(e.lastIndexOf(' ') + 1));
                seen = true;
            }
        }
        return seen ? heap / (1 << 20) : Double.NaN;
    }

    /** The process's resident set, from /proc (NaN where there is none). */
    static double rssMb(Service s) {
        long mb = s.pid().isEmpty() ? -1 : Proc.status(s.pid().getAsLong(), "VmRSS:");
        return mb < 0 ? Double.NaN : mb;
    }

    /** A consumer group's lag over every partition it has committed. */
    private static long lag(Admin admin, String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
            long lag = 0;
            for (var e : admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS).entrySet()) {
                OffsetAndMetadata c = committed.get(e.getKey());
                lag += c == null ? 0 : Math.max(0, e.getValue().offset() - c.offset());
            }
            return lag;
        } catch (Exception e) {
            return 0;
        }
    }

    /** The lines of a Prometheus page that are samples (none while the service restarts). */
    private static List<String> metricLines(String url) {
        try {
            String body = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return java.util.Arrays.stream(body.split("\n")).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    /** Each series of a Prometheus page, summed over its tags. */
    private static Map<String, Double> metrics(String url) {
        Map<String, Double> out = new HashMap<>();
        for (String line : metricLines(url)) {
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            String name = line.substring(0, brace > 0 ? brace : line.indexOf(' '));
            try {
                out.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
            } catch (NumberFormatException e) {
                // NaN and the like
            }
        }
        return out;
    }

    /**
     * The verdict on each series after warm-up (the first fifth of the samples, at least two): memory is flat when its
     * line rises less than 10% of its mean (at least 16 MB) over the run; a queue or a lag drains when its last sample
     * is no higher than its mean, or its line rises less than one per minute.
     */
    static void verdicts(Map<String, List<Sample>> samples) {
        System.out.println();
        System.out.printf(Locale.ROOT, "%-9s %-14s %10s %10s %12s  %s%n", "service", "series", "after w-u", "last", "slope/10min", "verdict");
        for (var e : samples.entrySet()) {
            List<Sample> all = e.getValue();
            int warmUp = Math.max(2, all.size() / 5);
            if (all.size() - warmUp < 3) {
                System.out.printf(Locale.ROOT, "%-9s too few samples after warm-up for a verdict%n", e.getKey());
                continue;
            }
            List<Sample> kept = all.subList(warmUp, all.size());
            double span = kept.get(kept.size() - 1).minute() - kept.get(0).minute();
            verdict(e.getKey(), "RSS MB", kept, Sample::rssMb, true, span);
            verdict(e.getKey(), "heap after GC", kept, Sample::heapAfterGcMb, true, span);
            verdict(e.getKey(), "queue", kept, Sample::queue, false, span);
            verdict(e.getKey(), "lag", kept, Sample::lag, false, span);
        }
    }

    private static void verdict(String service, String series, List<Sample> kept, java.util.function.ToDoubleFunction<Sample> value,
                                boolean memory, double span) {
        List<double[]> points = new ArrayList<>();
        for (Sample s : kept) {
            double v = value.applyAsDouble(s);
            if (!Double.isNaN(v)) {
                points.add(new double[] {s.minute(), v});
            }
        }
        if (points.size() < 3) {
            return;
        }
        Slope slope = Slope.of(points);
        String verdict;
        if (memory) {
            verdict = slope.perMinute() * span < Math.max(16, 0.10 * slope.mean()) ? "flat" : "GROWING";
        } else {
            verdict = slope.last() <= slope.mean() || slope.perMinute() < 1 ? "drains" : "GROWING";
        }
        System.out.printf(Locale.ROOT, "%-9s %-14s %10.1f %10.1f %+12.1f  %s%n", service, series, slope.first(), slope.last(),
                slope.perMinute() * 10, verdict);
    }
}

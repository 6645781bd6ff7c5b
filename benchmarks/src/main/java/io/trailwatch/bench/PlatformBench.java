package io.trailwatch.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.local.LocalPlatform;
import io.trailwatch.local.Service;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.Recording;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./trailwatch bench [--corpus DIR]}: the figures of the whole platform on this machine, from one run:
 * <ol>
 *     <li>the floor: gunzip + JSON parse of the corpus on one thread;</li>
 *     <li>detection with the full pack on one thread, from the bytes on the events topic;</li>
 *     <li>the platform as {@code ./trailwatch local} runs it (broker, S3, SQS, the four services as processes): ingest
 *     events/s from S3/SQS into Kafka, and detect-service events/s behind it, on the corpus;</li>
 *     <li>latency from the SQS notification of a log file to the Slack webhook's receipt of its finding, p50/p99, at
 *     steady rates of files of 1,000 records (one finding each, in an account of its own);</li>
 *     <li>latency from an EventBridge event's SQS send to the Slack webhook's receipt of its finding, p50/p99, at 10 and
 *     100 events a second ({@link EventBridgeBench}).</li>
 * </ol>
 */
public final class PlatformBench {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    /**
     * Runs the benchmark and prints its figures.
     *
     * @param root      the checkout, where the services' packaged jars are
     * @param corpusDir a directory of CloudTrail log files, or null for a generated corpus
     * @param files     files of the generated corpus
     * @param records   records per file of the latency runs
     * @param rates     files per second of the latency runs
     * @param seconds   how long each latency run lasts
     */
    public static void run(Path root, Path corpusDir, int files, int records, int[] rates, int seconds) throws Exception {
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s, max heap of this JVM %d MB%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20);
        List<Corpus.File> corpus = corpusDir == null ? Corpus.generate(files, 42) : Corpus.read(corpusDir);
        long bytes = corpus.stream().mapToLong(f -> f.bytes().length).sum();
        System.out.printf(Locale.ROOT, "corpus: %d files, %.1f MB compressed (%s)%n", corpus.size(), bytes / 1e6,
                corpusDir == null ? "generated, seed 42" : corpusDir);

        var reader = new LogFileReader(Caps.DEFAULT);
        var floor = IngestBench.floor(reader, corpus, IngestBench.Stage.PARSE);
        System.out.printf(Locale.ROOT, "1. gunzip+parse, 1 thread:                 %,10.0f events/s  (%,d events)%n", floor.perSecond(), floor.events());

        List<byte[]> events = normalized(reader, corpus);
        Engine pack = new Engine(RulePack.builtIn(), Rule.Exceptions.NONE);
        DetectBench.run(pack, events, true);
        var detect = DetectBench.run(pack, events, true);
        System.out.printf(Locale.ROOT, "2. detect, full pack, from topic bytes, 1 thread: %,10.0f events/s  (%,d findings)%n",
                events.size() / detect.wallSeconds(), detect.findings());

        long t0 = System.nanoTime();
        try (var run = BenchPlatform.start(root, "trailwatch-bench", BenchPlatform.SLACK_UNLIMITED)) {
            LocalPlatform platform = run.platform();
            System.out.printf(Locale.ROOT, "   ready in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            pipeline(platform, corpus, events.size());
            for (int rate : rates) {
                awaitIdle(platform);
                latency(platform, rate, records, rate >= 100 ? Math.max(5, seconds / 4) : seconds);
            }
            awaitIdle(platform);
            EventBridgeBench.latency(platform, 20, 3, "   warm-up: ");
            for (int rate : new int[]{10, 100}) {
                awaitIdle(platform);
                EventBridgeBench.latency(platform, rate, seconds, "5. ");
            }
        }
    }

    /** Every valid record of the corpus, as the bytes ingest-service puts on the events topic. */
    private static List<byte[]> normalized(LogFileReader reader, List<Corpus.File> corpus) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (Corpus.File f : corpus) {
            reader.read(new ByteArrayInputStream(f.bytes()), new LogFileReader.Sink() {
                @Override
                public void record(int index, ObjectNode record) {
                    try {
                        Normalizer.normalize(record, null);
                        out.add(JSON.writeValueAsBytes(record));
                    } catch (Exception e) {
                        // not an event: left out, as ingest dead-letters it
                    }
                }

                @Override
                public void badRecord(int index, String reason, String detail) {
                }
            });
        }
        return out;
    }

    /** Uploads the corpus with its notifications; times the events topic and detect-service's count reaching it. */
    private static void pipeline(LocalPlatform platform, List<Corpus.File> corpus, long expected) throws Exception {
        Service detectService = platform.service("detect");
        long detectBefore = detectService.counter("trailwatch_detect_events_total", l -> true);
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.kafka().bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.EVENTS).stream().map(p -> new TopicPartition(Topics.EVENTS, p.partition())).toList();
            long before = sum(consumer.endOffsets(partitions));
            long t0 = System.nanoTime();
            for (Corpus.File f : corpus) {
                platform.upload("bench/" + f.key(), f.bytes());
            }
            double ingestSeconds = Double.NaN;
            double detectSeconds = Double.NaN;
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (System.nanoTime() < deadline && (Double.isNaN(ingestSeconds) || Double.isNaN(detectSeconds))) {
                if (Double.isNaN(ingestSeconds) && sum(consumer.endOffsets(partitions)) - before >= expected) {
                    ingestSeconds = (System.nanoTime() - t0) / 1e9;
                }
                if (Double.isNaN(detectSeconds) && detectService.counter("trailwatch_detect_events_total", l -> true) - detectBefore >= expected) {
                    detectSeconds = (System.nanoTime() - t0) / 1e9;
                }
                Thread.sleep(100);
            }
            System.out.printf(Locale.ROOT, "3. platform, S3/SQS -> ingest-service -> Kafka:   %,10.0f events/s  (%,d events in %.1f s)%n",
                    expected / ingestSeconds, expected, ingestSeconds);
            System.out.printf(Locale.ROOT, "   ... -> detect-service (full pack), end to end: %,10.0f events/s  (%.1f s)%n",
                    expected / detectSeconds, detectSeconds);
        }
    }

    /** Files at a steady rate, each with one finding in an account of its own: notification to Slack receipt. */
    private static void latency(LocalPlatform platform, int rate, int records, int seconds) throws Exception {
        int n = rate * seconds;
        Recording sample = Recording.load(Recording.SAMPLE);
        var logs = new CloudTrailLogs(rate);
        List<String> accounts = new ArrayList<>(n);
        List<byte[]> files = new ArrayList<>(n);
        List<String> keys = new ArrayList<>(n);
        Instant at = Instant.parse("2026-06-01T00:00:00Z").plusSeconds(86_400L * rate);
        for (int i = 0; i < n; i++) {
            String account = String.format("9%02d%09d", rate % 100, i);
            List<ObjectNode> rs = new ArrayList<>(logs.quietRecords(account, "eu-west-1", at, records - 1, Duration.ofMillis(100)));
            rs.add(rs.size() / 2, sample.step("atk-03-stop-logging", account, "bench-" + account, at.plusSeconds(50)));
            accounts.add(account);
            files.add(CloudTrailLogs.file(rs, true));
            keys.add(CloudTrailLogs.key(account, "eu-west-1", at, String.format("BENCH%011d", i)));
        }
        List<String> notifications = new ArrayList<>(n); // the objects are in the bucket first: timed from the notification
        for (int i = 0; i < n; i++) {
            notifications.add(platform.putObject(keys.get(i), files.get(i)));
        }
        var l = SlackLatency.measure(platform, accounts, rate, f -> platform.notify(notifications.get(f)), Duration.ofMinutes(10));
        System.out.printf(Locale.ROOT, "4. SQS notification -> Slack receipt, %3d files/s of %,d records (%,d events/s offered, %d files sent in %.1f s):"
                        + " p50 %,d ms  p99 %,d ms  max %,d ms  (%d of %d received)%n",
                rate, records, rate * records, n, l.sendSeconds(), l.percentile(50), l.percentile(99), l.max(), l.received(), n);
    }

    /** Waits (at most ten minutes) until detect-service has read every event and notify-service sends nothing more. */
    private static void awaitIdle(LocalPlatform platform) throws Exception {
        Service detect = platform.service("detect");
        Service notify = platform.service("notify");
        long t0 = System.nanoTime();
        long deadline = t0 + Duration.ofMinutes(10).toNanos();
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                platform.kafka().bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var partitions = consumer.partitionsFor(Topics.EVENTS).stream().map(p -> new TopicPartition(Topics.EVENTS, p.partition())).toList();
            long lastDeliveries = -1;
            int quiet = 0;
            while (System.nanoTime() < deadline && quiet < 5) {
                long deliveries = notify.counter("trailwatch_notify_deliveries_total", l -> true);
                boolean detected = detect.counter("trailwatch_detect_events_total", l -> true) >= sum(consumer.endOffsets(partitions));
                quiet = detected && deliveries == lastDeliveries ? quiet + 1 : 0;
                lastDeliveries = deliveries;
                Thread.sleep(1000);
            }
        }
        System.out.printf(Locale.ROOT, "   (waited %.0f s for the platform to be idle)%n", (System.nanoTime() - t0) / 1e9);
    }

    private static long sum(Map<TopicPartition, Long> offsets) {
        return offsets.values().stream().mapToLong(Long::longValue).sum();
    }
}

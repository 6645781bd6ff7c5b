package io.trailwatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.S3Server;
import io.trailwatch.devkit.SqsServer;
import io.trailwatch.local.Service;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code ./trailwatch bench ingest [--corpus DIR] [--files N]}: prints
 * <ol>
 *   <li>(a) the floor: gunzip + JSON parse of every record on one thread, events/s and events per CPU-second;</li>
 *   <li>the same plus normalization;</li>
 *   <li>heap: a generated file of a million records streamed through the reader, with the peak heap it took;</li>
 *   <li>(b) the pipeline: the packaged ingest-service, in its own JVM, reading the corpus from a local S3 server
 *   announced on a local SQS server into a local Kafka broker: events/s, events per CPU-second of the service, and
 *   the ratio b/a per CPU-second.</li>
 * </ol>
 */
public final class IngestBench {

    private static final String BUCKET = "bench-trail";
    private static final List<String> SERVICE_JVM_ARGS = new ArrayList<>();

    /**
     * Runs the benchmark and prints its figures.
     *
     * @param jar            ingest-service's quarkus-run.jar
     * @param corpusDir      a directory of CloudTrail log files, or null for a generated corpus
     * @param files          files of the generated corpus
     * @param pipeline       whether to run the service too, or only the floors
     * @param serviceJvmArgs extra JVM options of the service (profiling, GC)
     */
    public static void run(Path jar, Path corpusDir, int files, boolean pipeline, List<String> serviceJvmArgs) throws Exception {
        SERVICE_JVM_ARGS.clear();
        SERVICE_JVM_ARGS.addAll(serviceJvmArgs);
        List<Corpus.File> corpus = corpusDir == null ? Corpus.generate(files, 42) : Corpus.read(corpusDir);
        long bytes = corpus.stream().mapToLong(f -> f.bytes().length).sum();
        System.out.printf(Locale.ROOT, "corpus: %d files, %.1f MB compressed (%s)%n", corpus.size(), bytes / 1e6,
                corpusDir == null ? "generated, seed 42" : corpusDir);

        var reader = new LogFileReader(Caps.DEFAULT);
        Floor parse = floor(reader, corpus, Stage.PARSE);
        System.out.printf(Locale.ROOT, "(a) gunzip+parse, 1 thread:           %,10.0f events/s  %,10.0f events/CPU-s  (%d events)%n",
                parse.perSecond(), parse.perCpuSecond(), parse.events);
        Floor normalize = floor(reader, corpus, Stage.NORMALIZE);
        System.out.printf(Locale.ROOT, "    gunzip+parse+normalize, 1 thread: %,10.0f events/s  %,10.0f events/CPU-s%n",
                normalize.perSecond(), normalize.perCpuSecond());
        Floor serialize = floor(reader, corpus, Stage.SERIALIZE);
        System.out.printf(Locale.ROOT, "    ...+serialize to JSON, 1 thread:  %,10.0f events/s  %,10.0f events/CPU-s%n",
                serialize.perSecond(), serialize.perCpuSecond());
        heap(reader);

        if (pipeline) {
            Pipeline p = pipeline(corpus, parse.events, jar);
            System.out.printf(Locale.ROOT, "(b) pipeline S3/SQS -> ingest-service -> Kafka: %,10.0f events/s  %,10.0f events/CPU-s of the service  (%.1f s, %.1f CPU-s, peak RSS %d MB)%n",
                    p.events / p.seconds, p.events / p.cpuSeconds, p.seconds, p.cpuSeconds, p.peakRssMb);
            System.out.printf(Locale.ROOT, "    b/a per CPU-second: %.2f%n", (p.events / p.cpuSeconds) / parse.perCpuSecond());
        }
    }

    record Floor(long events, double seconds, double cpuSeconds) {
        double perSecond() {
            return events / seconds;
        }

        double perCpuSecond() {
            return events / cpuSeconds;
        }
    }

    enum Stage { PARSE, NORMALIZE, SERIALIZE }

    private static final com.fasterxml.jackson.databind.ObjectWriter WRITER = io.trailwatch.model.ModelJson.newMapper().writer();

    /** The best of three rounds, after a warm-up round. */
    static Floor floor(LogFileReader reader, List<Corpus.File> corpus, Stage stage) throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        Floor best = null;
        for (int round = 0; round < 4; round++) {
            long[] count = {0};
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (Corpus.File f : corpus) {
                reader.read(new ByteArrayInputStream(f.bytes()), new LogFileReader.Sink() {
                    @Override
                    public void record(int index, ObjectNode record) {
                        if (stage != Stage.PARSE) {
                            try {
                                var event = Normalizer.normalize(record, null);
                                if (stage == Stage.SERIALIZE) {
                                    WRITER.writeValueAsBytes(event);
                                }
                            } catch (InvalidRecordException | com.fasterxml.jackson.core.JsonProcessingException e) {
                                return;
                            }
                        }
                        count[0]++;
                    }

                    @Override
                    public void badRecord(int index, String reason, String detail) {
                    }
                });
            }
            var floor = new Floor(count[0], (System.nanoTime() - t0) / 1e9, (threads.getCurrentThreadCpuTime() - cpu0) / 1e9);
            if (round > 0 && (best == null || floor.perCpuSecond() > best.perCpuSecond())) {
                best = floor;
            }
        }
        return best;
    }

    /** Streams a generated million-record file (never held whole) and prints the peak heap the read needed. */
    private static void heap(LogFileReader reader) throws Exception {
        int n = 1_000_000;
        System.gc();
        List<MemoryPoolMXBean> heapPools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        long before = heapUsed();
        long[] count = {0};
        long t0 = System.nanoTime();
        var summary = reader.read(new RecordStream(n), new LogFileReader.Sink() {
            @Override
            public void record(int index, ObjectNode record) {
                count[0]++;
            }

            @Override
            public void badRecord(int index, String reason, String detail) {
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = heapPools.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.printf(Locale.ROOT, "    heap: %,d records (%.0f MB of JSON) streamed in %.1f s; heap before %d MB, peak during %d MB, max heap %d MB%n",
                count[0], summary.decompressedBytes() / 1e6, seconds, before >> 20, peak >> 20,
                Runtime.getRuntime().maxMemory() >> 20);
    }

    private static long heapUsed() {
        var mem = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        return mem.getUsed();
    }

    private record Pipeline(long events, double seconds, double cpuSeconds, long peakRssMb) {
    }

    private static Pipeline pipeline(List<Corpus.File> corpus, long expectedEvents, Path jar) throws Exception {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build with ./mvnw -DskipTests package");
        }
        try (KafkaBroker kafka = KafkaBroker.start(); S3Server s3 = S3Server.start(); SqsServer sqs = SqsServer.start()) {
            kafka.createTopics(Topics.EVENTS, Topics.DLQ_INGEST_NOTIFICATIONS, Topics.DLQ_INGEST_OBJECTS, Topics.DLQ_INGEST_RECORDS);
            kafka.createTopics(3, Topics.INGEST_LEDGER);
            s3.createBucket(BUCKET);
            String queue = sqs.createQueue("bench", 120);
            for (Corpus.File f : corpus) {
                s3.put(BUCKET, f.key(), f.bytes());
                s3.put(BUCKET, "warmup/" + f.key(), f.bytes());
            }
            int port = io.trailwatch.devkit.Ports.free();
            Path log = Files.createTempFile("ingest-bench", ".log");
            Process service = startIngest(jar, port, log, kafka, s3, sqs, queue, BUCKET, SERVICE_JVM_ARGS);
            try {
                awaitReady(port, service, log);
                var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer());
                var tp = new TopicPartition(Topics.EVENTS, 0);
                consumer.assign(List.of(tp));
                // First pass warms the JIT up (a long-running service is warm); the second pass is measured.
                long end = run(sqs, queue, corpus, "warmup/", consumer, tp, expectedEvents, service);
                System.out.printf(Locale.ROOT, "    (warm-up pass: %,d events)%n", end);
                long cpu0 = cpuNanos(service);
                Map<String, Long> threads0 = threadTicks(service);
                long t0 = System.nanoTime();
                long peakRss = 0;
                long target = end + expectedEvents;
                for (Corpus.File f : corpus) {
                    sqs.send(queue, "{\"s3Bucket\":\"" + BUCKET + "\",\"s3ObjectKey\":[\"" + f.key() + "\"]}");
                }
                while (true) {
                    end = consumer.endOffsets(List.of(tp)).get(tp);
                    peakRss = Math.max(peakRss, rssMb(service));
                    if (end >= target || !service.isAlive()) {
                        break;
                    }
                    Thread.sleep(100);
                }
                end -= target - expectedEvents;
                double seconds = (System.nanoTime() - t0) / 1e9;
                long cpu = cpuNanos(service) - cpu0;
                printThreadShare(threads0, threadTicks(service));
                consumer.close();
                if (!service.isAlive()) {
                    throw new IllegalStateException("ingest-service died; see " + log);
                }
                return new Pipeline(end, seconds, cpu / 1e9, Math.max(peakRss, hwmMb(service)));
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
    }

    private static long run(SqsServer sqs, String queue, List<Corpus.File> corpus, String prefix,
                            KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long events, Process service)
            throws InterruptedException {
        for (Corpus.File f : corpus) {
            sqs.send(queue, "{\"s3Bucket\":\"" + BUCKET + "\",\"s3ObjectKey\":[\"" + prefix + f.key() + "\"]}");
        }
        long end;
        do {
            Thread.sleep(100);
            end = consumer.endOffsets(List.of(tp)).get(tp);
        } while (end < events && service.isAlive());
        return end;
    }

    /**
     * Starts the packaged ingest-service against the local components, in a JVM of its own with the options
     * {@code ./trailwatch local} gives it ({@link Service#jvmOptions(String)}), then {@code options}.
     */
    static Process startIngest(Path jar, int port /* management */, Path log, KafkaBroker kafka, S3Server s3, SqsServer sqs, String queue,
                               String bucket, List<String> options) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(Service.jvmOptions("ingest"));
        cmd.addAll(options);
        cmd.addAll(List.of(
                // the application port is unused; health is on the management interface, at the given port
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=0",
                "-Dquarkus.management.host=127.0.0.1",
                "-Dquarkus.management.port=" + port,
                "-Dkafka.bootstrap.servers=" + kafka.bootstrapServers(),
                "-Dtrailwatch.ingest.sqs.queue-url=" + queue,
                "-Dtrailwatch.ingest.aws.s3-endpoint=" + s3.endpoint(),
                "-Dtrailwatch.ingest.aws.s3-path-style=true",
                "-Dtrailwatch.ingest.aws.sqs-endpoint=" + sqs.endpoint(),
                "-Dtrailwatch.ingest.aws.static-credentials=test:test",
                "-Dtrailwatch.ingest.sources.buckets=" + bucket,
                "-Dtrailwatch.ingest.sqs.wait-time-seconds=1",
                "-Dquarkus.log.console.json.enabled=false",
                "-jar", jar.toString()));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static void awaitReady(int port, Process service, Path log) throws Exception {
        var http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("ingest-service exited; see " + log + "\n" + Files.readString(log));
            }
            try {
                var r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("ingest-service not ready; see " + log);
    }

    /** CPU clock ticks per thread group of a process (Linux /proc), keyed by thread name without its number. */
    static Map<String, Long> threadTicks(Process p) {
        Map<String, Long> ticks = new java.util.TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    ticks.merge(name.replaceAll("[#-]?\\d+$", "").replaceAll("\\d+", "N"), t, Long::sum);
                } catch (IOException | RuntimeException e) {
                    // the thread ended
                }
            }
        } catch (IOException e) {
            // not on Linux
        }
        return ticks;
    }

    static void printThreadShare(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new java.util.HashMap<>();
        after.forEach((k, v) -> delta.put(k, v - before.getOrDefault(k, 0L)));
        long total = delta.values().stream().mapToLong(Long::longValue).sum();
        if (total <= 0) {
            return;
        }
        StringBuilder sb = new StringBuilder("    service CPU by thread:");
        delta.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .forEach(e -> sb.append(String.format(Locale.ROOT, " %s %.0f%%,", e.getKey(), 100.0 * e.getValue() / total)));
        System.out.println(sb.substring(0, sb.length() - 1));
    }

    static long cpuNanos(Process p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }

    static long rssMb(Process p) {
        return procStatus(p, "VmRSS:");
    }

    static long hwmMb(Process p) {
        return procStatus(p, "VmHWM:");
    }

    private static long procStatus(Process p, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not on Linux, or the process is gone
        }
        return 0;
    }

    /** {@code {"Records":[...]}} of n small distinct records, produced as it is read. */
    private static final class RecordStream extends InputStream {
        private final int n;
        private int i = -1;
        private byte[] chunk = "{\"Records\":[".getBytes(StandardCharsets.UTF_8);
        private int pos;

        RecordStream(int n) {
            this.n = n;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == chunk.length && !next()) {
                return -1;
            }
            int k = Math.min(len, chunk.length - pos);
            System.arraycopy(chunk, pos, b, off, k);
            pos += k;
            return k;
        }

        private boolean next() {
            i++;
            if (i > n) {
                return false;
            }
            String s = i == n ? "]}" : (i > 0 ? "," : "") + "{\"eventVersion\":\"1.09\",\"eventID\":\"" + i
                    + "-0000-4000-8000-000000000000\",\"eventTime\":\"2026-03-02T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\","
                    + "\"eventName\":\"GetObject\",\"awsRegion\":\"eu-west-1\",\"sourceIPAddress\":\"198.51.100.23\","
                    + "\"userIdentity\":{\"type\":\"AssumedRole\",\"arn\":\"arn:aws:sts::111122223333:assumed-role/app/i-1\"},"
                    + "\"requestParameters\":{\"bucketName\":\"app-data\",\"key\":\"exports/" + i + ".csv\"},"
                    + "\"recipientAccountId\":\"111122223333\",\"eventCategory\":\"Data\",\"managementEvent\":false}";
            chunk = s.getBytes(StandardCharsets.UTF_8);
            pos = 0;
            return true;
        }
    }
}

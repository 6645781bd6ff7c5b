package io.trailwatch.bench;

import io.trailwatch.cloudtrail.digest.DigestSignature;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.S3Server;
import io.trailwatch.devkit.SqsServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * {@code ./trailwatch bench integrity [--corpus DIR] [--files N] [--per-digest N] [--passes N]}: prints
 * <ol>
 *   <li>(a) the floor: gunzip + SHA-256 of every log file on one thread, MB/s of uncompressed JSON;</li>
 *   <li>(b) the packaged ingest-service validating signed digests of the corpus (a local S3 server, SQS, Kafka): digests/s,
 *   log files/s and MB/s hashed, CPU-seconds of the service, and the ratio b/a per CPU-second.</li>
 * </ol>
 */
public final class IntegrityBench {

    private static final String BUCKET = "bench-trail";
    private static final String ACCOUNT = "111122223333";

    /**
     * Runs the benchmark and prints its figures.
     *
     * @param jar       ingest-service's quarkus-run.jar
     * @param corpusDir a directory of CloudTrail log files, or null for a generated corpus
     * @param files     files of the generated corpus
     * @param perDigest log files per digest
     * @param passes    trails validated (after as many warm-up trails)
     */
    public static void run(Path jar, Path corpusDir, int files, int perDigest, int passes) throws Exception {
        List<Corpus.File> corpus = corpusDir == null ? Corpus.generate(files, 42) : Corpus.read(corpusDir);
        long compressed = corpus.stream().mapToLong(f -> f.bytes().length).sum();
        System.out.printf(Locale.ROOT, "corpus: %d log files, %.1f MB compressed (%s), a signed digest per %d files, "
                + "%d trails vouching for them after %d warm-up trails%n", corpus.size(), compressed / 1e6,
                corpusDir == null ? "generated, seed 42" : corpusDir, perDigest, passes, passes);

        double[] floor = floor(corpus);
        System.out.printf(Locale.ROOT, "(a) gunzip+SHA-256, 1 thread:  %,8.1f MB/s  %,8.1f MB/CPU-s  (%.1f MB uncompressed)%n",
                floor[0] / floor[1], floor[0] / floor[2], floor[0]);
        pipeline(corpus, perDigest, passes, jar, floor[0] / floor[2]);
    }

    /** MB uncompressed, seconds, CPU-seconds: the best of three rounds after a warm-up. */
    private static double[] floor(List<Corpus.File> corpus) throws Exception {
        var threads = ManagementFactory.getThreadMXBean();
        double[] best = null;
        byte[] buffer = new byte[64 * 1024];
        for (int round = 0; round < 4; round++) {
            long bytes = 0;
            long cpu0 = threads.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            for (Corpus.File f : corpus) {
                MessageDigest sha = DigestSignature.sha256();
                try (var in = new GZIPInputStream(new ByteArrayInputStream(f.bytes()), 64 * 1024)) {
                    int n;
                    while ((n = in.read(buffer)) > 0) {
                        sha.update(buffer, 0, n);
                        bytes += n;
                    }
                }
                sha.digest();
            }
            double[] r = {bytes / 1e6, (System.nanoTime() - t0) / 1e9, (threads.getCurrentThreadCpuTime() - cpu0) / 1e9};
            if (round > 0 && (best == null || r[0] / r[2] > best[0] / best[2])) {
                best = r;
            }
        }
        return best;
    }

    private static void pipeline(List<Corpus.File> corpus, int perDigest, int passes, Path jar, double floorPerCpuSecond)
            throws Exception {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: build with ./mvnw -DskipTests package");
        }
        KeyPair key = CloudTrailDigests.newKeyPair();
        Path keys = Files.createTempFile("cloudtrail-public-keys", ".json");
        Files.writeString(keys, CloudTrailDigests.listPublicKeys(CloudTrailDigests.publicKeyEntry((RSAPublicKey) key.getPublic(),
                Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2100-01-01T00:00:00Z"))));
        try (KafkaBroker kafka = KafkaBroker.start(); S3Server s3 = S3Server.start(); SqsServer sqs = SqsServer.start()) {
            kafka.createTopics(Topics.EVENTS, Topics.FINDINGS, Topics.INTEGRITY, Topics.DLQ_INGEST_NOTIFICATIONS,
                    Topics.DLQ_INGEST_OBJECTS, Topics.DLQ_INGEST_RECORDS);
            kafka.createTopics(3, Topics.INGEST_LEDGER);
            s3.createBucket(BUCKET);
            String queue = sqs.createQueue("bench", 120);
            for (Corpus.File f : corpus) {
                s3.put(BUCKET, f.key(), f.bytes());
            }
            // Several trails vouch for the same log files: the first ones warm the service up, the others are measured.
            List<String> warmup = new ArrayList<>();
            List<String> measured = new ArrayList<>();
            for (int p = 0; p < passes; p++) {
                warmup.addAll(digests(s3, corpus, perDigest, key, "warmup" + p));
                measured.addAll(digests(s3, corpus, perDigest, key, "bench" + p));
            }
            long uncompressed = uncompressed(corpus) * passes;

            int port = io.trailwatch.devkit.Ports.free();
            Path log = Files.createTempFile("integrity-bench", ".log");
            Process service = IngestBench.startIngest(jar, port, log, kafka, s3, sqs, queue, BUCKET, List.of(
                    "-Dtrailwatch.ingest.integrity.public-keys-file=" + keys,
                    "-Dtrailwatch.ingest.integrity.fetch-public-keys=false"));
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    kafka.bootstrapServers()), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                IngestBench.awaitReady(port, service, log);
                var tp = new TopicPartition(Topics.INTEGRITY, 0);
                consumer.assign(List.of(tp));
                announce(sqs, queue, warmup);
                awaitRecords(consumer, tp, warmup.size(), service, log);
                long cpu0 = IngestBench.cpuNanos(service);
                Map<String, Long> threads0 = IngestBench.threadTicks(service);
                long t0 = System.nanoTime();
                announce(sqs, queue, measured);
                awaitRecords(consumer, tp, warmup.size() + measured.size(), service, log);
                double seconds = (System.nanoTime() - t0) / 1e9;
                double cpu = (IngestBench.cpuNanos(service) - cpu0) / 1e9;
                IngestBench.printThreadShare(threads0, IngestBench.threadTicks(service));
                double mb = uncompressed / 1e6;
                System.out.printf(Locale.ROOT, "(b) SQS -> ingest-service validating digests -> Kafka: %,.1f digests/s  %,.0f log files/s  "
                                + "%,.1f MB/s hashed  %,.1f MB/CPU-s of the service  (%.2f s, %.2f CPU-s, peak RSS %d MB)%n",
                        measured.size() / seconds, (double) corpus.size() * passes / seconds, mb / seconds, mb / cpu, seconds, cpu,
                        IngestBench.hwmMb(service));
                System.out.printf(Locale.ROOT, "    b/a per CPU-second: %.2f%n", (mb / cpu) / floorPerCpuSecond);
            } finally {
                service.destroy();
                service.waitFor();
            }
        }
    }

    /** Signed digests of the corpus in one trail, a digest per {@code perDigest} files; returns their keys. */
    private static List<String> digests(S3Server s3, List<Corpus.File> corpus, int perDigest, KeyPair key, String trailName) {
        var trail = new CloudTrailDigests.Trail(s3.client(), BUCKET, ACCOUNT, "eu-west-1", trailName, key);
        List<String> keys = new ArrayList<>();
        Instant end = Instant.parse("2026-03-02T01:00:00Z");
        for (int i = 0; i < corpus.size(); i++) {
            trail.delivered(corpus.get(i).key(), corpus.get(i).bytes());
            if ((i + 1) % perDigest == 0 || i == corpus.size() - 1) {
                keys.add(trail.digest(end).key());
                end = end.plusSeconds(3600);
            }
        }
        return keys;
    }

    private static long uncompressed(List<Corpus.File> corpus) throws Exception {
        long total = 0;
        for (Corpus.File f : corpus) {
            try (var in = new GZIPInputStream(new ByteArrayInputStream(f.bytes()))) {
                total += in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        return total;
    }

    private static void announce(SqsServer sqs, String queue, List<String> keys) {
        for (String k : keys) {
            sqs.send(queue, "{\"Records\":[{\"eventSource\":\"aws:s3\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":"
                    + "{\"name\":\"" + BUCKET + "\"},\"object\":{\"key\":\"" + k + "\",\"size\":1}}}]}");
        }
    }

    private static void awaitRecords(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long n, Process service, Path log)
            throws InterruptedException {
        while (consumer.endOffsets(List.of(tp)).get(tp) < n) {
            if (!service.isAlive()) {
                throw new IllegalStateException("ingest-service died; see " + log);
            }
            Thread.sleep(50);
        }
    }
}

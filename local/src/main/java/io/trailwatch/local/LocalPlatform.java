package io.trailwatch.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.model.Topics;
import io.trailwatch.testsupport.CloudTrailLogs;
import io.trailwatch.testsupport.KafkaBroker;
import io.trailwatch.testsupport.Ports;
import io.trailwatch.testsupport.S3Server;
import io.trailwatch.testsupport.SqsServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The platform on loopback: a Kafka broker, an S3 and an SQS server, and the services as separate processes with their
 * real configuration. Writes {@code <state>/endpoints.json}, then {@code <state>/ready} once every component answers;
 * replays sample trails unless told not to; uploads every CloudTrail file that appears in a watched directory, with
 * its S3 notification; prints what reaches the topics. Stops everything on Ctrl-C.
 */
public final class LocalPlatform implements AutoCloseable {

    public static final String BUCKET = "cloudtrail-logs";
    public static final String QUEUE = "trailwatch-ingest";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How to run. */
    public record Options(Path state, Path watch, boolean sample, Path ingestJar) {
    }

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    private KafkaBroker kafka;
    private S3Server s3;
    private SqsServer sqs;
    private String queueUrl;
    private Process ingest;
    private int ingestPort;
    private volatile boolean running = true;

    public LocalPlatform(Options options) {
        this.options = options;
    }

    public static void main(String[] args) throws Exception {
        Path state = Path.of(".trailwatch");
        Path watch = null;
        boolean sample = true;
        Path jar = Path.of("ingest-service/target/quarkus-app/quarkus-run.jar");
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--state" -> state = Path.of(args[++i]);
                case "--watch" -> watch = Path.of(args[++i]);
                case "--no-sample" -> sample = false;
                case "--ingest-jar" -> jar = Path.of(args[++i]);
                default -> {
                    System.err.println("usage: ./trailwatch local [--watch DIR] [--state DIR] [--no-sample]");
                    System.exit(2);
                }
            }
        }
        var platform = new LocalPlatform(new Options(state.toAbsolutePath(), watch == null ? null : watch.toAbsolutePath(), sample, jar));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping...");
            platform.close();
        }, "local-stop"));
        platform.start();
        platform.run();
    }

    /** Starts every component and writes endpoints.json and ready. */
    public void start() throws Exception {
        Path state = options.state();
        Files.createDirectories(state.resolve("logs"));
        Files.deleteIfExists(state.resolve("ready"));
        say("state in " + state);

        // Each run starts from an empty broker: the S3 objects under state/s3 stay, the topics start afresh.
        deleteRecursively(state.resolve("kafka"));
        kafka = KafkaBroker.start(state.resolve("kafka"));
        started.add(kafka);
        kafka.createTopics(Topics.EVENTS, Topics.DLQ_INGEST_NOTIFICATIONS, Topics.DLQ_INGEST_OBJECTS, Topics.DLQ_INGEST_RECORDS);
        kafka.createTopics(3, Topics.INGEST_LEDGER);
        say("Kafka broker      " + kafka.bootstrapServers());

        s3 = S3Server.start(state.resolve("s3"));
        started.add(s3);
        s3.createBucket(BUCKET);
        say("S3 server         " + s3.endpoint() + "  bucket " + BUCKET);

        sqs = SqsServer.start();
        started.add(sqs);
        queueUrl = sqs.createQueue(QUEUE, 120);
        say("SQS server        " + sqs.endpoint() + "  queue " + queueUrl);

        ingestPort = Ports.free();
        ingest = service("ingest", options.ingestJar(), ingestPort, Map.of(
                "kafka.bootstrap.servers", kafka.bootstrapServers(),
                "trailwatch.ingest.sqs.queue-url", queueUrl,
                "trailwatch.ingest.sqs.wait-time-seconds", "2",
                "trailwatch.ingest.aws.s3-endpoint", s3.endpoint().toString(),
                "trailwatch.ingest.aws.s3-path-style", "true",
                "trailwatch.ingest.aws.sqs-endpoint", sqs.endpoint().toString(),
                "trailwatch.ingest.aws.static-credentials", S3Server.ACCESS_KEY + ":" + S3Server.SECRET_KEY,
                "trailwatch.ingest.sources.buckets", BUCKET));
        awaitReady("ingest-service", ingest, ingestPort);
        say("ingest-service    http://127.0.0.1:" + ingestPort + "  (log: " + state.resolve("logs/ingest.log") + ")");

        Map<String, Object> endpoints = new LinkedHashMap<>();
        endpoints.put("kafkaBootstrapServers", kafka.bootstrapServers());
        endpoints.put("s3Endpoint", s3.endpoint().toString());
        endpoints.put("bucket", BUCKET);
        endpoints.put("sqsEndpoint", sqs.endpoint().toString());
        endpoints.put("queueUrl", queueUrl);
        endpoints.put("credentials", Map.of("accessKeyId", S3Server.ACCESS_KEY, "secretAccessKey", S3Server.SECRET_KEY));
        endpoints.put("ingestService", "http://127.0.0.1:" + ingestPort);
        JSON.writerWithDefaultPrettyPrinter().writeValue(state.resolve("endpoints.json").toFile(), endpoints);
        Files.writeString(state.resolve("ready"), Instant.now().toString() + "\n");
        say("ready: " + state.resolve("endpoints.json"));

        if (options.sample()) {
            int files = replaySample();
            say("replaying " + files + " sample CloudTrail files");
        }
        if (options.watch() != null) {
            Files.createDirectories(options.watch());
            say("watching " + options.watch() + " for CloudTrail files (.json, .json.gz)");
        }
    }

    /** Watches, prints progress, until stopped. */
    public void run() throws Exception {
        Set<Path> seen = new HashSet<>();
        try (var events = counter(Topics.EVENTS); var dlqObjects = counter(Topics.DLQ_INGEST_OBJECTS);
             var dlqRecords = counter(Topics.DLQ_INGEST_RECORDS); var dlqNotifications = counter(Topics.DLQ_INGEST_NOTIFICATIONS)) {
            long lastEvents = -1;
            long lastDead = -1;
            while (running) {
                if (options.watch() != null) {
                    uploadNew(options.watch(), seen);
                }
                if (!ingest.isAlive()) {
                    say("ingest-service exited with " + ingest.exitValue() + "; see " + options.state().resolve("logs/ingest.log"));
                    return;
                }
                long e = events.count();
                long d = dlqObjects.count() + dlqRecords.count() + dlqNotifications.count();
                if (e != lastEvents || d != lastDead) {
                    say(String.format(Locale.ROOT, "events on %s: %,d   dead letters: %,d", Topics.EVENTS, e, d));
                    lastEvents = e;
                    lastDead = d;
                }
                Thread.sleep(1000);
            }
        }
    }

    /** Uploads every new CloudTrail file under dir with its S3 notification; returns how many. */
    int uploadNew(Path dir, Set<Path> seen) throws IOException {
        int n = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).filter(LocalPlatform::isTrailFile).sorted().toList()) {
                if (seen.add(p)) {
                    String name = p.getFileName().toString();
                    String key = name.contains("_CloudTrail_") ? layoutKey(name) : "uploads/" + name;
                    put(key, Files.readAllBytes(p));
                    say("uploaded " + p + " as s3://" + BUCKET + "/" + key);
                    n++;
                }
            }
        }
        return n;
    }

    private static boolean isTrailFile(Path p) {
        String name = p.getFileName().toString();
        return (name.endsWith(".json") || name.endsWith(".json.gz")) && !name.startsWith(".");
    }

    /** {@code <account>_CloudTrail_<region>_<yyyyMMdd>T...} names give back CloudTrail's key layout. */
    private static String layoutKey(String name) {
        String[] parts = name.split("_");
        if (parts.length >= 4 && parts[0].matches("\\d{12}") && parts[3].matches("\\d{8}T\\d{4}Z")) {
            String d = parts[3];
            return "AWSLogs/" + parts[0] + "/CloudTrail/" + parts[2] + "/" + d.substring(0, 4) + "/" + d.substring(4, 6)
                    + "/" + d.substring(6, 8) + "/" + name;
        }
        return "uploads/" + name;
    }

    private int replaySample() {
        var logs = new CloudTrailLogs(2026);
        String[] accounts = {"111122223333", "444455556666"};
        String[] regions = {"us-east-1", "eu-west-1"};
        Instant t = Instant.parse("2026-03-02T00:00:00Z");
        int files = 0;
        for (int hour = 0; hour < 6; hour++) {
            for (String account : accounts) {
                for (String region : regions) {
                    Instant at = t.plus(Duration.ofHours(hour));
                    List<ObjectNode> records = logs.records(account, region, at, 200);
                    put(CloudTrailLogs.key(account, region, at, "sample" + hour + region.hashCode()), CloudTrailLogs.file(records, true));
                    files++;
                }
            }
        }
        return files;
    }

    private void put(String key, byte[] bytes) {
        var response = s3.put(BUCKET, key, bytes);
        String body = "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"" + Instant.now() + "\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\","
                + "\"bucket\":{\"name\":\"" + BUCKET + "\",\"arn\":\"arn:aws:s3:::" + BUCKET + "\"},\"object\":{\"key\":\""
                + java.net.URLEncoder.encode(key, java.nio.charset.StandardCharsets.UTF_8).replace("%2F", "/")
                + "\",\"size\":" + bytes.length + ",\"eTag\":\"" + response.eTag().replace("\"", "") + "\"}}}]}";
        sqs.send(queueUrl, body);
    }

    private Process service(String name, Path jar, int port, Map<String, String> config) throws IOException {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing; ./trailwatch builds it");
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dquarkus.http.port=" + port, "-Dquarkus.log.console.json.enabled=false"));
        config.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(options.state().resolve("logs/" + name + ".log").toFile()))
                .start();
        started.add(0, () -> {
            p.destroy();
            p.waitFor();
        });
        return p;
    }

    private void awaitReady(String name, Process process, int port) throws Exception {
        var http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited; see " + options.state().resolve("logs"));
            }
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " not ready after 120 s; see " + options.state().resolve("logs"));
    }

    /** Counts what is on a topic. */
    private TopicCounter counter(String topic) {
        return new TopicCounter(kafka.bootstrapServers(), topic);
    }

    /** The endpoints file's content. */
    public Path state() {
        return options.state();
    }

    @Override
    public synchronized void close() {
        running = false;
        for (AutoCloseable c : started) {
            try {
                c.close();
            } catch (Exception e) {
                // going down anyway
            }
        }
        started.clear();
        try {
            Files.deleteIfExists(options.state().resolve("ready"));
        } catch (IOException e) {
            // going down anyway
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void say(String line) {
        System.out.println("[trailwatch] " + line);
    }

    /** The number of records on a topic (its end offsets summed). */
    private static final class TopicCounter implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final List<TopicPartition> partitions;

        TopicCounter(String bootstrap, String topic) {
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringDeserializer(), new StringDeserializer());
            partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
        }

        long count() {
            return consumer.endOffsets(partitions, Duration.ofSeconds(10)).values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}

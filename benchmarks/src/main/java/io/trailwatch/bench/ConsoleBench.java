package io.trailwatch.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.Ports;
import io.trailwatch.devkit.Scratch;
import io.trailwatch.devkit.ServiceProcess;
import io.trailwatch.local.Service;
import io.trailwatch.model.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./trailwatch bench console}: console-service, as packaged and with its default (embedded) store, filled with
 * {@code findings} findings from a real broker; then how long its pages take to answer, next to the floor measured in
 * the same run: a static file from the same server (the HTTP round trip, authentication included, without a query or
 * a template).
 */
public final class ConsoleBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USER = "bench";
    private static final String PASSWORD = "bench-password-not-a-secret";
    private static final Pattern TOTAL = Pattern.compile("([0-9]+) in all");
    private static final int ROUNDS = 50;
    private static final String[] SEVERITIES = {"info", "low", "medium", "high", "critical"};
    private static final String[] RULES = {"cloudtrail-stop-logging", "iam-create-access-key", "console-login-without-mfa",
            "unauthorized-api-call", "s3-bucket-made-public", "guardduty-detector-deleted", "ec2-instance-profile-attached",
            "kms-key-scheduled-deletion"};

    private ConsoleBench() {
    }

    public static void run(Path root, int findings) throws Exception {
        Path dir = Files.createTempDirectory("trailwatch-bench-console");
        Path jar = root.resolve("console-service/target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        System.out.printf(Locale.ROOT, "machine: %d cores, Java %s; state in %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), dir);
        try (KafkaBroker kafka = KafkaBroker.start(dir.resolve("kafka"))) {
            kafka.createTopics(6, Topics.FINDINGS, Topics.DELIVERIES, Topics.REMEDIATIONS);
            kafka.createTopics(3, Topics.INTEGRITY);
            kafka.createTopics(Topics.DLQ_CONSOLE_FINDINGS, Topics.DLQ_CONSOLE_DELIVERIES, Topics.DLQ_CONSOLE_REMEDIATIONS,
                    Topics.DLQ_CONSOLE_INTEGRITY);
            long t0 = System.nanoTime();
            publish(kafka.bootstrapServers(), findings);
            System.out.printf(Locale.ROOT, "published %,d findings in %.1f s%n", findings, (System.nanoTime() - t0) / 1e9);

            int port = Ports.free();
            int management = Ports.free();
            Map<String, String> props = new LinkedHashMap<>();
            props.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            props.put("quarkus.http.host", "127.0.0.1");
            props.put("quarkus.http.port", Integer.toString(port));
            props.put("quarkus.management.host", "127.0.0.1");
            props.put("quarkus.management.port", Integer.toString(management));
            props.put("trailwatch.console.data-dir", dir.resolve("console").toString());
            props.put("quarkus.security.users.embedded.users." + USER, PASSWORD);
            props.put("quarkus.security.users.embedded.roles." + USER, "viewer");
            Process console = ServiceProcess.start(jar, props, Service.ENVIRONMENT, dir.resolve("console.log"),
                    Service.jvmOptions("console").toArray(String[]::new));
            try {
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                String base = "http://127.0.0.1:" + port;
                long started = System.nanoTime();
                awaitTotal(http, base, findings, console, dir);
                System.out.printf(Locale.ROOT, "console-service started and stored them in %.1f s%n%n", (System.nanoTime() - started) / 1e9);

                System.out.printf(Locale.ROOT, "%-48s %10s %10s %10s%n", "request (cold: the first; then " + ROUNDS + " warm)", "cold ms", "p50 ms", "p95 ms");
                Stats floor = measure(http, base + "/console.css");
                print("floor: a static file (HTTP, authentication)", floor);
                print("/findings (first page, counts, filters' choices)", measure(http, base + "/findings"));
                print("/findings?severity=high&severity=critical", measure(http, base + "/findings?severity=high&severity=critical"));
                print("/findings?q=access-key (text)", measure(http, base + "/findings?q=access-key"));
                print("/findings?account=...&rule=... (two columns)", measure(http, base + "/findings?account=111100000007&rule=iam-create-access-key"));
                print("/findings, page 20 (after=...)", measure(http, base + olderLink(http, base, 20)));
                print("/findings/{id} (a finding's page)", measure(http, base + "/findings/bench-" + (findings / 2)));
                System.out.printf(Locale.ROOT, "%nRSS of console-service: %d MB%n", Proc.status(console.pid(), "VmRSS:"));
            } finally {
                console.destroy();
                console.waitFor();
            }
        } finally {
            Scratch.deleteAllBut(dir, Set.of("console.log"));
        }
    }

    /** Findings as detect-service writes them: severities, rules, 40 accounts, 4 regions, an evidence event each. */
    private static void publish(String bootstrap, int n) throws Exception {
        Random random = new Random(42);
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        try (var producer = new KafkaProducer<String, String>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.LINGER_MS_CONFIG, 20), new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                String id = "bench-" + i;
                String account = String.format(Locale.ROOT, "1111%08d", random.nextInt(40));
                String region = List.of("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2").get(random.nextInt(4));
                String rule = RULES[random.nextInt(RULES.length)];
                Instant time = start.plusSeconds(i * 60L + random.nextInt(60));
                ObjectNode f = JSON.createObjectNode();
                f.put("findingId", id);
                f.put("ruleId", rule);
                f.put("title", "Bench finding " + i + " of " + rule);
                f.put("description", "A generated finding for the console's benchmark.");
                f.put("severity", SEVERITIES[random.nextInt(SEVERITIES.length)]);
                f.put("category", rule.substring(0, rule.indexOf('-')));
                f.put("accountId", account);
                f.put("region", region);
                f.putObject("principal").put("type", "AssumedRole").put("arn", "arn:aws:sts::" + account + ":assumed-role/Ops/user" + random.nextInt(100));
                f.put("sourceIp", "203.0.113." + random.nextInt(255));
                f.put("eventSource", "iam.amazonaws.com");
                f.put("eventName", "CreateAccessKey");
                f.put("eventTime", time.toString());
                f.putArray("eventIds").add(java.util.UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)).toString());
                f.put("count", 1);
                ObjectNode evidence = f.putObject("evidence");
                evidence.put("eventId", f.get("eventIds").get(0).asText());
                evidence.put("eventTime", time.toString());
                evidence.put("eventSource", "iam.amazonaws.com");
                evidence.put("eventName", "CreateAccessKey");
                evidence.put("awsRegion", region);
                evidence.put("accountId", account);
                evidence.put("userAgent", "aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64.amzn.2023");
                evidence.putObject("requestParameters").put("userName", "user" + random.nextInt(100));
                f.put("runbook", "Confirm with the principal's owner; revoke the key if it was not them.");
                producer.send(new ProducerRecord<>(Topics.FINDINGS, id, JSON.writeValueAsString(f)));
            }
            producer.flush();
        }
    }

    private static void awaitTotal(HttpClient http, String base, int n, Process console, Path dir) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < deadline) {
            if (!console.isAlive()) {
                throw new IllegalStateException("console-service exited; see " + dir.resolve("console.log"));
            }
            try {
                HttpResponse<String> r = get(http, base + "/findings");
                Matcher m = TOTAL.matcher(r.body());
                if (r.statusCode() == 200 && m.find() && Integer.parseInt(m.group(1)) >= n) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("console-service did not store " + n + " findings within 5 minutes");
    }

    /** The link to the page {@code pages} pages down, followed from the first. */
    private static String olderLink(HttpClient http, String base, int pages) throws Exception {
        String path = "/findings";
        Pattern older = Pattern.compile("href=\"(/findings\\?[^\"]*after=[^\"]+)\" rel=\"next\"");
        for (int i = 1; i < pages; i++) {
            Matcher m = older.matcher(get(http, base + path).body());
            if (!m.find()) {
                break;
            }
            path = m.group(1).replace("&amp;", "&");
        }
        return path;
    }

    private record Stats(double cold, double p50, double p95) {
    }

    private static Stats measure(HttpClient http, String url) throws Exception {
        long c = System.nanoTime();
        HttpResponse<String> first = get(http, url);
        double cold = (System.nanoTime() - c) / 1e6;
        if (first.statusCode() != 200) {
            throw new IllegalStateException(url + " answered " + first.statusCode());
        }
        for (int i = 0; i < ROUNDS; i++) {
            get(http, url); // warm-up: the JIT, the connection, the database's caches
        }
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            long t = System.nanoTime();
            get(http, url);
            times.add((System.nanoTime() - t) / 1e6);
        }
        times.sort(Double::compare);
        return new Stats(cold, times.get(times.size() / 2), times.get((int) Math.ceil(times.size() * 0.95) - 1));
    }

    private static void print(String what, Stats s) {
        System.out.printf(Locale.ROOT, "%-48s %10.1f %10.1f %10.1f%n", what, s.cold(), s.p50(), s.p95());
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}

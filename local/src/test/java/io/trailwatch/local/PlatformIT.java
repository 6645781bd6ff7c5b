package io.trailwatch.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.GeoDb;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.TopicReader;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole platform as {@code ./trailwatch local} runs it (a Kafka broker, S3, SQS and SMTP servers, the Slack and
 * Lambda sinks, the four services as processes), fed CloudTrail files through S3 notifications: what a user receives,
 * and that nothing is lost or repeated when a service is killed, the broker restarts, Slack fails for a while or SQS
 * delivers a notification twice. Each case works in an account of its own; a summary table is printed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlatformIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant DAY = Instant.parse("2026-03-02T10:00:00Z");
    private static final String E2E_ACCOUNT = "111122223333";
    private static final List<String> FAULT_ACCOUNTS = List.of("210000000001", "210000000002", "210000000003", "210000000004");
    private static final List<String> EVENTBRIDGE_ACCOUNTS = List.of("240000000001", "240000000002", "240000000003", "240000000004");
    private static final Duration SETTLE = Duration.ofSeconds(4);

    private final List<String> summary = new ArrayList<>();
    private LocalPlatform platform;
    private Thread runner;
    private Path state;
    private Path watch;
    private Engine engine;
    private Tally events;
    private Tally findings;

    @BeforeAll
    void startThePlatform() throws Exception {
        Path dir = Path.of("target", "platform-it").toAbsolutePath(); // kept after the run: logs/, sinks/
        deleteRecursively(dir);
        state = dir.resolve("state");
        watch = dir.resolve("watch");
        List<String> allowed = new ArrayList<>(LocalPlatform.ALLOWED_ACCOUNTS);
        allowed.addAll(FAULT_ACCOUNTS);
        allowed.addAll(EVENTBRIDGE_ACCOUNTS);
        platform = new LocalPlatform(new LocalPlatform.Options(state, watch, true, Path.of(System.getProperty("trailwatch.root")),
                Map.of("remediate", Map.of("trailwatch.remediate.allowed-accounts", String.join(",", allowed)),
                        // below SQS's own message size, so that an oversized EventBridge event can be sent here at all
                        "ingest", Map.of("trailwatch.ingest.near-real-time.max-event-bytes", "65536"))));
        runner = new Thread(() -> {
            try {
                platform.start();
                platform.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "local-platform");
        runner.start();
        Awaitility.await().atMost(Duration.ofMinutes(4)).until(() -> Files.exists(state.resolve("ready")) || !runner.isAlive());
        assertThat(state.resolve("ready")).as("the platform started; see " + state.resolve("logs")).exists();
        // an event is its record as written: its account is the key, its id the ce_id header
        events = new Tally(Topics.EVENTS, r -> r.key(), r -> TopicReader.header(r, Headers.CE_ID));
        findings = new Tally(Topics.FINDINGS, r -> json(r).path("accountId").asText(), r -> json(r).path("findingId").asText());
        engine = new Engine(RulePack.builtIn(), Rule.Exceptions.NONE, new Engine.Context(
                GeoDb.open(state.resolve("geo/documentation-networks.mmdb")),
                Map.of("allowed-countries", Set.of("AU"), "trusted-accounts", Set.of("310000000003"))));
    }

    @AfterAll
    void stopThePlatform() throws Exception {
        if (events != null) {
            events.close();
            findings.close();
        }
        if (platform != null) {
            platform.close();
            runner.join(60_000);
            assertThat(state.resolve("ready")).doesNotExist();
        }
        System.out.println();
        System.out.println("Fault tests: every eventID on the events topic, every expected finding once, every notification once");
        System.out.println(String.format(Locale.ROOT, "%-26s %9s %11s %10s %10s %7s %6s %7s %6s",
                "case", "records", "on topic", "repeated", "findings", "slack", "mail", "lambda", "secs"));
        summary.forEach(System.out::println);
    }

    @Test
    @Order(1)
    void endpointsJson_saysWhereEverythingIs() throws Exception {
        JsonNode e = JSON.readTree(state.resolve("endpoints.json").toFile());
        assertThat(e.get("bucket").asText()).isEqualTo(LocalPlatform.BUCKET);
        for (String field : new String[]{"kafkaBootstrapServers", "s3Endpoint", "sqsEndpoint", "queueUrl", "eventBridgeQueueUrl",
                "slackWebhookUrl", "lambdaEndpoint"}) {
            assertThat(e.get(field).asText()).as(field).isNotBlank();
        }
        assertThat(e.get("smtp").get("port").asInt()).isPositive();
        assertThat(e.get("services").properties()).extracting(Map.Entry::getKey)
                .containsExactly("ingest", "detect", "notify", "remediate", "console");
        assertThat(e.get("consoleUrl").asText()).startsWith(e.get("services").get("console").asText() + "/login?token=");
        assertThat(e.get("sinks").get("slack").asText()).endsWith("sinks/slack.jsonl");
    }

    @Test
    @Order(1)
    void everyService_listensOnLoopbackOnly_andItsManagementApi_takesOnlyTheLocalCredentials() throws Exception {
        JsonNode e = JSON.readTree(state.resolve("endpoints.json").toFile());
        assertThat(e.get("management").properties()).extracting(Map.Entry::getKey)
                .containsExactly("ingest", "detect", "notify", "remediate", "console");
        if (Files.getFileStore(state).supportsFileAttributeView("posix")) {
            assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(state.resolve("endpoints.json"))))
                    .as("endpoints.json holds passwords").isEqualTo("rw-------");
        }
        java.net.InetAddress outside = nonLoopbackAddress();
        for (String name : List.of("ingest", "detect", "notify", "remediate", "console")) {
            for (String url : List.of(e.get("services").get(name).asText(), e.get("management").get(name).asText())) {
                int port = java.net.URI.create(url).getPort();
                assertThat(java.net.URI.create(url).getHost()).isEqualTo("127.0.0.1");
                if (outside != null) {
                    try (var socket = new java.net.Socket()) {
                        org.assertj.core.api.Assertions.assertThatThrownBy(() -> socket.connect(new java.net.InetSocketAddress(outside, port), 2000))
                                .as(name + " at " + outside + ":" + port).isInstanceOf(IOException.class);
                    }
                }
            }
        }

        var http = java.net.http.HttpClient.newHttpClient();
        JsonNode operator = e.get("managementUsers").get("operator");
        JsonNode viewer = e.get("managementUsers").get("viewer");
        String ingest = e.get("management").get("ingest").asText();
        String remediate = e.get("management").get("remediate").asText();
        String body = "{\"bucket\":\"" + LocalPlatform.BUCKET + "\",\"prefix\":\"nothing-here/\",\"from\":\"2026-03-01T00:00:00Z\",\"to\":\"2026-03-02T00:00:00Z\"}";
        assertThat(call(http, "POST", ingest + "/backfill", body, null)).isEqualTo(401);
        assertThat(call(http, "POST", ingest + "/backfill", body, viewer)).isEqualTo(403);
        assertThat(call(http, "POST", ingest + "/backfill", body, operator)).isEqualTo(202);
        assertThat(call(http, "PUT", remediate + "/kill-switch", "", null)).isEqualTo(401);
        assertThat(call(http, "GET", remediate + "/kill-switch", null, viewer)).isEqualTo(200);
        assertThat(call(http, "GET", e.get("management").get("detect").asText() + "/q/health/ready", null, null)).isEqualTo(200);
    }

    @Test
    @Order(1)
    void eachService_reachesKafkaAsItsOwnUser_andMayDoNothingTheOthersDo() {
        // notify talks to the internet: if it is taken over, it must not trigger Lambda (findings), turn the kill
        // switch (control), silence alerts (other ledgers), or read everyone's activity (events)
        Map<String, Object> notify = platform.kafkaClientConfigOf("notify");
        for (String topic : List.of(Topics.FINDINGS, Topics.REMEDIATE_CONTROL, Topics.REMEDIATE_LEDGER, Topics.INGEST_LEDGER,
                Topics.EVENTS, Topics.REMEDIATIONS)) {
            assertWriteRefused(notify, topic);
        }
        assertReadRefused(notify, Topics.EVENTS);
        assertWriteRefused(platform.kafkaClientConfigOf("remediate"), Topics.FINDINGS);
        assertWriteRefused(platform.kafkaClientConfigOf("detect"), Topics.REMEDIATE_CONTROL);
        assertWriteRefused(platform.kafkaClientConfigOf("detect"), Topics.NOTIFY_LEDGER);
        assertWriteRefused(platform.kafkaClientConfigOf("ingest"), Topics.REMEDIATIONS);
        assertReadRefused(platform.kafkaClientConfigOf("ingest"), Topics.FINDINGS);
        // what each may do, each does: the end-to-end tests below run on these very users
    }

    private static void assertWriteRefused(Map<String, Object> identity, String topic) {
        Map<String, Object> config = new HashMap<>(identity);
        config.put(org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(config,
                new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> producer.send(
                            new org.apache.kafka.clients.producer.ProducerRecord<>(topic, "forged", "{}")).get(20, java.util.concurrent.TimeUnit.SECONDS))
                    .as("writing " + topic)
                    .hasRootCauseInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
        }
    }

    private static void assertReadRefused(Map<String, Object> identity, String topic) {
        try (var consumer = new KafkaConsumer<>(identity, new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(new TopicPartition(topic, 0)));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> {
                        for (int i = 0; i < 20; i++) {
                            consumer.poll(Duration.ofMillis(500));
                        }
                    }).as("reading " + topic)
                    .isInstanceOf(org.apache.kafka.common.errors.TopicAuthorizationException.class);
        }
    }

    private static int call(java.net.http.HttpClient http, String method, String url, String body, JsonNode user) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Content-Type", "application/json")
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody() : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (user != null) {
            request.header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                    (user.get("user").asText() + ":" + user.get("password").asText()).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        return http.send(request.build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** An address of this machine other than loopback, if it has one. */
    private static java.net.InetAddress nonLoopbackAddress() throws IOException {
        for (var nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!nic.isUp() || nic.isLoopback()) {
                continue;
            }
            for (var address : java.util.Collections.list(nic.getInetAddresses())) {
                if (address instanceof java.net.Inet4Address && !address.isLoopbackAddress()) {
                    return address;
                }
            }
        }
        return null;
    }

    @Test
    @Order(2)
    void aFileWithARootLogin_aStopLogging_andAPublicSnapshot_reachesSlack_mail_andLambda() throws Exception {
        var s = new Scenario("e2e", E2E_ACCOUNT, DAY).file(200, "atk-13-root-console-login", "atk-03-stop-logging", "atk-09-snapshot-public");
        long started = System.nanoTime();
        platform.upload(s.key(0), s.bytes(0));

        Map<String, Finding> expected = s.expected(engine);
        assertThat(expected.values()).extracting(Finding::ruleId)
                .containsExactlyInAnyOrder("root-console-login", "cloudtrail-stop-logging", "ebs-snapshot-made-public");
        // the sample's replay (a thousand files and their digests) is still ahead of it in the queue
        Observed seen = awaitDelivered(s, expected, Duration.ofMinutes(4));

        Finding stop = only(expected, "cloudtrail-stop-logging");
        JsonNode slack = seen.slack.get(stop.findingId()).get(0).get("message");
        assertThat(slack.get("text").asText()).isEqualTo(":red_circle: [HIGH] CloudTrail logging was stopped (account 111122223333)");
        assertThat(slack.toString()).contains("StopLogging", "cloudtrail.amazonaws.com", "eu-west-1", "ops-bob",
                "e2e-atk-03-stop-logging");
        assertThat(seen.slack.get(only(expected, "root-console-login").findingId()).get(0).toString())
                .contains("The root user signed in to the console", "203.0.113.81");
        assertThat(seen.slack.get(only(expected, "ebs-snapshot-made-public").findingId()).get(0).toString())
                .contains("ModifySnapshotAttribute");

        Mail mail = seen.mail.get(stop.findingId()).get(0);
        assertThat(mail.subject).isEqualTo("[HIGH] CloudTrail logging was stopped (account 111122223333)");
        assertThat(mail.to).isEqualTo("security@localhost");
        assertThat(mail.text).contains("StopLogging", "ops-bob", "eu-west-1");
        assertThat(seen.mail).containsOnlyKeys(expected.keySet()); // all three are high: the urgent route mails them

        assertThat(seen.lambda).containsOnlyKeys(stop.findingId());
        JsonNode invocation = seen.lambda.get(stop.findingId()).get(0);
        assertThat(invocation.get("function").asText()).isEqualTo("trailwatch-restart-logging");
        assertThat(invocation.at("/payload/finding/ruleId").asText()).isEqualTo("cloudtrail-stop-logging");
        assertThat(invocation.at("/payload/finding/eventIds/0").asText()).isEqualTo("e2e-atk-03-stop-logging");

        try (var remediations = new TopicReader(platform.kafka().bootstrapServers(), Topics.REMEDIATIONS)) {
            String snapshot = only(expected, "ebs-snapshot-made-public").findingId();
            var outcomes = remediations.awaitUntil(rs -> rs.stream().anyMatch(r -> r.value().contains(snapshot)), Duration.ofSeconds(60));
            JsonNode dryRun = JSON.readTree(outcomes.stream().filter(r -> r.value().contains(snapshot)).findFirst().orElseThrow().value());
            assertThat(dryRun.get("outcome").asText()).isEqualTo("dry-run");
            assertThat(dryRun.get("remediation").asText()).isEqualTo("remove-sharing");
        }
        row(s, seen, expected, started);
    }

    @Test
    @Order(3)
    void aFileDroppedInTheWatchedDirectory_isUploadedWithCloudTrailsKeyLayout_andIngested() throws Exception {
        String name = "111122223333_CloudTrail_eu-west-1_20260302T1005Z_localtest0000001.json.gz";
        Files.write(watch.resolve(name), CloudTrailLogs.file(new CloudTrailLogs(5).records("111122223333", "eu-west-1",
                DAY.plusSeconds(300), 15), true));
        try (var reader = new TopicReader(platform.kafka().bootstrapServers(), Topics.EVENTS)) {
            String key = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/" + name;
            String id = io.trailwatch.cloudtrail.EventMessages.logFileId(LocalPlatform.BUCKET, key);
            var events = reader.awaitUntil(r -> r.stream().filter(e -> id.equals(TopicReader.header(e, Headers.LOG_FILE))).count() >= 15,
                    Duration.ofSeconds(90));
            // every record names the file by its id; the first names its bucket and key
            assertThat(events).filteredOn(e -> name(e).endsWith(name)).extracting(PlatformIT::name).containsExactly(key);
            assertThat(events).filteredOn(e -> name(e).endsWith(name))
                    .extracting(e -> TopicReader.header(e, Headers.LOG_FILE)).containsExactly(id);
        }
    }

    @Test
    @Order(4)
    void anSqsMessageDeliveredTwice_ingestsTheFileOnce() throws Exception {
        var s = new Scenario("sqs-twice", FAULT_ACCOUNTS.get(0), DAY)
                .file(3000, "atk-13-root-console-login", "atk-03-stop-logging", "atk-04-create-access-key");
        long started = System.nanoTime();
        String notification = platform.upload(s.key(0), s.bytes(0));
        platform.notify(notification);
        Observed seen = awaitDelivered(s, s.expected(engine), Duration.ofMinutes(2));
        row(s, seen, s.expected(engine), started);
    }

    @Test
    @Order(5)
    void slackAnswering503ForAWhile_getsEveryMessageOnceWhenItRecovers() throws Exception {
        var s = new Scenario("slack-503", FAULT_ACCOUNTS.get(1), DAY)
                .file(3000, "atk-13-root-console-login", "atk-03-stop-logging", "atk-04-create-access-key");
        int failuresBefore = platform.sinks().slackFailures();
        long started = System.nanoTime();
        platform.sinks().failSlackUntil(Instant.now().plusSeconds(15), 503);
        platform.upload(s.key(0), s.bytes(0));
        Observed seen = awaitDelivered(s, s.expected(engine), Duration.ofMinutes(3));
        assertThat(platform.sinks().slackFailures()).as("posts Slack refused").isGreaterThan(failuresBefore);
        row(s, seen, s.expected(engine), started);
    }

    @Test
    @Order(6)
    void ingestKilledMidFile_andRestarted_losesNothing() throws Exception {
        var s = new Scenario("ingest-kill-9", FAULT_ACCOUNTS.get(2), DAY)
                .file(40_000, "atk-13-root-console-login", "atk-03-stop-logging", "atk-04-create-access-key");
        long before = events.endOffsets();
        long started = System.nanoTime();
        platform.upload(s.key(0), s.bytes(0));
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> events.endOffsets() - before >= 1_000);
        platform.service("ingest").kill();
        long atKill = events.endOffsets() - before;
        assertThat(atKill).as("events published before the kill").isLessThan(s.eventIds().size());
        platform.service("ingest").start();
        platform.service("ingest").awaitReady(Duration.ofMinutes(2));
        Observed seen = awaitDelivered(s, s.expected(engine), Duration.ofMinutes(3));
        row(s, seen, s.expected(engine), started);
    }

    @Test
    @Order(7)
    void brokerRestartedMidStream_losesNothing() throws Exception {
        var s = new Scenario("broker-restart", FAULT_ACCOUNTS.get(3), DAY);
        s.file(5_000, "atk-13-root-console-login");
        for (int i = 0; i < 6; i++) {
            s.file(5_000);
        }
        s.file(5_000, "atk-03-stop-logging", "atk-04-create-access-key");
        long before = events.endOffsets();
        long started = System.nanoTime();
        for (int i = 0; i < s.files.size(); i++) {
            platform.upload(s.key(i), s.bytes(i));
        }
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20)).until(() -> events.endOffsets() - before >= 5_000);
        long atStop = events.endOffsets() - before;
        platform.kafka().stop();
        assertThat(atStop).as("events published before the broker stopped").isLessThan(s.eventIds().size());
        Thread.sleep(2_000);
        platform.kafka().restart();
        Observed seen = awaitDelivered(s, s.expected(engine), Duration.ofMinutes(4));
        for (String service : List.of("ingest", "detect", "notify", "remediate")) {
            assertThat(platform.service(service).isAlive()).as(service + " survived the broker restart").isTrue();
        }
        row(s, seen, s.expected(engine), started);
    }

    @Test
    @Order(8)
    void aLogFileDeletedAfterDelivery_isACriticalFindingInSlackAndMail_atTheNextDigest() throws Exception {
        var s = new Scenario("log-file-deleted", "210000000005", DAY).file(500).file(500);
        var trail = platform.trail(s.account, "eu-west-1", "audit");
        long started = System.nanoTime();
        for (int i = 0; i < s.files.size(); i++) {
            platform.upload(s.key(i), s.bytes(i));
            trail.delivered(s.key(i), s.bytes(i));
        }
        Awaitility.await().atMost(Duration.ofMinutes(1)).until(() -> events.of(s.account).size() == s.eventIds().size());
        platform.deleteObject(s.key(1)); // someone covers their tracks
        var digest = trail.digest(DAY.plusSeconds(3600));

        Finding tampering;
        try (var reader = new TopicReader(platform.kafka().bootstrapServers(), Topics.FINDINGS)) {
            var all = reader.awaitUntil(rs -> rs.stream().anyMatch(r -> r.value().contains(s.key(1))), Duration.ofMinutes(1));
            tampering = io.trailwatch.model.ModelJson.newMapper().readValue(all.stream().filter(r -> r.value().contains(s.key(1))).findFirst().orElseThrow().value(),
                    Finding.class);
        }
        assertThat(s.expected(engine)).as("the files themselves hold nothing to find").isEmpty();
        Map<String, Finding> expected = Map.of(tampering.findingId(), tampering);
        Observed seen = awaitDelivered(s, expected, Duration.ofMinutes(2));

        JsonNode slack = seen.slack.get(tampering.findingId()).get(0).get("message");
        assertThat(slack.get("text").asText()).isEqualTo(":rotating_light: [CRITICAL] CloudTrail log file deleted (account 210000000005)");
        assertThat(slack.toString()).contains(s.key(1), digest.key());
        assertThat(seen.mail.get(tampering.findingId()).get(0).subject)
                .isEqualTo("[CRITICAL] CloudTrail log file deleted (account 210000000005)");
        try (var integrity = new TopicReader(platform.kafka().bootstrapServers(), Topics.INTEGRITY)) {
            var all = integrity.awaitUntil(rs -> rs.stream().anyMatch(r -> r.value().contains(digest.key())), Duration.ofSeconds(30));
            JsonNode record = JSON.readTree(all.stream().filter(r -> r.value().contains(digest.key())).findFirst().orElseThrow().value());
            assertThat(record.get("status").asText()).isEqualTo("invalid");
            assertThat(record.get("logFilesVerified").asInt()).isEqualTo(1);
            assertThat(record.at("/problems/0/reason").asText()).isEqualTo("log-file-deleted");
            assertThat(record.at("/problems/0/key").asText()).isEqualTo(s.key(1));
        }
        row(s, seen, expected, started);
    }

    @Test
    @Order(9)
    void theSampleReplay_givesAFindingInEveryCategoryOfThePack_andEveryDigestChecksOut() throws Exception {
        Set<String> categories = RulePack.builtIn().stream().map(Rule::category).collect(Collectors.toCollection(TreeSet::new));
        try (var findings = new TopicReader(platform.kafka().bootstrapServers(), Topics.FINDINGS)) {
            var all = findings.awaitUntil(rs -> sampleCategories(rs).containsAll(categories), Duration.ofMinutes(5));
            assertThat(sampleCategories(all)).isEqualTo(categories);
        }
        int files = io.trailwatch.devkit.Recording.load(io.trailwatch.devkit.Recording.SAMPLE).logFiles().size();
        try (var integrity = new TopicReader(platform.kafka().bootstrapServers(), Topics.INTEGRITY)) {
            var all = integrity.awaitUntil(rs -> rs.stream().filter(r -> r.key().startsWith("31000000000")).count() >= files,
                    Duration.ofMinutes(5));
            var sample = all.stream().filter(r -> r.key().startsWith("31000000000")).toList();
            assertThat(sample).as("one digest per sample file").hasSize(files);
            assertThat(sample).allSatisfy(r -> assertThat(JSON.readTree(r.value()).get("status").asText()).isEqualTo("valid"));
        }
    }

    /**
     * The near-real-time path: each attack step sent as EventBridge sends it reaches Slack about a second after it was
     * sent, long before any log file; then the log file with the same records comes, and nothing more is sent.
     */
    @Test
    @Order(10)
    void anEventThroughEventBridge_reachesSlackWithinASecond_andItsLogFileLater_addsNoMessage() throws Exception {
        var s = new Scenario("eventbridge", EVENTBRIDGE_ACCOUNTS.get(0), DAY).file(300, "atk-13-root-console-login", "atk-03-stop-logging",
                "atk-09-snapshot-public");
        Map<String, Finding> expected = s.expected(engine);
        List<Long> millis = new ArrayList<>();
        for (JsonNode step : attackSteps(s)) {
            Finding f = expected.values().stream().filter(x -> x.eventIds().contains(step.get("eventID").asText())).findFirst().orElseThrow();
            Instant sent = Instant.now();
            platform.sendEvent(io.trailwatch.devkit.EventBridgeEvents.of(step));
            JsonNode posted = awaitSlack(f.findingId(), Duration.ofSeconds(30));
            millis.add(Duration.between(sent, Instant.parse(posted.get("receivedAt").asText())).toMillis());
        }
        System.out.println("EventBridge event -> Slack, ms: " + millis);
        assertThat(millis.stream().sorted().toList().get(millis.size() / 2)).as("median ms from the SQS send to the Slack post")
                .isLessThan(1000);

        long started = System.nanoTime();
        platform.upload(s.key(0), s.bytes(0));
        Observed seen = awaitDelivered(s, expected, Duration.ofMinutes(2));
        assertThat(seen.events()).as("each attack step on the events topic twice, every other record once")
                .containsAllEntriesOf(attackSteps(s).stream().collect(Collectors.toMap(r -> r.get("eventID").asText(), r -> 2)));
        // awaitDelivered: each finding on the topic once, one Slack message and one mail each, one Lambda invocation
        String stop = s.name + "-atk-03-stop-logging";
        try (var reader = new TopicReader(platform.kafka().bootstrapServers(), Topics.EVENTS)) {
            var copies = reader.awaitUntil(rs -> rs.stream().filter(r -> stop.equals(TopicReader.header(r, Headers.CE_ID))).count() == 2,
                    Duration.ofSeconds(60)).stream().filter(r -> stop.equals(TopicReader.header(r, Headers.CE_ID))).toList();
            assertThat(copies).extracting(r -> TopicReader.header(r, Headers.VIA)).containsExactly("eventbridge", null);
            assertThat(TopicReader.header(copies.get(0), Headers.EVENTBRIDGE_ID)).isNotBlank();
            assertThat(TopicReader.header(copies.get(0), Headers.LOG_FILE)).isNull();
            assertThat(TopicReader.header(copies.get(1), Headers.LOG_FILE))
                    .isEqualTo(io.trailwatch.cloudtrail.EventMessages.logFileId(LocalPlatform.BUCKET, s.key(0)));
            assertThat(copies).extracting(r -> r.key()).containsOnly(s.account);
            assertThat(JSON.readTree(copies.get(0).value())).isEqualTo(JSON.readTree(copies.get(1).value()));
        }
        JsonNode evidence = JSON.readTree(findingOnTopic(only(expected, "cloudtrail-stop-logging").findingId()));
        assertThat(evidence.at("/evidence/origin/via").asText()).as("the finding was made from the first copy").isEqualTo("eventbridge");
        row(s, seen, expected, started);
    }

    /** The other order: the log file first, then (EventBridge backed up) the same events through EventBridge. */
    @Test
    @Order(11)
    void aLogFileFirst_thenItsEventsThroughEventBridge_isStillOneMessageEach() throws Exception {
        var s = new Scenario("eventbridge-late", EVENTBRIDGE_ACCOUNTS.get(1), DAY).file(300, "atk-13-root-console-login", "atk-03-stop-logging");
        Map<String, Finding> expected = s.expected(engine);
        long started = System.nanoTime();
        platform.upload(s.key(0), s.bytes(0));
        awaitDelivered(s, expected, Duration.ofMinutes(2));
        // the step is deep in the file, whose first record alone named the bucket and key: the finding still names them
        JsonNode origin = JSON.readTree(findingOnTopic(only(expected, "cloudtrail-stop-logging").findingId())).at("/evidence/origin");
        assertThat(origin.path("via").asText()).isEqualTo("log-file");
        assertThat(origin.path("bucket").asText()).isEqualTo(LocalPlatform.BUCKET);
        assertThat(origin.path("key").asText()).isEqualTo(s.key(0));
        assertThat(origin.path("logFile").asText()).isEqualTo(io.trailwatch.cloudtrail.EventMessages.logFileId(LocalPlatform.BUCKET, s.key(0)));

        attackSteps(s).forEach(step -> platform.sendEvent(io.trailwatch.devkit.EventBridgeEvents.of(step)));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
            Map<String, Integer> onTopic = events.of(s.account);
            return attackSteps(s).stream().allMatch(r -> onTopic.getOrDefault(r.get("eventID").asText(), 0) == 2);
        });
        Observed seen = awaitDelivered(s, expected, Duration.ofMinutes(1));
        row(s, seen, expected, started);
    }

    /**
     * What is no CloudTrail event of an allowed account is dead-lettered with its reason, and a good event sent after
     * them still reaches Slack.
     */
    @Test
    @Order(12)
    void foreignMalformedOversizedAndOtherAccountsEvents_areDeadLettered_andGoodOnesStillGetThrough() throws Exception {
        var s = new Scenario("eventbridge-bad", EVENTBRIDGE_ACCOUNTS.get(2), DAY).file(10, "atk-03-stop-logging");
        JsonNode step = attackSteps(s).get(0);
        var event = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(io.trailwatch.devkit.EventBridgeEvents.of(step));
        var foreign = event.deepCopy().put("detail-type", "EC2 Instance State-change Notification").put("source", "aws.ec2");
        var forged = event.deepCopy().put("source", "custom.audit");
        var noDetail = event.deepCopy();
        noDetail.remove("detail");
        var otherAccount = event.deepCopy().put("account", "240000000099");
        var oversized = event.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) oversized.get("detail")).putObject("requestParameters")
                .put("padding", "x".repeat(100_000));
        for (JsonNode bad : List.of(foreign, forged, noDetail, otherAccount, oversized)) {
            platform.sendEvent(bad.toString());
        }
        platform.sendEvent("{\"Records\": \"not an envelope\"");

        try (var notifications = new TopicReader(platform.kafka().bootstrapServers(), Topics.DLQ_INGEST_NOTIFICATIONS);
             var records = new TopicReader(platform.kafka().bootstrapServers(), Topics.DLQ_INGEST_RECORDS)) {
            var n = notifications.awaitUntil(rs -> reasons(rs).containsAll(List.of("foreign-event", "malformed-envelope", "not-json")),
                    Duration.ofSeconds(60));
            assertThat(reasons(n)).contains("foreign-event", "malformed-envelope", "not-json");
            assertThat(n.stream().filter(r -> r.value().contains("custom.audit")).map(r -> TopicReader.header(r, Headers.DLQ_REASON)))
                    .containsExactly("foreign-event");
            var r = records.awaitUntil(rs -> reasons(rs).containsAll(List.of("account-mismatch", "event-too-large")), Duration.ofSeconds(60));
            assertThat(r.stream().filter(x -> x.value().contains("240000000099")).map(x -> TopicReader.header(x, Headers.DLQ_REASON)))
                    .containsExactly("account-mismatch");
        }
        platform.sendEvent(event.toString());
        Finding stop = only(s.expected(engine), "cloudtrail-stop-logging");
        assertThat(awaitSlack(stop.findingId(), Duration.ofSeconds(30)).get("message").toString()).contains("StopLogging");
    }

    /** A finding as it is on the findings topic. */
    private String findingOnTopic(String findingId) {
        try (var reader = new TopicReader(platform.kafka().bootstrapServers(), Topics.FINDINGS)) {
            return reader.awaitUntil(rs -> rs.stream().anyMatch(r -> findingId.equals(r.key())), Duration.ofSeconds(30)).stream()
                    .filter(r -> findingId.equals(r.key())).findFirst().orElseThrow().value();
        }
    }

    /** A file of EventBridge events dropped into the watched directory: each goes to the EventBridge queue. */
    @Test
    @Order(13)
    void aFileOfEventBridgeEventsDroppedInTheWatchedDirectory_sendsEachThroughTheNearRealTimePath() throws Exception {
        var s = new Scenario("eventbridge-watch", EVENTBRIDGE_ACCOUNTS.get(3), DAY).file(2, "atk-13-root-console-login", "atk-03-stop-logging");
        var array = JSON.createArrayNode();
        for (JsonNode step : attackSteps(s)) {
            array.add(JSON.readTree(io.trailwatch.devkit.EventBridgeEvents.of(step)));
        }
        Files.writeString(watch.resolve("two.eventbridge.json"), array.toString());

        var stepIds = attackSteps(s).stream().map(r -> r.get("eventID").asText()).toList();
        var findings = s.expected(engine).values().stream().filter(f -> stepIds.containsAll(f.eventIds())).toList();
        assertThat(findings).extracting(Finding::ruleId).containsExactlyInAnyOrder("root-console-login", "cloudtrail-stop-logging");
        for (Finding f : findings) {
            assertThat(awaitSlack(f.findingId(), Duration.ofSeconds(60)).get("message").toString()).contains(s.account);
        }
        try (var reader = new TopicReader(platform.kafka().bootstrapServers(), Topics.EVENTS)) {
            var ids = attackSteps(s).stream().map(r -> r.get("eventID").asText()).toList();
            var bridged = reader.awaitUntil(rs -> rs.stream().filter(r -> ids.contains(TopicReader.header(r, Headers.CE_ID))).count() == 2,
                    Duration.ofSeconds(60)).stream().filter(r -> ids.contains(TopicReader.header(r, Headers.CE_ID))).toList();
            assertThat(bridged).extracting(r -> TopicReader.header(r, Headers.VIA)).containsOnly("eventbridge");
        }
    }

    private static List<String> reasons(List<org.apache.kafka.clients.consumer.ConsumerRecord<String, String>> records) {
        return records.stream().map(r -> TopicReader.header(r, Headers.DLQ_REASON)).toList();
    }

    /** The scenario's attack steps (not its ordinary records), as CloudTrail wrote them. */
    private static List<JsonNode> attackSteps(Scenario s) {
        return s.files.stream().flatMap(List::stream).filter(r -> r.get("eventID").asText().startsWith(s.name + "-atk"))
                .map(r -> (JsonNode) r).toList();
    }

    /** The first Slack post of a finding, once it came. */
    private JsonNode awaitSlack(String findingId, Duration timeout) {
        JsonNode[] found = new JsonNode[1];
        Awaitility.await().atMost(timeout).pollInterval(Duration.ofMillis(20)).ignoreExceptions().until(() -> {
            for (JsonNode line : lines(platform.sinks().slackFile())) {
                if (line.get("message").toString().contains(findingId)) {
                    found[0] = line;
                    return true;
                }
            }
            return false;
        });
        return found[0];
    }

    /**
     * Scale-out as in Kubernetes: a second replica of ingest and of detect join the running platform. Every account
     * below lands on a partition of its own, so each detect replica owns some of them. A burst of failed console
     * sign-ins in every account is split over three steps: three before the replicas join, one after (on partitions
     * that moved, with their state), one after the second detect replica is killed (its partitions move back, with
     * their state). The burst is found once in every account only if each partition's count followed it.
     */
    @Test
    @Order(14)
    void twoReplicasOfIngestAndDetect_shareTheWork_partitionsMoveWithTheirState_andNothingIsRepeated() throws Exception {
        // After every event of the sample and the other cases: a partition's time is the latest event time it has seen,
        // and the burst's window must not close on it between the steps
        Instant later = Instant.parse("2026-09-01T10:00:00Z");
        List<Scenario> accounts = new ArrayList<>();
        for (String account : accountsOnEveryPartition("2200000000", LocalPlatform.PARTITIONS)) {
            accounts.add(new Scenario("scale-" + account.substring(10), account, later));
        }
        long started = System.nanoTime();
        // 1. one replica of each service: the first three failures
        for (Scenario s : accounts) {
            s.file(2_000, "atk-10-console-failure-00", "atk-10-console-failure-01", "atk-10-console-failure-02");
        }
        uploadLast(accounts);
        for (Scenario s : accounts) {
            assertThat(s.expected(engine).values()).extracting(Finding::ruleId).doesNotContain("console-auth-failure-burst");
        }
        awaitDelivered(accounts, Duration.ofMinutes(3));
        assertThat(detectMembers()).as("detect's consumer group: member -> events partitions").hasSize(1)
                .allSatisfy((member, partitions) -> assertThat(partitions).hasSize(LocalPlatform.PARTITIONS));

        // 2. a second replica of each: the fourth failure lands where the count may have moved
        Service ingest2 = platform.addReplica("ingest", Duration.ofMinutes(2));
        Service detect2 = platform.addReplica("detect", Duration.ofMinutes(2));
        long movedAt = System.nanoTime();
        Awaitility.await("detect's partitions shared by its two replicas").atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
                    Map<String, Set<Integer>> group = detectMembers();
                    return group.size() == 2 && group.values().stream().noneMatch(Set::isEmpty)
                            && group.values().stream().mapToInt(Set::size).sum() == LocalPlatform.PARTITIONS;
                });
        System.out.printf(Locale.ROOT, "detect's partitions after %.1f s: %s%n", (System.nanoTime() - movedAt) / 1e9, detectMembers());
        for (Scenario s : accounts) {
            s.file(2_000, "atk-10-console-failure-03", "atk-13-root-console-login");
        }
        uploadLast(accounts);
        awaitDelivered(accounts, Duration.ofMinutes(3));
        long detect2Events = detect2.counter("trailwatch_detect_events_total", l -> true);
        assertThat(detect2Events).as("events detect-service-2 read").isPositive();

        // 3. the second detect replica killed mid-stream: its partitions go back to the first, with their state
        for (Scenario s : accounts) {
            s.file(10_000, "atk-10-console-failure-04");
            assertThat(s.expected(engine).values()).as(s.name + ": five failures in fifteen minutes").extracting(Finding::ruleId)
                    .containsOnlyOnce("console-auth-failure-burst");
        }
        uploadLast(accounts);
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> detect2.counter("trailwatch_detect_events_total", l -> true) > detect2Events);
        detect2.kill();
        List<Observed> seen = awaitDelivered(accounts, Duration.ofMinutes(4));
        for (int i = 0; i < accounts.size(); i++) {
            row(accounts.get(i), seen.get(i), accounts.get(i).expected(engine), started);
        }
        assertThat(detectMembers()).as("detect's consumer group after the kill").hasSize(1)
                .allSatisfy((member, partitions) -> assertThat(partitions).hasSize(LocalPlatform.PARTITIONS));
        long ingested2 = ingest2.counter("trailwatch_ingest_objects_total", l -> l.contains("outcome=\"ingested\""));
        assertThat(ingested2).as("of the 12 files after it joined, those ingest-service-2 ingested").isBetween(1L, 11L);
    }

    /** Uploads the last file of each scenario, all at once, as accounts deliver their files independently. */
    private void uploadLast(List<Scenario> scenarios) {
        for (Scenario s : scenarios) {
            int last = s.files.size() - 1;
            platform.upload(s.key(last), s.bytes(last));
        }
    }

    /**
     * Twelve-digit accounts starting with {@code prefix}, one for each partition of a topic keyed by account (Kafka's
     * default partitioner: murmur2 of the key's bytes).
     */
    private static List<String> accountsOnEveryPartition(String prefix, int partitions) {
        String[] byPartition = new String[partitions];
        int found = 0;
        for (int i = 0; found < partitions; i++) {
            String account = prefix + String.format(Locale.ROOT, "%02d", i);
            int p = org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(
                    account.getBytes(java.nio.charset.StandardCharsets.UTF_8))) % partitions;
            if (byPartition[p] == null) {
                byPartition[p] = account;
                found++;
            }
        }
        return List.of(byPartition);
    }

    /** detect-service's consumer group (its Kafka Streams application id): each member's events partitions. */
    private Map<String, Set<Integer>> detectMembers() throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafka().bootstrapServers()))) {
            var group = admin.describeConsumerGroups(List.of("trailwatch-detect")).all().get().get("trailwatch-detect");
            Map<String, Set<Integer>> out = new java.util.TreeMap<>();
            for (var member : group.members()) {
                out.put(member.consumerId(), member.assignment().topicPartitions().stream().filter(tp -> tp.topic().equals(Topics.EVENTS))
                        .map(TopicPartition::partition).collect(Collectors.toCollection(TreeSet::new)));
            }
            return out;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void deleteRecursively(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /**
     * The console in a real browser, on the platform after every other case: the sample's findings are all there, a
     * filter narrows them, a finding's page shows its delivery trail, a finding published now appears on the open page,
     * the pages work from the keyboard and at 200% zoom, and the operator turns the kill switch while a viewer cannot.
     */
    @Test
    @Order(15)
    void theConsole_inABrowser_showsTheFindings_narrowsThem_andShowsAFindingsDeliveries() throws Exception {
        JsonNode e = JSON.readTree(state.resolve("endpoints.json").toFile());
        String account = "310000000001";
        assertThat(platform.service(LocalPlatform.CONSOLE).metric("trailwatch_console_purged_total", l -> true))
                .as("rows the console's retention (90 days since it received them) deleted: none of the sample's, whose events"
                        + " are from January 2026")
                .isZero();
        try (ConsoleInABrowser operator = ConsoleInABrowser.operator(e)) {
            assertThat(operator.browser.getCurrentUrl()).as("the login link lands on the findings").endsWith("/findings");
            operator.awaitTotal(account, () -> findings.of(account).size());
            assertThat(operator.rows("findings")).as("findings of the sample's first account").hasSizeGreaterThan(3);
            operator.open("/findings");
            operator.screenshot("findings.png");

            int[] everything = {0};
            Awaitility.await("a high finding, chosen with the form").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        operator.open("/findings");
                        everything[0] = Integer.parseInt(operator.text(".counts .total").replace(" in all", ""));
                        operator.browser.findElement(org.openqa.selenium.By.cssSelector("input[name=severity][value=high]")).click();
                        operator.browser.findElement(org.openqa.selenium.By.cssSelector("form.filters button[type=submit]")).click();
                        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> operator.browser.getCurrentUrl().contains("severity=high"));
                        return !operator.rows("findings").isEmpty();
                    });
            var high = operator.rows("findings");
            assertThat(high).as("high findings of the sample").isNotEmpty().allSatisfy(r -> assertThat(r.severity()).isEqualTo("high"));
            int highTotal = Integer.parseInt(operator.text(".counts .total").replace(" in all", ""));
            assertThat(highTotal).isLessThan(everything[0]).isGreaterThanOrEqualTo(high.size());
            operator.screenshot("findings-high.png");

            String title = high.get(0).title();
            operator.open(high.get(0).href()); // (the list may be replaced by a live update while a click is on its way)
            Awaitility.await("the finding's delivery to Slack").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        operator.browser.navigate().refresh();
                        return operator.rows("deliveries").stream().anyMatch(r -> r.text().contains("delivered"));
                    });
            assertThat(operator.text("h1")).contains(title);
            String findingPage = operator.browser.getCurrentUrl().substring(operator.console.length());
            assertThat(operator.browser.getPageSource()).contains("Evidence", "CloudTrail event history");
            operator.screenshot("finding.png");

            // a finding published while the list is open appears without a reload
            String fresh = "250000000001";
            operator.open("/findings?account=" + fresh);
            assertThat(operator.rows("findings")).isEmpty();
            publishFinding(fresh, "A finding published while the page was open");
            Awaitility.await("the open page updated itself").atMost(Duration.ofSeconds(30))
                    .until(() -> operator.rows("findings").size() == 1);
            assertThat(operator.text(".live")).startsWith("Updated with new findings");

            // the keyboard: the first Tab reaches the skip link, Enter in the text field filters
            operator.open("/findings");
            assertThat(operator.tab()).startsWith("a#").contains("Skip to content");
            operator.browser.findElement(org.openqa.selenium.By.id("f-q")).sendKeys("GetObject", org.openqa.selenium.Keys.ENTER);
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> operator.browser.getCurrentUrl().contains("q=GetObject"));

            // 200% zoom: every page reflows, and only tables scroll sideways, inside their own region
            operator.zoom200();
            for (String page : List.of("/findings", findingPage, "/integrity", "/operations")) {
                operator.open(page);
                assertThat(operator.scrollsSideways()).as(page + " at 200%").isFalse();
            }
            operator.open("/findings");
            operator.screenshot("findings-200-percent.png");
        }
    }

    @Test
    @Order(16)
    void theConsole_inABrowser_letsTheOperatorTurnTheKillSwitch_andAViewerCannot() throws Exception {
        JsonNode e = JSON.readTree(state.resolve("endpoints.json").toFile());
        var http = java.net.http.HttpClient.newHttpClient();
        String killSwitch = e.get("management").get("remediate").asText() + "/kill-switch";
        try (ConsoleInABrowser viewer = ConsoleInABrowser.viewer(e)) {
            viewer.open("/operations");
            assertThat(viewer.text("#kill-switch-state")).isEqualTo("off");
            assertThat(viewer.browser.findElements(org.openqa.selenium.By.id("kill-switch-toggle"))).as("no button for a viewer").isEmpty();
            assertThat(viewer.postFromThePage("/operations/kill-switch", "action=on")).isEqualTo(403);
            viewer.screenshot("operations-viewer.png");
        }
        assertThat(body(http, killSwitch, e.get("managementUsers").get("viewer"))).contains("\"on\":false");
        try (ConsoleInABrowser operator = ConsoleInABrowser.operator(e)) {
            operator.open("/operations");
            operator.browser.findElement(org.openqa.selenium.By.id("kill-switch-toggle")).click();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> operator.text("#kill-switch-state").equals("on"));
            assertThat(operator.text(".message")).isEqualTo("The kill switch is on.");
            assertThat(body(http, killSwitch, e.get("managementUsers").get("viewer"))).contains("\"on\":true");
            operator.screenshot("operations.png");
            operator.browser.findElement(org.openqa.selenium.By.id("kill-switch-toggle")).click();
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> operator.text("#kill-switch-state").equals("off"));
        }
        assertThat(body(http, killSwitch, e.get("managementUsers").get("viewer"))).contains("\"on\":false");
    }

    private static String body(java.net.http.HttpClient http, String url, JsonNode user) throws Exception {
        var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).header("Authorization", "Basic "
                + java.util.Base64.getEncoder().encodeToString((user.get("user").asText() + ":" + user.get("password").asText())
                .getBytes(java.nio.charset.StandardCharsets.UTF_8))).build();
        return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A finding on the findings topic, as detect-service writes one. */
    private void publishFinding(String account, String title) throws Exception {
        var finding = JSON.createObjectNode();
        finding.put("findingId", "console-live-" + account);
        finding.put("ruleId", "cloudtrail-stop-logging");
        finding.put("title", title);
        finding.put("severity", "high");
        finding.put("category", "defense-evasion");
        finding.put("accountId", account);
        finding.put("region", "eu-west-1");
        finding.put("eventSource", "cloudtrail.amazonaws.com");
        finding.put("eventName", "StopLogging");
        finding.put("eventTime", "2026-09-02T10:00:00Z");
        finding.putArray("eventIds").add("0b7c6f3e-1d2a-4c5b-9e8f-7a6b5c4d3e2f");
        finding.put("count", 1);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, String>(Map.of(
                "bootstrap.servers", platform.kafka().bootstrapServers()), new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.FINDINGS, "console-live-" + account,
                    JSON.writeValueAsString(finding))).get();
        }
    }

    /** Reads a topic from its start as it grows (read_committed), counting each id per account. */
    private final class Tally implements AutoCloseable {
        private final KafkaConsumer<String, String> consumer;
        private final List<TopicPartition> partitions;
        private final java.util.function.Function<ConsumerRecord<String, String>, String> account;
        private final java.util.function.Function<ConsumerRecord<String, String>, String> id;
        private final Map<String, Map<String, Integer>> byAccount = new HashMap<>();

        Tally(String topic, java.util.function.Function<ConsumerRecord<String, String>, String> account,
              java.util.function.Function<ConsumerRecord<String, String>, String> id) {
            this.account = account;
            this.id = id;
            consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.kafka().bootstrapServers(),
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                    new StringDeserializer(), new StringDeserializer());
            partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        }

        /** Catches up, then: each id of the account's records, with how many times it is on the topic. */
        synchronized Map<String, Integer> of(String accountId) throws IOException {
            while (true) {
                var batch = consumer.poll(Duration.ofMillis(300));
                if (batch.isEmpty()) {
                    break;
                }
                for (var r : batch) {
                    byAccount.computeIfAbsent(account.apply(r), k -> new HashMap<>()).merge(id.apply(r), 1, Integer::sum);
                }
            }
            return Map.copyOf(byAccount.getOrDefault(accountId, Map.of()));
        }

        /** The records on the topic, committed or not (cheap). */
        synchronized long endOffsets() {
            return consumer.endOffsets(partitions).values().stream().mapToLong(Long::longValue).sum();
        }

        @Override
        public synchronized void close() {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** What reached the topics and the sinks for one scenario's account. */
    private record Observed(Map<String, Integer> events, long eventRecords, Map<String, Integer> findings,
                            Map<String, List<JsonNode>> slack, Map<String, List<Mail>> mail, Map<String, List<JsonNode>> lambda) {
    }

    private record Mail(String subject, String to, String text) {
    }

    /**
     * Waits until every event is on the topic, every expected finding exists and every notification arrived, then
     * for a quiet while, and checks that each finding and notification is there exactly once.
     */
    private Observed awaitDelivered(Scenario s, Map<String, Finding> expected, Duration timeout) throws Exception {
        awaitArrived(s, expected, timeout);
        Thread.sleep(SETTLE.toMillis());
        return checkDeliveredOnce(s, expected);
    }

    /** {@link #awaitDelivered} for several scenarios at once (one quiet while for all); what each observed. */
    private List<Observed> awaitDelivered(List<Scenario> scenarios, Duration timeout) throws Exception {
        for (Scenario s : scenarios) {
            awaitArrived(s, s.expected(engine), timeout);
        }
        Thread.sleep(SETTLE.toMillis());
        List<Observed> out = new ArrayList<>();
        for (Scenario s : scenarios) {
            out.add(checkDeliveredOnce(s, s.expected(engine)));
        }
        return out;
    }

    private static Set<String> mailed(Map<String, Finding> expected) {
        return expected.values().stream().filter(f -> Set.of("high", "critical").contains(f.severity()))
                .map(Finding::findingId).collect(Collectors.toSet());
    }

    private static Set<String> invoked(Map<String, Finding> expected) {
        return expected.values().stream().filter(f -> f.ruleId().equals("cloudtrail-stop-logging"))
                .map(Finding::findingId).collect(Collectors.toSet());
    }

    /** Waits until every event, expected finding and notification of the scenario arrived (once or more). */
    private void awaitArrived(Scenario s, Map<String, Finding> expected, Duration timeout) throws Exception {
        Set<String> mailed = mailed(expected);
        Set<String> invoked = invoked(expected);
        Observed[] last = new Observed[1];
        try {
            Awaitility.await().atMost(timeout).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
                last[0] = observe(s);
                return last[0].events.keySet().containsAll(s.eventIds()) && last[0].findings.keySet().containsAll(expected.keySet())
                        && last[0].slack.keySet().containsAll(expected.keySet()) && last[0].mail.keySet().containsAll(mailed)
                        && last[0].lambda.keySet().containsAll(invoked);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Observed o = last[0];
            throw new AssertionError(s.name + ": not everything arrived; events " + (o == null ? "?" : o.events.size() + "/"
                    + s.eventIds().size()) + ", findings " + (o == null ? "?" : o.findings.keySet()) + " of " + expected.keySet()
                    + ", slack " + (o == null ? "?" : o.slack.keySet()) + ", mail " + (o == null ? "?" : o.mail.keySet())
                    + ", lambda " + (o == null ? "?" : o.lambda.keySet()) + "; logs in " + state.resolve("logs"), e);
        }
    }

    /** Checks that each event of the scenario is on the topic, and each expected finding and notification there once. */
    private Observed checkDeliveredOnce(Scenario s, Map<String, Finding> expected) throws Exception {
        Set<String> mailed = mailed(expected);
        Set<String> invoked = invoked(expected);
        Observed o = observe(s);
        // not AssertJ's containsAll, which looks for each id by walking the whole set: minutes for 40,000 ids
        Set<String> onTopic = o.events.keySet();
        assertThat(s.eventIds().stream().filter(id -> !onTopic.contains(id)).toList())
                .as(s.name + ": eventIDs missing from the events topic").isEmpty();
        assertThat(o.findings).as(s.name + ": findings (findingId: times on the topic)")
                .isEqualTo(expected.keySet().stream().collect(Collectors.toMap(Function.identity(), id -> 1)));
        assertThat(counts(o.slack)).as(s.name + ": Slack messages per finding")
                .isEqualTo(expected.keySet().stream().collect(Collectors.toMap(Function.identity(), id -> 1)));
        assertThat(counts(o.mail)).as(s.name + ": mails per finding")
                .isEqualTo(mailed.stream().collect(Collectors.toMap(Function.identity(), id -> 1)));
        assertThat(counts(o.lambda)).as(s.name + ": Lambda invocations per finding")
                .isEqualTo(invoked.stream().collect(Collectors.toMap(Function.identity(), id -> 1)));
        return o;
    }

    private Observed observe(Scenario s) throws Exception {
        Map<String, Integer> events = this.events.of(s.account);
        long eventRecords = events.values().stream().mapToLong(Integer::longValue).sum();
        Map<String, Integer> findings = this.findings.of(s.account);
        Map<String, List<JsonNode>> slack = byFinding(lines(platform.sinks().slackFile()), s.account,
                line -> line.get("message").toString());
        Map<String, List<JsonNode>> lambda = new HashMap<>();
        for (JsonNode line : lines(platform.sinks().lambdaFile())) {
            if (s.account.equals(line.at("/payload/finding/accountId").asText())) {
                lambda.computeIfAbsent(line.at("/payload/finding/findingId").asText(), k -> new ArrayList<>()).add(line);
            }
        }
        Map<String, List<Mail>> mail = new HashMap<>();
        try (Stream<Path> files = Files.list(platform.sinks().mailDir())) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".eml")).toList()) {
                Mail m = readMail(p);
                if (m.subject.contains("(account " + s.account + ")")) {
                    String id = m.text.replaceAll("(?s).*finding ([0-9a-f]+).*", "$1");
                    mail.computeIfAbsent(id, k -> new ArrayList<>()).add(m);
                }
            }
        }
        return new Observed(events, eventRecords, findings, slack, mail, lambda);
    }

    private static Map<String, List<JsonNode>> byFinding(List<JsonNode> lines, String account, Function<JsonNode, String> text) {
        Map<String, List<JsonNode>> out = new HashMap<>();
        for (JsonNode line : lines) {
            String t = text.apply(line);
            if (t.contains("account " + account)) {
                var m = java.util.regex.Pattern.compile("finding `([0-9a-f]+)`").matcher(t);
                if (m.find()) {
                    out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(line);
                }
            }
        }
        return out;
    }

    private static Mail readMail(Path p) throws Exception {
        try (InputStream in = Files.newInputStream(p)) {
            MimeMessage m = new MimeMessage(null, in);
            return new Mail(m.getSubject(), m.getAllRecipients()[0].toString(), text(m));
        }
    }

    private static String text(Part part) throws Exception {
        if (part.isMimeType("text/plain")) {
            return part.getContent().toString();
        }
        if (part.getContent() instanceof Multipart multipart) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart b = multipart.getBodyPart(i);
                out.append(text(b));
            }
            return out.toString();
        }
        return "";
    }

    private static List<JsonNode> lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.isBlank()) {
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    private static <T> Map<String, Integer> counts(Map<String, List<T>> byId) {
        return byId.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size()));
    }

    private static Finding only(Map<String, Finding> findings, String ruleId) {
        return findings.values().stream().filter(f -> f.ruleId().equals(ruleId)).findFirst().orElseThrow();
    }

    private static JsonNode json(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String name(ConsumerRecord<String, String> r) {
        String key = TopicReader.header(r, Headers.S3_KEY);
        return key == null ? "" : key;
    }

    private static Set<String> sampleCategories(List<ConsumerRecord<String, String>> findings) {
        Set<String> out = new TreeSet<>();
        for (var r : findings) {
            try {
                JsonNode f = JSON.readTree(r.value());
                if (f.path("accountId").asText().startsWith("3100000000")) {
                    out.add(f.get("category").asText());
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private void row(Scenario s, Observed o, Map<String, Finding> expected, long startedNanos) {
        summary.add(String.format(Locale.ROOT, "%-26s %,9d %,11d %,10d %4d of %-3d %7d %6d %7d %6.1f", s.name, s.eventIds().size(),
                o.events.size(), o.eventRecords - o.events.size(), o.findings.size(), expected.size(), o.slack.size(), o.mail.size(),
                o.lambda.size(), (System.nanoTime() - startedNanos) / 1e9));
    }
}

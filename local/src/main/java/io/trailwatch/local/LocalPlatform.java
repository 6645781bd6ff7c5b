package io.trailwatch.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.KafkaAccess;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.KafkaTls;
import io.trailwatch.devkit.MmdbWriter;
import io.trailwatch.devkit.Ports;
import io.trailwatch.devkit.Recording;
import io.trailwatch.devkit.S3Server;
import io.trailwatch.devkit.Scratch;
import io.trailwatch.devkit.Sinks;
import io.trailwatch.devkit.SqsServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
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
 * The platform on loopback: a Kafka broker, S3, SQS and SMTP servers, Slack and Lambda sinks, and the four services as
 * separate processes with their real configuration. Writes {@code <state>/endpoints.json}, then {@code <state>/ready}
 * once every component answers; replays the sample recording unless told not to; uploads every CloudTrail file that
 * appears in a watched directory, with its S3 notification; prints findings as they happen. Stops everything on
 * Ctrl-C.
 */
public final class LocalPlatform implements AutoCloseable {

    public static final String BUCKET = "cloudtrail-logs";
    public static final String QUEUE = "trailwatch-ingest";
    /** The queue of the near-real-time path: CloudTrail events as an EventBridge rule would send them. */
    public static final String EVENTBRIDGE_QUEUE = "trailwatch-cloudtrail-events";
    /** How many of the sample's events also come through EventBridge, just before their log files. */
    static final int SAMPLE_EVENTBRIDGE_EVENTS = 3;
    /** The remediation that invokes the local Lambda endpoint; the others are dry runs. */
    public static final String ENABLED_REMEDIATION = "restart-logging";
    /** Accounts remediation may act in: the sample's and AWS's documentation examples. */
    public static final List<String> ALLOWED_ACCOUNTS = List.of("310000000001", "310000000002", "310000000003",
            "111122223333", "444455556666", "123456789012");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The services that process events and findings, in the order they start. */
    public static final List<String> SERVICES = List.of("ingest", "detect", "notify", "remediate");
    /** The console: one replica, after the others (it calls their management APIs). */
    public static final String CONSOLE = "console";
    /** Partitions of the events and findings topics locally: no more replicas of a service than that do work. */
    public static final int PARTITIONS = 6;

    /** detect-service's RocksDB memory when run locally ({@code trailwatch.detect.state-memory}; the service's default is 64M). */
    static final String LOCAL_STATE_MEMORY = "24M";
    static final int MAX_REPLICAS = PARTITIONS;

    /**
     * How to run.
     *
     * @param state  where everything lives
     * @param watch  a directory whose CloudTrail files are uploaded, or null
     * @param sample whether to replay the sample recording
     * @param root   the checkout, where the services' packaged jars are
     * @param config   per service (ingest, detect, notify, remediate): properties on top of the local ones
     * @param replicas per service: how many processes run it (1 when absent), each with ports, a log and, for
     *                 detect, a state directory of its own; they share the work as a Deployment's pods do
     */
    public record Options(Path state, Path watch, boolean sample, Path root, Map<String, Map<String, String>> config,
                          Map<String, Integer> replicas) {
        public Options {
            config = Map.copyOf(config);
            replicas = checkReplicas(replicas);
        }

        public Options(Path state, Path watch, boolean sample, Path root, Map<String, Map<String, String>> config) {
            this(state, watch, sample, root, config, Map.of());
        }

        public static Options of(Path state) {
            return new Options(state, null, false, Path.of("."), Map.of());
        }
    }

    /**
     * Replicas per service, checked: only the four services, each 1 to {@link #PARTITIONS} (a replica more than the
     * partitions would have nothing to do).
     *
     * @throws IllegalArgumentException naming the service and what is wrong
     */
    public static Map<String, Integer> checkReplicas(Map<String, Integer> replicas) {
        replicas.forEach((service, n) -> {
            if (!SERVICES.contains(service)) {
                throw new IllegalArgumentException("no service '" + service + "' (one of " + String.join(", ", SERVICES) + ")");
            }
            if (n == null || n < 1 || n > MAX_REPLICAS) {
                throw new IllegalArgumentException(service + " runs 1 to " + MAX_REPLICAS + " replicas (the events topic's partitions), not " + n);
            }
        });
        return Map.copyOf(replicas);
    }

    private final Options options;
    private final List<AutoCloseable> started = new ArrayList<>();
    /** Every running replica by name: {@code ingest}, then {@code ingest-2}, ... */
    private volatile Map<String, Service> services = Map.of(); // replaced whole when a replica is added: the run loop reads it
    /** Each service's configuration, which its replicas share (but for their ports, log and state). */
    private final Map<String, Map<String, String>> configs = new LinkedHashMap<>();
    /** The management API's users under {@code ./trailwatch local}. */
    public static final String OPERATOR = "local-operator";
    public static final String VIEWER = "local-viewer";
    private final String operatorPassword = newPassword();
    private final Map<String, Map<String, String>> kafkaUsers = new LinkedHashMap<>();
    /** Kafka users are this and the service's name; the one service that authenticates by client certificate. */
    static final String KAFKA_USER_PREFIX = "trailwatch-";
    static final String TLS_SERVICE = "notify";
    private final String viewerPassword = newPassword();
    /** The console's login token of this run (in its login link, which endpoints.json holds). */
    private final String consoleToken = newPassword();
    private KafkaBroker kafka;
    private S3Server s3;
    private SqsServer sqs;
    private Sinks sinks;
    private java.security.KeyPair cloudTrailKey;
    private String queueUrl;
    private String eventBridgeQueueUrl;
    private volatile boolean running = true;
    private KafkaConsumer<String, String> findings; // the run loop's: reads findings (FindingsFeed) and end offsets

    public LocalPlatform(Options options) {
        this.options = options;
    }

    /**
     * Runs the platform in the foreground, as {@code ./trailwatch local} does: starts it, replays and watches, prints
     * findings, until the JVM is stopped (Ctrl-C), which stops every component.
     *
     * @return 1 when the platform could not start; otherwise it returns only when stopped
     */
    public static int runInForeground(Options options) throws Exception {
        var platform = new LocalPlatform(options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("stopping...");
            platform.close();
            say("stopped");
        }, "local-stop"));
        try {
            platform.start();
        } catch (Exception e) {
            say("could not start: " + e.getMessage());
            return 1;
        }
        platform.run();
        return 0;
    }

    /** Starts every component and writes endpoints.json and, once all are ready, ready. */
    public void start() throws Exception {
        Path state = options.state();
        Files.createDirectories(state.resolve("logs"));
        Files.deleteIfExists(state.resolve("ready"));
        say("state in " + state);

        // Each run starts from an empty broker, and so from empty detector state; S3 objects and sinks stay.
        Scratch.delete(state.resolve("kafka"));
        Scratch.delete(state.resolve("detect"));
        Scratch.delete(state.resolve(CONSOLE)); // its database holds offsets of the topics just deleted
        // As in production: each service connects as a user of its own that may do only what the chart grants it
        // (deploy/helm/trailwatch/files/kafka-access.yaml), by SCRAM or, for notify (the one that talks to the
        // internet), by client certificate; the plain listener is the platform's own, for its tools.
        KafkaTls tls = KafkaTls.create(state.resolve("kafka-tls"), List.of(KAFKA_USER_PREFIX + TLS_SERVICE));
        kafka = KafkaBroker.startSecured(state.resolve("kafka"), tls);
        started.add(kafka);
        KafkaAccess access = KafkaAccess.of(options.root().resolve("deploy/helm/trailwatch"));
        for (String service : List.of("ingest", "detect", "notify", "remediate", CONSOLE)) {
            String user = KAFKA_USER_PREFIX + service;
            kafka.createAcls(access.bindings(service, "User:" + user));
            if (!service.equals(TLS_SERVICE)) {
                String password = newPassword();
                kafka.addScramUser(user, password);
                kafkaUsers.put(service, Map.of("user", user, "password", password));
            }
        }
        kafka.createTopics(PARTITIONS, Topics.EVENTS, Topics.FINDINGS);
        kafka.createTopics(Topics.DLQ_INGEST_NOTIFICATIONS, Topics.DLQ_INGEST_OBJECTS, Topics.DLQ_INGEST_RECORDS,
                Topics.DLQ_DETECT_EVENTS, Topics.DELIVERIES, Topics.DLQ_NOTIFY_DELIVERIES, Topics.DLQ_NOTIFY_FINDINGS,
                Topics.REMEDIATIONS, Topics.INTEGRITY, Topics.DLQ_CONSOLE_FINDINGS, Topics.DLQ_CONSOLE_DELIVERIES,
                Topics.DLQ_CONSOLE_REMEDIATIONS, Topics.DLQ_CONSOLE_INTEGRITY);
        say("Kafka broker      " + kafka.bootstrapServers() + "  (services as their own users, with ACLs, at "
                + kafka.saslBootstrapServers() + ")");

        s3 = S3Server.start(state.resolve("s3"));
        started.add(s3);
        s3.createBucket(BUCKET);
        say("S3 server         " + s3.endpoint() + "  bucket " + BUCKET);

        sqs = SqsServer.start();
        started.add(sqs);
        queueUrl = sqs.createQueue(QUEUE, 20);
        eventBridgeQueueUrl = sqs.createQueue(EVENTBRIDGE_QUEUE, 20);
        say("SQS server        " + sqs.endpoint() + "  queue " + queueUrl + "  EventBridge events " + eventBridgeQueueUrl);

        sinks = Sinks.start(state.resolve("sinks"));
        started.add(sinks);
        say("SMTP server       " + sinks.smtpHost() + ":" + sinks.smtpPort() + "  mail kept in " + sinks.mailDir());
        say("Slack sink        " + sinks.slackUrl() + "  kept in " + sinks.slackFile());
        say("Lambda endpoint   " + sinks.lambdaEndpoint() + "  invocations kept in " + sinks.lambdaFile());

        Path geo = state.resolve("geo/documentation-networks.mmdb");
        writeGeoDatabase(geo);
        Path publicKeys = writeCloudTrailKey(state.resolve("cloudtrail-public-keys.json"));
        say("CloudTrail key    " + publicKeys + "  (signs the local digests; ingest-service verifies them)");

        configs.put("ingest", ingestConfig(publicKeys));
        configs.put("detect", detectConfig(geo));
        configs.put("notify", notifyConfig());
        configs.put("remediate", remediateConfig());
        for (String service : SERVICES) {
            for (int i = 0; i < options.replicas().getOrDefault(service, 1); i++) {
                replica(service);
            }
        }
        configs.put(CONSOLE, consoleConfig());
        replica(CONSOLE);
        for (Service s : services.values()) {
            s.start();
        }
        for (Service s : services.values()) {
            s.awaitReady(Duration.ofSeconds(180));
            say(String.format(Locale.ROOT, "%-17s %s  management %s  (log: %s)", s.name(), s.url(), s.managementUrl(), s.log()));
        }

        writePrivately(state.resolve("endpoints.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(endpoints()));
        say("management API    user " + OPERATOR + " (operator) and " + VIEWER + " (viewer); passwords in endpoints.json");
        say("console           " + consoleUrl() + "  (opens signed in, from this machine)");
        Files.writeString(state.resolve("ready"), Instant.now() + "\n");
        say("ready: " + state.resolve("endpoints.json"));

        if (options.sample()) {
            Thread replay = new Thread(this::replaySample, "sample-replay");
            replay.setDaemon(true);
            replay.start();
        }
        if (options.watch() != null) {
            Files.createDirectories(options.watch());
            say("watching " + options.watch() + " for CloudTrail files (.json, .json.gz) and EventBridge events (.eventbridge.json)");
        }
    }

    private Map<String, Object> endpoints() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("kafkaBootstrapServers", kafka.bootstrapServers());
        e.put("kafkaServiceBootstrapServers", kafka.saslBootstrapServers());
        e.put("kafkaTlsBootstrapServers", kafka.sslBootstrapServers());
        e.put("s3Endpoint", s3.endpoint().toString());
        e.put("bucket", BUCKET);
        e.put("sqsEndpoint", sqs.endpoint().toString());
        e.put("queueUrl", queueUrl);
        e.put("eventBridgeQueueUrl", eventBridgeQueueUrl);
        e.put("credentials", Map.of("accessKeyId", S3Server.ACCESS_KEY, "secretAccessKey", S3Server.SECRET_KEY));
        e.put("smtp", Map.of("host", sinks.smtpHost(), "port", sinks.smtpPort()));
        e.put("slackWebhookUrl", sinks.slackUrl());
        e.put("lambdaEndpoint", sinks.lambdaEndpoint());
        e.put("sinks", Map.of("slack", sinks.slackFile().toString(), "mail", sinks.mailDir().toString(),
                "lambda", sinks.lambdaFile().toString()));
        Map<String, String> urls = new LinkedHashMap<>();
        services.forEach((name, s) -> urls.put(name, s.url()));
        e.put("services", urls);
        e.put("ingestService", services.get("ingest").url());
        Map<String, String> management = new LinkedHashMap<>();
        services.forEach((name, s) -> management.put(name, s.managementUrl()));
        e.put("management", management);
        e.put("consoleUrl", consoleUrl());
        e.put("managementUsers", Map.of(
                "operator", Map.of("user", OPERATOR, "password", operatorPassword, "role", "operator"),
                "viewer", Map.of("user", VIEWER, "password", viewerPassword, "role", "viewer")));
        return e;
    }

    /**
     * The Kafka client settings of a service's own user under a prefix: its client certificate through the TLS
     * listener, or its SCRAM user through the SASL listener. Sets the bootstrap servers under {@code kafka.}.
     */
    private void kafkaIdentity(Map<String, String> c, String service, String prefix) {
        Map<String, Object> client = kafkaClientConfigOf(service);
        client.forEach((k, v) -> {
            if (!k.equals("bootstrap.servers") || prefix.equals("kafka.")) {
                c.put(prefix + k, v.toString());
            }
        });
    }

    /**
     * Kafka client settings to connect as a service's own user (what its pods get in the chart), for checking what it
     * may and may not do.
     */
    public Map<String, Object> kafkaClientConfigOf(String service) {
        if (service.equals(TLS_SERVICE)) {
            return kafka.tlsClientConfig(KAFKA_USER_PREFIX + service);
        }
        Map<String, String> user = kafkaUsers.get(service);
        if (user == null) {
            throw new IllegalArgumentException("no Kafka user for " + service);
        }
        return kafka.scramClientConfig(user.get("user"), user.get("password"));
    }

    /** The management API's users of this run: made up at start, written only to endpoints.json (owner-only). */
    private void managementUsers(Map<String, String> c) {
        c.put("quarkus.security.users.embedded.users." + OPERATOR, operatorPassword);
        c.put("quarkus.security.users.embedded.roles." + OPERATOR, "operator");
        c.put("quarkus.security.users.embedded.users." + VIEWER, viewerPassword);
        c.put("quarkus.security.users.embedded.roles." + VIEWER, "viewer");
    }

    private static String newPassword() {
        byte[] bytes = new byte[24];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Writes a file only its owner may read (it holds passwords), where the file system allows saying so. */
    private static void writePrivately(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, content);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Plays CloudTrail's part in log file validation: a key pair made for this run, whose public half is written as
     * {@code aws cloudtrail list-public-keys} prints it, for ingest-service to verify the local digests with.
     */
    private Path writeCloudTrailKey(Path file) throws IOException {
        cloudTrailKey = CloudTrailDigests.newKeyPair();
        var entry = CloudTrailDigests.publicKeyEntry((java.security.interfaces.RSAPublicKey) cloudTrailKey.getPublic(),
                Instant.parse("2000-01-01T00:00:00Z"), Instant.parse("2100-01-01T00:00:00Z"));
        Files.writeString(file, CloudTrailDigests.listPublicKeys(entry));
        return file;
    }

    /**
     * A trail with log file validation on, in an account and region: its log files and hourly digests (signed with
     * this run's CloudTrail key) are put in the bucket and announced on the queue.
     */
    public CloudTrailDigests.Trail trail(String account, String region, String name) {
        return new CloudTrailDigests.Trail((bucket, key, content, metadata) -> {
            notify(putObject(key, content, metadata));
        }, BUCKET, account, region, name, cloudTrailKey);
    }

    /** Deletes an object from the bucket (as someone covering their tracks would). */
    public void deleteObject(String key) {
        s3.delete(BUCKET, key);
    }

    private Map<String, String> ingestConfig(Path publicKeys) {
        Map<String, String> c = new LinkedHashMap<>();
        kafkaIdentity(c, "ingest", "kafka.");
        managementUsers(c);
        c.put("trailwatch.ingest.sqs.queue-url", queueUrl);
        c.put("trailwatch.ingest.near-real-time.queue-url", eventBridgeQueueUrl);
        c.put("trailwatch.ingest.sqs.wait-time-seconds", "2");
        c.put("trailwatch.ingest.sqs.visibility-timeout", "20s");
        c.put("trailwatch.ingest.sqs.retry-delay", "5s");
        c.put("trailwatch.ingest.aws.s3-endpoint", s3.endpoint().toString());
        c.put("trailwatch.ingest.aws.s3-path-style", "true");
        c.put("trailwatch.ingest.aws.sqs-endpoint", sqs.endpoint().toString());
        c.put("trailwatch.ingest.aws.static-credentials", S3Server.ACCESS_KEY + ":" + S3Server.SECRET_KEY);
        c.put("trailwatch.ingest.sources.buckets", BUCKET);
        c.put("trailwatch.ingest.integrity.public-keys-file", publicKeys.toString());
        c.put("trailwatch.ingest.integrity.fetch-public-keys", "false");
        return c;
    }

    private Map<String, String> detectConfig(Path geo) {
        Map<String, String> c = new LinkedHashMap<>();
        kafkaIdentity(c, "detect", "kafka.");
        kafkaIdentity(c, "detect", "kafka-streams.");
        c.put("quarkus.kafka-streams.bootstrap-servers", kafka.saslBootstrapServers()); // detect uses SCRAM
        c.put("trailwatch.detect.geo-database", geo.toString());
        c.put("trailwatch.detect.lists.allowed-countries", "AU");
        c.put("trailwatch.detect.lists.trusted-accounts", "310000000003");
        c.put("trailwatch.detect.expire-every", "30s");
        // RocksDB's bound: half the service's 64M default, enough for the state of a laptop's accounts (docs/local.md)
        c.put("trailwatch.detect.state-memory", LOCAL_STATE_MEMORY);
        return c;
    }

    private Map<String, String> notifyConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        kafkaIdentity(c, "notify", "kafka.");
        c.put("quarkus.mailer.host", sinks.smtpHost());
        c.put("quarkus.mailer.port", String.valueOf(sinks.smtpPort()));
        c.put("quarkus.mailer.start-tls", "DISABLED");
        c.put("quarkus.mailer.from", "trailwatch@localhost");
        c.put("trailwatch.notify.destinations.slack.type", "slack");
        c.put("trailwatch.notify.destinations.slack.url", sinks.slackUrl());
        c.put("trailwatch.notify.destinations.slack.rate-per-second", "10");
        c.put("trailwatch.notify.destinations.slack.burst", "10");
        c.put("trailwatch.notify.destinations.email.type", "email");
        c.put("trailwatch.notify.destinations.email.to", "security@localhost");
        c.put("trailwatch.notify.destinations.email.rate-per-second", "10");
        c.put("trailwatch.notify.destinations.email.burst", "10");
        c.put("trailwatch.notify.routes.everything.min-severity", "low");
        c.put("trailwatch.notify.routes.everything.destinations", "slack");
        c.put("trailwatch.notify.routes.urgent.min-severity", "high");
        c.put("trailwatch.notify.routes.urgent.destinations", "email");
        c.put("trailwatch.notify.retry.max-backoff", "10s");
        return c;
    }

    /** The console's login link of this run: its token signs the browser in as the local operator, from loopback. */
    public String consoleUrl() {
        return services.get(CONSOLE).url() + "/login?token=" + consoleToken;
    }

    private Map<String, String> consoleConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        kafkaIdentity(c, CONSOLE, "kafka.");
        managementUsers(c);
        c.put("trailwatch.console.data-dir", options.state().resolve(CONSOLE).toAbsolutePath().toString());
        c.put("trailwatch.console.login-token", consoleToken);
        c.put("trailwatch.console.management.remediate-url", services.get("remediate").managementUrl());
        c.put("trailwatch.console.management.ingest-url", services.get("ingest").managementUrl());
        c.put("trailwatch.console.management.user", OPERATOR);
        c.put("trailwatch.console.management.password", operatorPassword);
        return c;
    }

    private Map<String, String> remediateConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        kafkaIdentity(c, "remediate", "kafka.");
        managementUsers(c);
        c.put("trailwatch.remediate.enabled", "true");
        c.put("trailwatch.remediate.allowed-accounts", String.join(",", ALLOWED_ACCOUNTS));
        c.put("trailwatch.remediate.lambda.endpoint", sinks.lambdaEndpoint());
        c.put("trailwatch.remediate.lambda.static-credentials", "local:local");
        c.put("trailwatch.remediate.remediations.restart-logging.rule-ids", "cloudtrail-stop-logging");
        c.put("trailwatch.remediate.remediations.restart-logging.function", "trailwatch-restart-logging");
        c.put("trailwatch.remediate.remediations.restart-logging.enabled", "true");
        c.put("trailwatch.remediate.remediations.revoke-open-ingress.rule-ids", "security-group-ingress-open-to-world");
        c.put("trailwatch.remediate.remediations.revoke-open-ingress.function", "trailwatch-revoke-open-ingress");
        c.put("trailwatch.remediate.remediations.remove-sharing.rule-ids", "ebs-snapshot-made-public,ami-shared");
        c.put("trailwatch.remediate.remediations.remove-sharing.function", "trailwatch-remove-sharing");
        return c;
    }

    /**
     * A new replica of a service (not started): the service's configuration with ports, a log and, for detect, a
     * Kafka Streams state directory of its own, as a pod of the chart's Deployment has.
     */
    private synchronized Service replica(String service) {
        Map<String, String> config = configs.get(service);
        if (config == null) {
            throw new IllegalArgumentException("no service " + service);
        }
        int n = replicas(service).size() + 1;
        String name = n == 1 ? service : service + "-" + n;
        Map<String, String> merged = new LinkedHashMap<>(config);
        merged.putAll(options.config().getOrDefault(service, Map.of()));
        if (service.equals("detect")) {
            merged.put("kafka-streams.state.dir", options.state().resolve("detect").resolve(name).toString());
        }
        Path jar = options.root().resolve(service + "-service").resolve("target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        Service s = new Service(service, service + "-service" + (n == 1 ? "" : "-" + n), jar, Ports.free(), Ports.free(), merged,
                options.state().resolve("logs/" + name + ".log"));
        Map<String, Service> next = new LinkedHashMap<>(services);
        next.put(name, s);
        services = java.util.Collections.unmodifiableMap(next);
        return s;
    }

    /**
     * Starts one more replica of a running service and waits until it is ready: it takes its share of the work as
     * Kafka (the events topic's partitions, with their detector state) and SQS (the notifications) hand it over.
     */
    public Service addReplica(String service, Duration timeout) throws Exception {
        if (kafka == null || !Files.exists(options.state().resolve("ready"))) {
            throw new IllegalStateException("the platform is not running");
        }
        Service s = replica(service);
        s.start();
        s.awaitReady(timeout);
        say(String.format(Locale.ROOT, "%-17s %s  management %s  (log: %s)", s.name(), s.url(), s.managementUrl(), s.log()));
        return s;
    }

    /** The replicas of a service, in the order they were added. */
    public List<Service> replicas(String service) {
        List<Service> out = new ArrayList<>();
        services.forEach((name, s) -> {
            if (name.equals(service) || name.startsWith(service + "-")) {
                out.add(s);
            }
        });
        return out;
    }

    /** Watches, prints findings and progress, until stopped. */
    public void run() throws Exception {
        Set<Path> seen = new HashSet<>();
        Set<String> dead = new HashSet<>();
        findings = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new StringDeserializer());
        try {
            List<TopicPartition> partitions = findings.partitionsFor(Topics.FINDINGS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(Topics.FINDINGS, p.partition())).toList();
            findings.assign(partitions);
            findings.seekToBeginning(partitions);
            var feed = new FindingsFeed(findings);
            String last = "";
            long nextStatus = 0;
            while (running) {
                if (options.watch() != null) {
                    uploadNew(options.watch(), seen);
                }
                for (Service s : services.values()) {
                    if (!s.isAlive() && dead.add(s.name())) {
                        say(s.name() + " is not running; see " + s.log());
                    } else if (s.isAlive()) {
                        dead.remove(s.name());
                    }
                }
                try {
                    feed.poll(Duration.ofMillis(500)).forEach(LocalPlatform::printFinding);
                } catch (org.apache.kafka.common.KafkaException e) {
                    Thread.sleep(500); // the broker is restarting
                }
                if (System.nanoTime() > nextStatus) {
                    String status = status(feed.count());
                    if (!status.equals(last)) {
                        say(status);
                        last = status;
                    }
                    nextStatus = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                }
            }
        } finally {
            findings.close();
        }
    }

    private static void printFinding(String json) {
        try {
            JsonNode f = JSON.readTree(json);
            System.out.printf(Locale.ROOT, "[finding] %-8s %-40s %s %-14s %s%n", f.path("severity").asText().toUpperCase(Locale.ROOT),
                    f.path("ruleId").asText(), f.path("accountId").asText(), f.path("region").asText(), f.path("title").asText());
        } catch (IOException e) {
            System.out.println("[finding] " + json);
        }
    }

    /** @param findings the findings so far, each once (the topic's offsets count every update and commit marker) */
    private String status(int findings) {
        try (Stream<Path> mails = Files.list(sinks.mailDir())) {
            long mail = mails.filter(p -> p.toString().endsWith(".eml")).count();
            return String.format(Locale.ROOT, "events %,d · findings %,d · digests checked %,d · slack %d · mail %d · lambda %d · dead letters %d",
                    count(Topics.EVENTS), findings, count(Topics.INTEGRITY), lines(sinks.slackFile()), mail, lines(sinks.lambdaFile()),
                    count(Topics.DLQ_INGEST_NOTIFICATIONS) + count(Topics.DLQ_INGEST_OBJECTS) + count(Topics.DLQ_INGEST_RECORDS)
                            + count(Topics.DLQ_DETECT_EVENTS) + count(Topics.DLQ_NOTIFY_DELIVERIES) + count(Topics.DLQ_NOTIFY_FINDINGS));
        } catch (Exception e) {
            return "status unavailable: " + e.getMessage();
        }
    }

    private long count(String topic) {
        var partitions = findings.partitionsFor(topic, Duration.ofSeconds(5)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        return findings.endOffsets(partitions, Duration.ofSeconds(5)).values().stream().mapToLong(Long::longValue).sum();
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(file)) {
            return lines.count();
        }
    }

    /**
     * Uploads every new CloudTrail file under dir with its S3 notification, and sends the events of every new
     * {@code *.eventbridge.json} to the EventBridge queue; returns how many files.
     */
    int uploadNew(Path dir, Set<Path> seen) throws IOException {
        int n = 0;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                if (isEventBridgeFile(p)) {
                    if (seen.add(p)) {
                        sendEventBridgeFile(p);
                        n++;
                    }
                    continue;
                }
                if (isTrailFile(p) && seen.add(p)) {
                    String name = p.getFileName().toString();
                    String key = name.contains("_CloudTrail_") ? layoutKey(name) : "uploads/" + name;
                    upload(key, Files.readAllBytes(p));
                    say("uploaded " + p + " as s3://" + BUCKET + "/" + key);
                    n++;
                }
            }
        }
        return n;
    }

    /** Sends a file's EventBridge events (one event, or a JSON array of them) to the EventBridge queue, one message each. */
    private void sendEventBridgeFile(Path p) {
        JsonNode events;
        try {
            events = JSON.readTree(p.toFile());
        } catch (IOException e) {
            // as EventBridge would never send it; ingest-service dead-letters what it cannot read
            say(p + " is no JSON (" + e.getMessage() + "); sent as it is");
            try {
                sendEvent(Files.readString(p));
            } catch (IOException unreadable) {
                say("cannot read " + p + ": " + unreadable.getMessage());
            }
            return;
        }
        List<JsonNode> each = new ArrayList<>();
        if (events != null && events.isArray()) {
            events.forEach(each::add);
        } else if (events != null) {
            each.add(events);
        }
        each.forEach(e -> sendEvent(e.toString()));
        say("sent " + each.size() + " EventBridge event(s) of " + p + " to " + EVENTBRIDGE_QUEUE);
    }

    private static boolean isEventBridgeFile(Path p) {
        String name = p.getFileName().toString();
        return name.endsWith(".eventbridge.json") && !name.startsWith(".");
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

    private void replaySample() {
        try {
            Recording sample = Recording.load(Recording.SAMPLE);
            Map<String, byte[]> files = sample.logFiles();
            say(String.format(Locale.ROOT, "replaying the sample: %,d CloudTrail records of %d accounts in %,d files",
                    sample.records().size(), sample.records().stream().map(r -> r.get("recipientAccountId").asText()).distinct().count(),
                    files.size()));
            // Each account and region is a trail with log file validation on: a signed digest follows every file.
            Map<String, CloudTrailDigests.Trail> trails = new LinkedHashMap<>();
            Map<String, List<JsonNode>> bridged = eventBridgeCopies(sample);
            int digests = 0;
            for (var file : files.entrySet()) {
                var m = java.util.regex.Pattern.compile("AWSLogs/(\\d{12})/CloudTrail/([a-z0-9-]+)/.*_(\\d{8}T\\d{4}Z)_[^_]+$")
                        .matcher(file.getKey());
                boolean layout = m.find();
                // as in production, EventBridge has an event before its log file is delivered
                for (JsonNode r : layout ? bridged.getOrDefault(m.group(1) + "|" + m.group(2) + "|" + m.group(3), List.of()) : List.<JsonNode>of()) {
                    sendEvent(io.trailwatch.devkit.EventBridgeEvents.of(r));
                    say("sent " + r.path("eventName").asText() + " (" + r.path("eventID").asText() + ") through EventBridge, ahead of its log file");
                }
                upload(file.getKey(), file.getValue());
                if (layout) {
                    var trail = trails.computeIfAbsent(m.group(1) + "/" + m.group(2), k -> trail(m.group(1), m.group(2), "sample"));
                    trail.delivered(file.getKey(), file.getValue());
                    Instant delivered = java.time.LocalDateTime.parse(m.group(3), java.time.format.DateTimeFormatter
                            .ofPattern("yyyyMMdd'T'HHmm'Z'")).toInstant(java.time.ZoneOffset.UTC);
                    trail.digest(delivered.plusSeconds(300));
                    digests++;
                }
            }
            say(String.format(Locale.ROOT, "sample uploaded, with %,d signed digests of %d trails", digests, trails.size()));
        } catch (RuntimeException e) {
            if (running) {
                say("sample replay failed: " + e);
            }
        }
    }

    /**
     * The sample's first few attack steps that change something (EventBridge carries those by default), by the log
     * file they are in: {@code <account>|<region>|<delivery time>}, as {@link Recording#logFiles} names the files.
     */
    private static Map<String, List<JsonNode>> eventBridgeCopies(Recording sample) {
        Map<String, List<JsonNode>> out = new LinkedHashMap<>();
        var delivered = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(java.time.ZoneOffset.UTC);
        sample.records().stream()
                .filter(r -> !r.path("eventID").asText().matches("\\d{12}-.*")) // an attack step, not ordinary traffic
                .filter(r -> !r.path("readOnly").asBoolean(false))
                .limit(SAMPLE_EVENTBRIDGE_EVENTS)
                .forEach(r -> {
                    Instant hour = Instant.parse(r.get("eventTime").asText()).truncatedTo(java.time.temporal.ChronoUnit.HOURS);
                    String key = r.get("recipientAccountId").asText() + "|" + r.get("awsRegion").asText() + "|"
                            + delivered.format(hour.plusSeconds(3600 - 300));
                    out.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
                });
        return out;
    }

    /** Puts an object in the bucket and announces it on the queue as S3 would; returns the notification sent. */
    public String upload(String key, byte[] bytes) {
        String body = putObject(key, bytes);
        notify(body);
        return body;
    }

    /** Puts an object in the bucket; returns the S3 event notification that announces it (not sent). */
    public String putObject(String key, byte[] bytes) {
        return putObject(key, bytes, Map.of());
    }

    /** Puts an object with user metadata in the bucket; returns the notification that announces it (not sent). */
    public String putObject(String key, byte[] bytes, Map<String, String> metadata) {
        var response = s3.client().putObject(b -> b.bucket(BUCKET).key(key).metadata(metadata),
                software.amazon.awssdk.core.sync.RequestBody.fromBytes(bytes));
        String body = "{\"Records\":[{\"eventVersion\":\"2.1\",\"eventSource\":\"aws:s3\",\"awsRegion\":\"us-east-1\","
                + "\"eventTime\":\"" + Instant.now() + "\",\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"s3SchemaVersion\":\"1.0\","
                + "\"bucket\":{\"name\":\"" + BUCKET + "\",\"arn\":\"arn:aws:s3:::" + BUCKET + "\"},\"object\":{\"key\":\""
                + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("%2F", "/")
                + "\",\"size\":" + bytes.length + ",\"eTag\":\"" + response.eTag().replace("\"", "") + "\"}}}]}";
        return body;
    }

    /** Sends an event to the EventBridge queue, as an EventBridge rule with an SQS target would. */
    public void sendEvent(String eventBridgeEvent) {
        sqs.send(eventBridgeQueueUrl, eventBridgeEvent);
    }

    /** Sends a message to the ingest queue (as S3, or a redelivery, would). */
    public void notify(String body) {
        sqs.send(queueUrl, body);
    }

    /** Messages on the ingest queue not yet deleted (waiting, or being processed). */
    public int queueDepth() {
        return sqs.undeleted(queueUrl);
    }

    public KafkaBroker kafka() {
        return kafka;
    }

    public Sinks sinks() {
        return sinks;
    }

    /** ingest, detect, notify or remediate (its first replica), or a replica by name: detect-2. */
    public Service service(String name) {
        Service s = services.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no service " + name);
        }
        return s;
    }

    public Path state() {
        return options.state();
    }

    private static void writeGeoDatabase(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        // The documentation networks (RFC 5737, RFC 3849) with fixed countries, so console-login-geo works locally.
        new MmdbWriter().add("203.0.113.0/24", Map.of("country_code", "AU")).add("198.51.100.0/24", Map.of("country_code", "NZ"))
                .add("192.0.2.0/24", Map.of("country_code", "US")).add("2001:db8::/32", Map.of("country_code", "DE"))
                .write(file, "trailwatch-local-documentation-networks");
    }

    @Override
    public synchronized void close() {
        running = false;
        services.values().forEach(Service::requestStop); // each drains what it has under way
        services.values().forEach(Service::stop);
        List<AutoCloseable> reverse = new ArrayList<>(started);
        java.util.Collections.reverse(reverse);
        for (AutoCloseable c : reverse) {
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

    static void say(String line) {
        System.out.println("[trailwatch] " + line);
    }
}

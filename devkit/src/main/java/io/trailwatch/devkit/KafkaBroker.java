package io.trailwatch.devkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A real Apache Kafka broker in KRaft mode (combined broker and controller), run as a child JVM ({@code kafka.Kafka})
 * on loopback ports, so a test or the local platform can stop, kill and restart it on the same port and data
 * directory. {@link #external} wraps a broker someone else runs (nothing is started; restarts are then impossible).
 *
 * <p>{@link #startSecured} adds what a production cluster has: a SASL/SCRAM-SHA-512 listener
 * ({@link #saslBootstrapServers}) and, given certificates, a TLS listener that requires a client certificate
 * ({@link #sslBootstrapServers}; the principal is the certificate's CN), for clients with identities of their own, and an
 * authorizer that lets them do only what ACLs grant ({@link #addScramUser}, {@link #createAcls}). The plain listener
 * ({@link #bootstrapServers}) stays, for the platform's own administration: its anonymous principal is the super user.
 */
public final class KafkaBroker implements AutoCloseable {

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final String external;
    private final int saslPort; // 0 unless secured
    private final KafkaTls tls; // null unless secured with certificates
    private final int sslPort;
    private Process process;
    /** Whether its directory is its own, made by {@link #start()}: deleted when it is closed. */
    private boolean temporary;

    private KafkaBroker(Path dir, int port, int controllerPort, String external, int saslPort, KafkaTls tls) {
        this.dir = dir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.external = external;
        this.saslPort = saslPort;
        this.tls = tls;
        this.sslPort = tls == null ? 0 : Ports.free();
    }

    /** The SASL mechanism of {@link #startSecured}'s listener. */
    public static final String SCRAM = "SCRAM-SHA-512";
    /** The only protocol of the TLS listener. */
    private static final String TLS_PROTOCOL = "TLSv1.3";
    /** The only cipher suite of the TLS listener (see {@link #writeConfig}). */
    private static final String TLS_CIPHER_SUITE = "TLS_CHACHA20_POLY1305_SHA256";

    /** A broker already running at {@code bootstrapServers}: used as it is, never started or stopped. */
    public static KafkaBroker external(String bootstrapServers) {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("no bootstrap address for the external Kafka broker");
        }
        return new KafkaBroker(null, -1, -1, bootstrapServers.trim(), 0, null);
    }

    /** A new broker of its own, formatted in a fresh temporary directory. */
    public static KafkaBroker start() {
        try {
            KafkaBroker broker = start(Files.createTempDirectory("trailwatch-kafka-"));
            broker.temporary = true;
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A new broker of its own, with its configuration, data and log in {@code dir}, formatted afresh. */
    public static KafkaBroker start(Path dir) {
        return start(dir, false, null);
    }

    /**
     * A new broker of its own in {@code dir}, with a SASL/SCRAM listener and ACLs enforced: a SCRAM user may do only what
     * {@link #createAcls} granted it.
     */
    public static KafkaBroker startSecured(Path dir) {
        return start(dir, true, null);
    }

    /**
     * A secured broker ({@link #startSecured(Path)}) that also has a TLS listener requiring a client certificate signed
     * by {@code tls}'s CA; a certificate {@code CN=<name>} authenticates as {@code User:<name>}.
     */
    public static KafkaBroker startSecured(Path dir, KafkaTls tls) {
        return start(dir, true, tls);
    }

    private static KafkaBroker start(Path dir, boolean secured, KafkaTls tls) {
        try {
            Files.createDirectories(dir);
            var broker = new KafkaBroker(dir, Ports.free(), Ports.free(), null, secured ? Ports.free() : 0, tls);
            broker.format();
            broker.launch();
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code host:port} to bootstrap from. */
    public String bootstrapServers() {
        return external != null ? external : "127.0.0.1:" + port;
    }

    /** {@code host:port} of the SASL/SCRAM listener of a {@link #startSecured secured} broker. */
    public String saslBootstrapServers() {
        if (saslPort == 0) {
            throw new IllegalStateException("this broker has no SASL listener; start it with startSecured");
        }
        return "127.0.0.1:" + saslPort;
    }

    /** {@code host:port} of the TLS listener (client certificates required) of a broker started with certificates. */
    public String sslBootstrapServers() {
        if (tls == null) {
            throw new IllegalStateException("this broker has no TLS listener; start it with startSecured(dir, tls)");
        }
        return "127.0.0.1:" + sslPort;
    }

    /** Kafka client settings to connect with the client certificate {@code CN=<name>} through the TLS listener. */
    public Map<String, Object> tlsClientConfig(String name) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, sslBootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SSL",
                "ssl.keystore.type", "PKCS12",
                "ssl.keystore.location", tls.keystore(name).toString(),
                "ssl.keystore.password", tls.password(),
                "ssl.truststore.type", "PKCS12",
                "ssl.truststore.location", tls.truststore().toString(),
                "ssl.truststore.password", tls.password());
    }

    /** Kafka client settings to connect as a SCRAM user through the SASL listener. */
    public Map<String, Object> scramClientConfig(String user, String password) {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, saslBootstrapServers(),
                AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                org.apache.kafka.common.config.SaslConfigs.SASL_MECHANISM, SCRAM,
                org.apache.kafka.common.config.SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password));
    }

    /** The JAAS line of a SCRAM login. */
    public static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** Creates (or changes the password of) a SCRAM-SHA-512 user. */
    public void addScramUser(String user, String password) {
        try (Admin admin = admin()) {
            admin.alterUserScramCredentials(List.of(new org.apache.kafka.clients.admin.UserScramCredentialUpsertion(user,
                    new org.apache.kafka.clients.admin.ScramCredentialInfo(org.apache.kafka.clients.admin.ScramMechanism.SCRAM_SHA_512, 8192),
                    password))).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("creating the SCRAM user " + user + " failed", e);
        }
    }

    /** Grants what the bindings say. */
    public void createAcls(Collection<org.apache.kafka.common.acl.AclBinding> bindings) {
        try (Admin admin = admin()) {
            admin.createAcls(bindings).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("creating ACLs failed", e);
        }
    }

    /** An admin client; close it. */
    public Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 20_000));
    }

    /** Creates topics with one partition, if they do not exist yet. Compacted when the name contains "ledger". */
    public void createTopics(String... names) {
        createTopics(1, names);
    }

    /** Creates topics with the given partition count, if they do not exist yet. */
    public void createTopics(int partitions, String... names) {
        try (Admin admin = admin()) {
            Collection<NewTopic> topics = new ArrayList<>();
            for (String name : names) {
                var topic = new NewTopic(name, partitions, (short) 1);
                if (name.contains("ledger")) {
                    topic.configs(Map.of("cleanup.policy", "compact"));
                }
                topics.add(topic);
            }
            for (var result : admin.createTopics(topics).values().values()) {
                try {
                    result.get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("creating topics failed", e.getCause());
                    }
                }
            }
            awaitLeaders(admin, List.of(names));
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /**
     * Waits until every partition of the topics has a leader that serves requests. The controller answers a creation
     * before the broker has taken the leadership on: an idempotent producer writing at once gets NOT_LEADER_OR_FOLLOWER,
     * then, for the batches behind the first, OUT_OF_ORDER_SEQUENCE_NUMBER until its delivery timeout (two minutes)
     * fails the record. A ListOffsets answer comes from the partition's leader only, so once every partition answers
     * one, a write is taken.
     */
    private static void awaitLeaders(Admin admin, List<String> topics) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (var d : admin.describeTopics(topics).allTopicNames().get(10, TimeUnit.SECONDS).values()) {
                    d.partitions().forEach(p -> latest.put(new TopicPartition(d.name(), p.partition()), OffsetSpec.latest()));
                }
                admin.listOffsets(latest).all().get(10, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException | TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topics " + topics + " have no leader after 30 s", e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Stops the broker cleanly (SIGTERM) and waits for it to exit. */
    public synchronized void stop() {
        requireOwnProcess();
        if (process != null && process.isAlive()) {
            process.destroy();
            waitFor(process, Duration.ofSeconds(60));
        }
        process = null;
    }

    /** Kills the broker (SIGKILL), as a crash would. */
    public synchronized void kill() {
        requireOwnProcess();
        if (process != null) {
            process.destroyForcibly();
            waitFor(process, Duration.ofSeconds(30));
        }
        process = null;
    }

    /** Starts the stopped or killed broker again on the same port and data. */
    public synchronized void restart() {
        requireOwnProcess();
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("broker is running");
        }
        launch();
    }

    /** Where its configuration, data and log are (null for an external broker). */
    public Path dataDir() {
        return dir;
    }

    /** Whether this broker's process is alive (always true for an external broker). */
    public synchronized boolean isRunning() {
        return external != null || (process != null && process.isAlive());
    }

    /** Stops its process; a broker {@link #start()} made a directory for also deletes that directory. */
    @Override
    public synchronized void close() {
        if (external == null && process != null) {
            process.destroy();
            if (!waitFor(process, Duration.ofSeconds(20))) {
                process.destroyForcibly();
                waitFor(process, Duration.ofSeconds(10));
            }
            process = null;
        }
        if (temporary) {
            try {
                Scratch.delete(dir);
            } catch (IOException e) {
                System.err.println("[kafka] " + dir + " not deleted: " + e.getMessage());
            }
        }
    }

    private void requireOwnProcess() {
        if (external != null) {
            throw new IllegalStateException("the broker at " + external + " is not ours to stop");
        }
    }

    private void format() throws IOException {
        Path config = writeConfig();
        String clusterId = base64Uuid();
        Process p = java("kafka.tools.StorageTool", "format", "--cluster-id=" + clusterId, "--config=" + config)
                .redirectOutput(dir.resolve("format.log").toFile())
                .redirectErrorStream(true)
                .start();
        if (!waitFor(p, Duration.ofSeconds(60)) || p.exitValue() != 0) {
            throw new IllegalStateException("formatting the Kafka data directory failed: "
                    + Files.readString(dir.resolve("format.log")));
        }
    }

    private synchronized void launch() {
        try {
            Path config = dir.resolve("server.properties");
            File log = dir.resolve("broker.log").toFile();
            process = java("kafka.Kafka", config.toString())
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
                    .redirectErrorStream(true)
                    .start();
            awaitReady(Duration.ofSeconds(90));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Kafka broker exited with " + process.exitValue() + "; see " + dir.resolve("broker.log"));
            }
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                    AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                    AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3_000))) {
                if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            pause(200);
        }
        throw new IllegalStateException("Kafka broker not ready after " + timeout + "; see " + dir.resolve("broker.log"), last);
    }

    private Path writeConfig() throws IOException {
        var p = new Properties();
        p.setProperty("process.roles", "broker,controller");
        p.setProperty("node.id", "1");
        p.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        String extra = (saslPort == 0 ? "" : ",SASL_PLAINTEXT://127.0.0.1:" + saslPort) + (tls == null ? "" : ",SSL://127.0.0.1:" + sslPort);
        p.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort + extra);
        p.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port + extra);
        p.setProperty("controller.listener.names", "CONTROLLER");
        p.setProperty("inter.broker.listener.name", "PLAINTEXT");
        p.setProperty("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
                + (saslPort == 0 ? "" : ",SASL_PLAINTEXT:SASL_PLAINTEXT") + (tls == null ? "" : ",SSL:SSL"));
        if (tls != null) {
            p.setProperty("ssl.client.auth", "required");
            p.setProperty("ssl.keystore.type", "PKCS12");
            p.setProperty("ssl.keystore.location", tls.brokerKeystore().toString());
            p.setProperty("ssl.keystore.password", tls.password());
            p.setProperty("ssl.truststore.type", "PKCS12");
            p.setProperty("ssl.truststore.location", tls.truststore().toString());
            p.setProperty("ssl.truststore.password", tls.password());
            // a certificate CN=trailwatch-notify is User:trailwatch-notify, as the SCRAM user of that name would be
            p.setProperty("ssl.principal.mapping.rules", "RULE:^CN=([^,]+)$/$1/,DEFAULT");
            // This broker and the services that handle findings run the quick compiler (C1) alone, which has no
            // intrinsics for AES-GCM: it ran 45-51 MB/s there against 183-214 MB/s for ChaCha20-Poly1305 (1.2-2.7 GB/s
            // with C2). TLS 1.3 with ChaCha20-Poly1305, which every Java 17 client offers, is what the TLS listener takes.
            p.setProperty("ssl.enabled.protocols", TLS_PROTOCOL);
            p.setProperty("ssl.cipher.suites", TLS_CIPHER_SUITE);
        }
        if (saslPort != 0) {
            p.setProperty("sasl.enabled.mechanisms", SCRAM);
            p.setProperty("listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            p.setProperty("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
            // the plain listener (loopback only) and the controller: the platform's own administration
            p.setProperty("super.users", "User:ANONYMOUS");
            p.setProperty("allow.everyone.if.no.acl.found", "false");
        }
        p.setProperty("log.dirs", dir.resolve("data").toString());
        p.setProperty("num.partitions", "1");
        p.setProperty("offsets.topic.replication.factor", "1");
        p.setProperty("offsets.topic.num.partitions", "4");
        p.setProperty("transaction.state.log.replication.factor", "1");
        p.setProperty("transaction.state.log.min.isr", "1");
        p.setProperty("transaction.state.log.num.partitions", "4");
        p.setProperty("share.coordinator.state.topic.replication.factor", "1");
        p.setProperty("share.coordinator.state.topic.min.isr", "1");
        p.setProperty("group.initial.rebalance.delay.ms", "0");
        p.setProperty("log.segment.bytes", String.valueOf(16 * 1024 * 1024));
        p.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024));
        Path file = dir.resolve("server.properties");
        try (var out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            p.store(out, "Trailwatch test broker");
        }
        return file;
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of("-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Djava.awt.headless=true", "-Dlog4j2.level=WARN"));
        cmd.add("-cp");
        cmd.add(Classpath.current());
        cmd.add(mainClass);
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).directory(dir.toFile());
    }

    private static String base64Uuid() {
        UUID u = UUID.randomUUID();
        var buf = java.nio.ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(buf.array());
    }

    private static boolean waitFor(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

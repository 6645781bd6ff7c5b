package io.trailwatch.devkit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The real components the service tests stand on: they start, answer, and the broker survives a restart. */
class ComponentsTest {

    @Test
    void kafkaBroker_keepsItsRecordsAcrossARestartOnTheSamePort_andDeletesItsOwnDirectoryWhenClosed() throws Exception {
        KafkaBroker broker = KafkaBroker.start();
        try {
            broker.createTopics("components.test");
            send(broker, "before");
            String address = broker.bootstrapServers();

            broker.stop();
            assertThat(broker.isRunning()).isFalse();
            broker.restart();
            send(broker, "after");

            assertThat(broker.bootstrapServers()).isEqualTo(address);
            try (var reader = new TopicReader(broker.bootstrapServers(), "components.test")) {
                assertThat(reader.awaitCount(2, Duration.ofSeconds(30))).extracting(r -> r.value())
                        .containsExactly("before", "after");
            }
        } finally {
            broker.close();
        }
        assertThat(broker.dataDir()).as("the directory it made for itself, deleted with it").doesNotExist();
    }

    /**
     * The TLS listener takes TLS 1.3 with ChaCha20-Poly1305 alone: the broker and the services that handle findings run
     * the quick compiler alone, where AES-GCM has no intrinsics and runs about a quarter as fast (docs/local.md).
     */
    @Test
    void kafkaBrokerTlsListener_negotiatesChaCha20Poly1305WithAClientCertificate_andServesAKafkaClientWithDefaultSettings(
            @TempDir Path dir) throws Exception {
        var tls = KafkaTls.create(dir.resolve("tls"), List.of("trailwatch-notify"));
        try (KafkaBroker broker = KafkaBroker.startSecured(dir.resolve("kafka"), tls)) {
            String[] address = broker.sslBootstrapServers().split(":");
            try (var socket = (SSLSocket) clientContext(tls, "trailwatch-notify").getSocketFactory()
                    .createSocket(address[0], Integer.parseInt(address[1]))) {
                socket.startHandshake();
                assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
                assertThat(socket.getSession().getCipherSuite()).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
            }
            try (Admin admin = Admin.create(broker.tlsClientConfig("trailwatch-notify"))) {
                assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
            }
        }
    }

    private static SSLContext clientContext(KafkaTls tls, String name) throws Exception {
        char[] password = tls.password().toCharArray();
        var keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(tls.keystore(name), password), password);
        var trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(tls.truststore(), password));
        var context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    private static KeyStore load(Path file, char[] password) throws Exception {
        var store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password);
        }
        return store;
    }

    @Test
    void s3Server_storesAndServesObjects() throws Exception {
        S3Server s3 = S3Server.shared();
        s3.createBucket("components-test");

        var put = s3.put("components-test", "a key/with space.json", "{}".getBytes(StandardCharsets.UTF_8));
        byte[] back = s3.client().getObjectAsBytes(b -> b.bucket("components-test").key("a key/with space.json")).asByteArray();

        assertThat(put.eTag()).isNotBlank();
        assertThat(new String(back, StandardCharsets.UTF_8)).isEqualTo("{}");
    }

    @Test
    void sqsServer_sendsReceivesAndCounts() {
        SqsServer sqs = SqsServer.shared();
        String queue = sqs.createQueue("components-test", 30);

        sqs.send(queue, "hello");

        assertThat(sqs.undeleted(queue)).isEqualTo(1);
        assertThat(sqs.peek(queue)).extracting(m -> m.body()).containsExactly("hello");
    }

    @Test
    void cloudTrailLogs_areDeterministicForASeed() {
        var a = new CloudTrailLogs(7).records("111122223333", "eu-west-1", java.time.Instant.parse("2026-03-01T00:00:00Z"), 50);
        var b = new CloudTrailLogs(7).records("111122223333", "eu-west-1", java.time.Instant.parse("2026-03-01T00:00:00Z"), 50);

        assertThat(a).isEqualTo(b);
        assertThat(a.stream().map(r -> r.get("eventName").asText()).distinct().count()).isGreaterThan(4);
        assertThat(a.stream().map(r -> r.get("eventID").asText()).distinct().count()).isEqualTo(50);
    }

    private static void send(KafkaBroker broker, String value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers()), new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>("components.test", value)).get();
        }
    }
}

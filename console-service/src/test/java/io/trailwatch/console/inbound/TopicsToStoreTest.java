package io.trailwatch.console.inbound;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.console.Fixtures;
import io.trailwatch.console.store.FindingFilter;
import io.trailwatch.console.store.Store;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.model.Headers;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Topics;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.flywaydb.core.Flyway;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The topics read into the store against a real broker and a real database: where a restart goes on, what a new
 * database does, and what happens to records that are not what their topic documents.
 */
class TopicsToStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private String suffix;
    private TopicsToStore.Settings settings;
    private KafkaProducer<String, byte[]> producer;
    private Map<String, Object> connection;

    @BeforeEach
    void topicsOfTheirOwn() {
        KafkaBroker kafka = TestKafka.shared();
        suffix = UUID.randomUUID().toString().substring(0, 8);
        settings = new TopicsToStore.Settings("f-" + suffix, "d-" + suffix, "r-" + suffix, "i-" + suffix,
                "trailwatch-console-test", 100, Duration.ofMillis(200));
        kafka.createTopics(3, settings.findings(), settings.deliveries(), settings.remediations(), settings.integrity());
        connection = KafkaConnection.plain(kafka.bootstrapServers());
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void close() {
        producer.close();
    }

    @Test
    void aRestart_goesOnWhereTheStoreIs_repeatingNothing_andANewDatabaseReadsEverythingAgain() throws Exception {
        Store store = new Store(database());
        String finding = Fixtures.stopLogging().findingId();
        send(settings.findings(), finding, json(Fixtures.stopLogging()));
        for (int i = 0; i < 3; i++) {
            send(settings.deliveries(), "slack|" + finding, json(Fixtures.deliveryOf(Fixtures.delivered(), finding)));
        }
        try (TopicsToStore reader = start(store)) {
            await().atMost(WAIT).until(() -> store.deliveries(finding).size() == 3);
        }
        for (int i = 0; i < 2; i++) {
            send(settings.deliveries(), "slack|" + finding, json(Fixtures.deliveryOf(Fixtures.delivered(), finding)));
        }
        try (TopicsToStore reader = start(store)) {
            await().atMost(WAIT).until(() -> store.deliveries(finding).size() >= 5);
            Thread.sleep(1_000); // anything read twice would show by now
            assertThat(store.deliveries(finding)).hasSize(5);
        }

        Store fresh = new Store(database());
        try (TopicsToStore reader = start(fresh)) {
            await().atMost(WAIT).until(() -> fresh.deliveries(finding).size() == 5 && fresh.finding(finding).isPresent());
        }
    }

    @Test
    void recordsThatAreNotWhatTheirTopicDocuments_areDeadLettered_andTheRestOfTheirPollIsWritten() throws Exception {
        Store store = new Store(database());
        String dlq = Topics.dlq("console", "findings");
        TestKafka.shared().createTopics(1, dlq);
        try (TopicReader dead = new TopicReader(TestKafka.shared().bootstrapServers(), dlq)) {
            send(settings.findings(), "bad-1", "not json at all".getBytes(StandardCharsets.UTF_8));
            send(settings.findings(), "bad-2", "{\"ruleId\":\"x\",\"severity\":\"high\"}".getBytes(StandardCharsets.UTF_8));
            send(settings.findings(), "bad-3", "{\"findingId\":\"f\",\"ruleId\":\"x\",\"severity\":\"apocalyptic\"}".getBytes(StandardCharsets.UTF_8));
            send(settings.findings(), "good", json(Fixtures.finding("good-" + suffix, "high", "111122223333", "Good", java.time.Instant.now())));
            var registry = new SimpleMeterRegistry();
            try (TopicsToStore reader = TopicsToStore.start(store, connection, settings, registry, Clock.systemUTC())) {
                await().atMost(WAIT).until(() -> store.finding("good-" + suffix).isPresent());
                List<ConsumerRecord<String, String>> letters = dead.awaitUntil(
                        seen -> seen.stream().anyMatch(r -> "bad-3".equals(r.key())), WAIT);
                assertThat(letters).extracting(ConsumerRecord::key).contains("bad-1", "bad-2", "bad-3");
                ConsumerRecord<String, String> third = letters.stream().filter(r -> "bad-3".equals(r.key())).findFirst().orElseThrow();
                assertThat(TopicReader.header(third, Headers.DLQ_REASON)).isEqualTo("invalid-field");
                assertThat(TopicReader.header(third, Headers.DLQ_SERVICE)).isEqualTo("console");
                assertThat(third.value()).contains("apocalyptic", settings.findings());
                assertThat(registry.get("trailwatch.console.dead_letters").tag("reason", "missing-field").counter().count()).isEqualTo(1);
                assertThat(store.page(FindingFilter.ALL, null, 10).rows()).hasSize(1);
                assertThat(reader.healthy()).isTrue();
            }
        }
    }

    private TopicsToStore start(Store store) throws Exception {
        return TopicsToStore.start(store, connection, settings, new SimpleMeterRegistry(), Clock.systemUTC());
    }

    private static JdbcDataSource database() {
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1");
        Flyway.configure().dataSource(ds).locations("classpath:db/migration").load().migrate();
        return ds;
    }

    private void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get();
    }

    private static byte[] json(Object value) throws Exception {
        return ModelJson.newMapper().writeValueAsBytes(value);
    }
}

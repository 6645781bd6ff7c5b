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
        Store store = new Store(database(), Clock.systemUTC());
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

        Store fresh = new Store(database(), Clock.systemUTC());
        try (TopicsToStore reader = start(fresh)) {
            await().atMost(WAIT).until(() -> fresh.deliveries(finding).size() == 5 && fresh.finding(finding).isPresent());
        }
    }

    @Test
    void recordsThatAreNotWhatTheirTopicDocuments_areDeadLettered_andTheRestOfTheirPollIsWritten() throws Exception {
        Store store = new Store(database(), Clock.systemUTC());
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

    @Test
    void whileTheDatabaseRefusesWrites_nothingIsSkipped_andNothingIsWrittenTwice() throws Exception {
        Faulty db = new Faulty(database());
        Store store = new Store(db.dataSource(), Clock.systemUTC());
        String finding = Fixtures.stopLogging().findingId();
        var registry = new SimpleMeterRegistry();
        try (TopicsToStore reader = TopicsToStore.start(store, connection, settings, registry, Clock.systemUTC())) {
            send(settings.deliveries(), "slack|" + finding, json(Fixtures.deliveryOf(Fixtures.delivered(), finding)));
            await().atMost(WAIT).until(() -> store.deliveries(finding).size() == 1);

            db.down = true;
            for (int i = 0; i < 3; i++) {
                send(settings.deliveries(), "slack|" + finding, json(Fixtures.deliveryOf(Fixtures.retrying(), finding)));
            }
            await().atMost(WAIT).until(() -> registry.counter("trailwatch.console.store_failures").count() >= 3);
            assertThat(reader.healthy()).as("unready while the store refuses writes").isFalse();

            db.down = false;
            await().atMost(WAIT).until(() -> store.deliveries(finding).size() >= 4);
            Thread.sleep(1_000);
            assertThat(store.deliveries(finding)).hasSize(4);
            assertThat(reader.healthy()).isTrue();
        }
    }

    @Test
    void aRecordTheDatabaseCannotStore_isDeadLettered_andTheOthersOfItsPollAreWritten() throws Exception {
        Faulty db = new Faulty(database());
        Store store = new Store(db.dataSource(), Clock.systemUTC());
        String dlq = Topics.dlq("console", "findings");
        TestKafka.shared().createTopics(1, dlq);
        var registry = new SimpleMeterRegistry();
        try (TopicReader dead = new TopicReader(TestKafka.shared().bootstrapServers(), dlq);
             TopicsToStore reader = TopicsToStore.start(store, connection, settings, registry, Clock.systemUTC())) {
            java.time.Instant now = java.time.Instant.now();
            // one partition, so the three come in one poll
            producer.send(new ProducerRecord<>(settings.findings(), 0, "a", json(Fixtures.finding("a-" + suffix, "high", "111122223333", "Before", now)))).get();
            producer.send(new ProducerRecord<>(settings.findings(), 0, "poison-" + suffix,
                    json(Fixtures.finding("p-" + suffix, "high", "111122223333", Faulty.POISON, now)))).get();
            producer.send(new ProducerRecord<>(settings.findings(), 0, "b", json(Fixtures.finding("b-" + suffix, "high", "111122223333", "After", now)))).get();

            await().atMost(WAIT).until(() -> store.finding("b-" + suffix).isPresent());
            assertThat(store.finding("a-" + suffix)).isPresent();
            assertThat(store.finding("p-" + suffix)).isEmpty();
            List<ConsumerRecord<String, String>> letters = dead.awaitUntil(
                    seen -> seen.stream().anyMatch(r -> ("poison-" + suffix).equals(r.key())), WAIT);
            ConsumerRecord<String, String> letter = letters.stream().filter(r -> ("poison-" + suffix).equals(r.key())).findFirst().orElseThrow();
            assertThat(TopicReader.header(letter, Headers.DLQ_REASON)).isEqualTo("unstorable");
            assertThat(reader.healthy()).isTrue();
        }
    }

    /**
     * A real database behind a proxy that fails as a broken one does: every statement while {@link #down} (SQLState
     * 08006, a lost connection), and any value containing {@link #POISON} (22001, a value it cannot take).
     */
    static final class Faulty {
        static final String POISON = "UNSTORABLE";
        private final javax.sql.DataSource real;
        volatile boolean down;

        Faulty(javax.sql.DataSource real) {
            this.real = real;
        }

        javax.sql.DataSource dataSource() {
            return proxy(javax.sql.DataSource.class, real);
        }

        @SuppressWarnings("unchecked")
        private <T> T proxy(Class<T> type, T target) {
            return (T) java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type}, (p, method, args) -> {
                String name = method.getName();
                if (down && (name.startsWith("execute") || name.equals("getConnection"))) {
                    throw new java.sql.SQLException("connection lost", "08006");
                }
                if (name.equals("setString") && args[1] instanceof String v && v.contains(POISON)) {
                    throw new java.sql.SQLException("value too long", "22001");
                }
                Object result;
                try {
                    result = method.invoke(target, args);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    throw e.getCause();
                }
                if (result instanceof java.sql.Connection c) {
                    return proxy(java.sql.Connection.class, c);
                }
                if (result instanceof java.sql.PreparedStatement s) {
                    return proxy(java.sql.PreparedStatement.class, s);
                }
                return result;
            });
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

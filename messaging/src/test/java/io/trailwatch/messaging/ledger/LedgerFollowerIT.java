package io.trailwatch.messaging.ledger;

import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A ledger follows its compacted topic: created when missing, read to its end before it is ready, then followed. */
class LedgerFollowerIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private final KafkaBroker kafka = TestKafka.shared();

    @Test
    void aMissingTopic_isCreatedCompacted_andAnEmptyLedgerIsReady() throws Exception {
        String topic = "ledger-it-" + UUID.randomUUID();
        var ledger = new Ledger();

        try (var follower = LedgerFollower.start(ledger, KafkaConnection.plain(kafka.bootstrapServers()), topic, 3)) {
            ledger.ready().get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(ledger.size()).isZero();
            assertThat(follower.isAlive()).isTrue();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
                var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
                assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
                assertThat(admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()).hasSize(3);
            }
        }
    }

    @Test
    void aLedgerWithARetention_getsATopicCompactedAndDeletedAfterIt_andForgetsKeysWrittenBeforeIt() throws Exception {
        String topic = "ledger-it-" + UUID.randomUUID();
        kafka.createTopics(1, topic);
        long now = System.currentTimeMillis();
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            // written forty days ago, and yesterday
            producer.send(new ProducerRecord<>(topic, 0, now - Duration.ofDays(40).toMillis(), "old", "{}")).get();
            producer.send(new ProducerRecord<>(topic, 0, now - Duration.ofDays(1).toMillis(), "recent", "{}")).get();
        }
        var ledger = new Ledger(Duration.ofDays(35));
        try (var follower = LedgerFollower.start(ledger, KafkaConnection.plain(kafka.bootstrapServers()), topic, 1)) {
            ledger.ready().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(ledger.contains("old")).as("read as it is on the topic").isTrue();

            assertThat(ledger.expire(System.currentTimeMillis())).isEqualTo(1);
            assertThat(ledger.contains("old")).isFalse();
            assertThat(ledger.contains("recent")).isTrue();
        }
        assertThat(LedgerFollower.topicConfig(Duration.ofDays(35))).containsEntry("cleanup.policy", "compact,delete")
                .containsEntry("retention.ms", Long.toString(Duration.ofDays(35).toMillis()));
        String created = "ledger-it-" + UUID.randomUUID();
        var bounded = new Ledger(Duration.ofDays(35));
        try (var follower = LedgerFollower.start(bounded, KafkaConnection.plain(kafka.bootstrapServers()), created, 1);
             Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            bounded.ready().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            var resource = new ConfigResource(ConfigResource.Type.TOPIC, created);
            var config = admin.describeConfigs(List.of(resource)).all().get().get(resource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact,delete");
            assertThat(config.get("retention.ms").value()).isEqualTo(Long.toString(Duration.ofDays(35).toMillis()));
        }
    }

    @Test
    void whatOthersWrote_isKnownOnceReady_tombstonesForget_andNewRecordsAreFollowed() throws Exception {
        String topic = "ledger-it-" + UUID.randomUUID();
        kafka.createTopics(3, topic + "-ledger");
        topic = topic + "-ledger";
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, "done-" + i, "{}"));
            }
            producer.send(new ProducerRecord<>(topic, "done-7", null)); // a tombstone: do it again
            producer.flush();

            var ledger = new Ledger();
            try (var follower = LedgerFollower.start(ledger, KafkaConnection.plain(kafka.bootstrapServers()), topic, 3)) {
                ledger.ready().get(WAIT.toSeconds(), TimeUnit.SECONDS);

                assertThat(ledger.size()).as("everything before the end, once ready").isEqualTo(49);
                assertThat(ledger.contains("done-0")).isTrue();
                assertThat(ledger.contains("done-7")).isFalse();

                producer.send(new ProducerRecord<>(topic, "done-by-another-replica", "{}")).get();
                await().atMost(WAIT).until(() -> ledger.contains("done-by-another-replica"));
            }
        }
    }
}

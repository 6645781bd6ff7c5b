package io.trailwatch.messaging.ledger;

import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A follower hands every keyed record of a topic to its target, with the values it reads and only those. */
class TopicFollowerIT {

    private final KafkaBroker kafka = TestKafka.shared();

    @Test
    void aTargetOfKeysAndHeaders_getsEachValueAsPresentOrAbsent_andATargetOfValuesGetsThemWhole() throws Exception {
        String topic = "follower-it-" + UUID.randomUUID();
        kafka.createTopics(1, topic);
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "delivered", "{\"status\":\"delivered\"}")).get();
            producer.send(new ProducerRecord<>(topic, "forgotten", null)).get(); // a tombstone
        }

        List<ConsumerRecord<String, byte[]>> keysOnly = follow(topic, false);
        List<ConsumerRecord<String, byte[]>> whole = follow(topic, true);

        assertThat(keysOnly).extracting(ConsumerRecord::key).containsExactly("delivered", "forgotten");
        assertThat(keysOnly.get(0).value()).as("present, not copied").isEmpty();
        assertThat(keysOnly.get(1).value()).as("a tombstone stays one").isNull();
        assertThat(new String(whole.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"delivered\"}");
        assertThat(whole.get(1).value()).isNull();
    }

    private List<ConsumerRecord<String, byte[]>> follow(String topic, boolean readsValues) throws Exception {
        List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
        var caughtUp = new CompletableFuture<Void>();
        try (var follower = TopicFollower.start(new TopicFollower.Target() {
            @Override
            public void accept(ConsumerRecord<String, byte[]> record) {
                seen.add(record);
            }

            @Override
            public void caughtUp() {
                caughtUp.complete(null);
            }

            @Override
            public boolean readsValues() {
                return readsValues;
            }
        }, KafkaConnection.plain(kafka.bootstrapServers()), topic, null, null, Clock.systemUTC())) {
            await().atMost(Duration.ofSeconds(60)).until(caughtUp::isDone);
        }
        return seen;
    }
}

package io.trailwatch.testsupport;

import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;

import static org.assertj.core.api.Assertions.assertThat;

/** The production image of the broker, where Docker runs; skipped (not failed) where it does not. */
@Testcontainers(disabledWithoutDocker = true)
class ContainersTest {

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(Containers.KAFKA_IMAGE);

    @Test
    void containerBroker_acceptsTopics() {
        assertThat(Containers.dockerAvailable()).isTrue();
        try (var admin = org.apache.kafka.clients.admin.Admin.create(java.util.Map.of("bootstrap.servers", KAFKA.getBootstrapServers()))) {
            admin.createTopics(java.util.List.of(new org.apache.kafka.clients.admin.NewTopic("t", 1, (short) 1))).all().get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}

package io.trailwatch.messaging;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Plain clients connect like the messaging channels: brokers and security settings, nothing channel-specific. */
class KafkaConnectionTest {

    private static final Map<String, Object> SERVICE_KAFKA_CONFIG = Map.of(
            "bootstrap.servers", "b-1.msk:9096",
            "security.protocol", "SASL_SSL",
            "sasl.mechanism", "SCRAM-SHA-512",
            "sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"tw\" password=\"p\";",
            "ssl.truststore.type", "PEM",
            "ssl.truststore.location", "/etc/trailwatch/kafka-ca/ca.crt",
            "acks", "all",
            "group.id", "trailwatch-notify");

    @Test
    void of_keepsTheBrokersAndTheSecuritySettings_only() {
        assertThat(KafkaConnection.of(SERVICE_KAFKA_CONFIG)).containsOnlyKeys("bootstrap.servers", "security.protocol", "sasl.mechanism",
                "sasl.jaas.config", "ssl.truststore.type", "ssl.truststore.location");
        assertThat(KafkaConnection.security(SERVICE_KAFKA_CONFIG)).doesNotContainKey("bootstrap.servers").containsKey("sasl.jaas.config");
    }

    @Test
    void of_withoutBrokers_saysSo() {
        assertThatThrownBy(() -> KafkaConnection.of(Map.of("security.protocol", "SSL"))).hasMessageContaining("bootstrap.servers");
    }
}

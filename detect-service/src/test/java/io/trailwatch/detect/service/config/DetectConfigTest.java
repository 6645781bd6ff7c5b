package io.trailwatch.detect.service.config;

import io.smallrye.config.ConfigValidationException;
import io.trailwatch.testsupport.ConfigMappings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** detect-service's settings: documented defaults, and wrong values refused at start with the key named. */
class DetectConfigTest {

    @Test
    void defaults() {
        DetectConfig config = load(Map.of());

        assertThat(config.remember()).isEqualTo(Duration.ofDays(1));
        assertThat(config.expireEvery()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.topics().events()).isEqualTo("trailwatch.events.v3");
        assertThat(config.topics().deadLetters()).isEqualTo("trailwatch.dlq.detect.events");
        assertThat(config.topics().partitions()).isEqualTo(6);
        assertThat(config.lists()).isEmpty();
        assertThat(config.forget()).isEqualTo(Duration.ofDays(90));
        assertThat(config.stateMemory().asLongValue()).isEqualTo(64L << 20);
    }

    @Test
    void outOfRangeValues_areRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of("trailwatch.detect.expire-every", "0s", "trailwatch.detect.topics.partitions", "0",
                "trailwatch.detect.topics.findings", " ")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("trailwatch.detect.expire-every")
                .hasMessageContaining("trailwatch.detect.topics.partitions")
                .hasMessageContaining("trailwatch.detect.topics.findings");
    }

    @Test
    void rocksDbMemory_belowWhatKeepsWritesFlowing_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> io.trailwatch.detect.service.outbound.BoundedRocksDb.bytes(
                load(Map.of("trailwatch.detect.state-memory", "4M")).stateMemory().asLongValue()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("trailwatch.detect.state-memory");
        assertThat(io.trailwatch.detect.service.outbound.BoundedRocksDb.bytes("128M")).isEqualTo(128L << 20);
    }

    private static DetectConfig load(Map<String, String> values) {
        return ConfigMappings.load(DetectConfig.class, values);
    }
}

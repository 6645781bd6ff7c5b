package io.trailwatch.ingest.config;

import io.smallrye.config.ConfigValidationException;
import io.trailwatch.testsupport.ConfigMappings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The configuration mapping: documented defaults, and wrong values refused at start-up with the key named. */
class IngestConfigTest {

    @Test
    void defaults() {
        IngestConfig config = load(Map.of("trailwatch.ingest.sources.buckets", "trail"));

        assertThat(config.concurrency()).isEqualTo(4);
        assertThat(config.sqs().waitTimeSeconds()).isEqualTo(20);
        assertThat(config.sqs().maxMessages()).isEqualTo(10);
        assertThat(config.sqs().visibilityTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.caps().maxDecompressedBytes()).isEqualTo(2L << 30);
        assertThat(config.caps().maxRecordBytes()).isEqualTo(1L << 20);
        assertThat(config.backfill().maxRange()).isEqualTo(Duration.ofDays(400));
        assertThat(config.backfill().maxRunning()).isEqualTo(4);
        assertThat(config.backfill().keepFinished()).isEqualTo(Duration.ofHours(24));
        assertThat(config.aws().region()).isEqualTo("us-east-1");
        assertThat(config.sources().buckets()).containsExactly("trail");
        assertThat(config.sources().accounts()).isEmpty();
    }

    @Test
    void outOfRangeValues_areRefusedNamingTheKey() {
        var values = new HashMap<>(Map.of("trailwatch.ingest.sources.buckets", "trail",
                "trailwatch.ingest.sqs.max-messages", "11",
                "trailwatch.ingest.concurrency", "0"));

        assertThatThrownBy(() -> load(values)).isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("trailwatch.ingest.sqs.max-messages")
                .hasMessageContaining("trailwatch.ingest.concurrency");
    }

    @Test
    void aRecordCapThatTheProducersRequestSizeCannotCarry_stopsTheStart_namingBothKeys() {
        Wiring.checkRequestSize(1L << 20, 4L << 20);
        Wiring.checkRequestSize(1L << 20, (2L << 20) + Wiring.EVENT_OVERHEAD);

        assertThatThrownBy(() -> Wiring.checkRequestSize(16L << 20, 1L << 20))
                .hasMessageContaining("trailwatch.ingest.caps.max-record-bytes")
                .hasMessageContaining("mp.messaging.outgoing.events.max.request.size");
    }

    @Test
    void withoutBuckets_theServiceDoesNotStart() {
        assertThatThrownBy(() -> load(Map.of())).hasMessageContaining("trailwatch.ingest.sources.buckets");
    }

    private static IngestConfig load(Map<String, String> values) {
        return ConfigMappings.load(IngestConfig.class, values);
    }
}

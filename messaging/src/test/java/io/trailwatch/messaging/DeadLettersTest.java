package io.trailwatch.messaging;

import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Headers;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** Every service's dead letters carry the headers docs/topics.md documents. */
class DeadLettersTest {

    private static final DeadLetter LETTER = DeadLetter.of("remediate", "findings", "invalid-finding", "not a finding",
            Instant.parse("2026-03-02T10:00:00Z"), Map.of("topic", "trailwatch.findings.v1"), "{not a finding");

    @Test
    void headers_areReasonServiceContentTypeAndSchemaVersion() {
        var headers = DeadLetters.headers(LETTER);

        assertThat(headers.toArray()).extracting(h -> h.key() + "=" + new String(h.value(), StandardCharsets.UTF_8))
                .containsExactly(Headers.DLQ_REASON + "=invalid-finding", Headers.DLQ_SERVICE + "=remediate",
                        Headers.CONTENT_TYPE + "=application/json", Headers.SCHEMA_VERSION + "=" + DeadLetter.SCHEMA_VERSION);
    }

    @Test
    void aMessage_carriesTheKeyAndHeaders_andCompletesWhenAcknowledged() {
        var written = new CompletableFuture<Void>();
        var message = DeadLetters.message(LETTER, "remediate|f-1", written);

        var metadata = message.getMetadata(io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata.class).orElseThrow();
        assertThat(metadata.getKey()).isEqualTo("remediate|f-1");
        assertThat(metadata.getHeaders().lastHeader(Headers.DLQ_REASON).value()).isEqualTo("invalid-finding".getBytes(StandardCharsets.UTF_8));
        assertThat(message.getPayload()).isEqualTo(LETTER);

        message.ack();
        assertThat(written).isCompleted();
    }

    @Test
    void aMessage_refusedByKafka_failsItsFuture() {
        var written = new CompletableFuture<Void>();
        DeadLetters.message(LETTER, null, written).nack(new IllegalStateException("broker away"));

        assertThat(written).isCompletedExceptionally();
    }
}

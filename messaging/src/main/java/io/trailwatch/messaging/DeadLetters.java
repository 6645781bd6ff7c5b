package io.trailwatch.messaging;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Dead-letter records as docs/topics.md documents them, built in one place for every service: the {@link DeadLetter}
 * value and its headers {@code tw_dlq_reason}, {@code tw_dlq_service}, {@code content-type} and
 * {@code tw_schema_version}.
 */
public final class DeadLetters {

    private DeadLetters() {
    }

    /** The headers of a dead letter. */
    public static RecordHeaders headers(DeadLetter letter) {
        var headers = new RecordHeaders();
        add(headers, Headers.DLQ_REASON, letter.reason());
        add(headers, Headers.DLQ_SERVICE, letter.service());
        add(headers, Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
        add(headers, Headers.SCHEMA_VERSION, DeadLetter.SCHEMA_VERSION);
        return headers;
    }

    /**
     * A dead letter as a message for a dead-letter channel's emitter, keyed by {@code key} (may be null); the
     * returned future completes when Kafka acknowledged it, or fails with why not.
     */
    public static Message<DeadLetter> message(DeadLetter letter, String key, CompletableFuture<Void> written) {
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers(letter)).build();
        return Message.of(letter, Metadata.of(metadata), () -> {
            written.complete(null);
            return CompletableFuture.completedFuture(null);
        }, failure -> {
            written.completeExceptionally(failure);
            return CompletableFuture.completedFuture(null);
        });
    }

    /** Where an incoming record was: {@code topic}, {@code partition}, {@code offset}, for a dead letter's source. */
    public static Map<String, String> source(Message<?> message) {
        Map<String, String> source = new LinkedHashMap<>();
        message.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(m -> {
            source.put("topic", m.getTopic());
            source.put("partition", Integer.toString(m.getPartition()));
            source.put("offset", Long.toString(m.getOffset()));
        });
        return source;
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }
}

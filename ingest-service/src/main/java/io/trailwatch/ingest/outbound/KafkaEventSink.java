package io.trailwatch.ingest.outbound;

import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.ingest.core.EventSink;
import io.trailwatch.ingest.core.ObjectRef;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Headers;
import io.trailwatch.model.IngestedObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;

/**
 * Publishes through SmallRye Reactive Messaging emitters; every stage completes when the broker acknowledged
 * (acks=all, idempotent producer, see application.properties). At most
 * {@link IngestConfig#maxUnacknowledgedEvents()} events wait for acknowledgement; the caller blocks beyond that.
 */
@ApplicationScoped
public class KafkaEventSink implements EventSink {

    /** Emitter buffers are larger than the unacknowledged-event cap, so a send never overflows. */
    static final int EMITTER_BUFFER = 16384;

    @Inject
    @Channel(Channels.EVENTS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<CloudTrailEvent> events;

    @Inject
    @Channel(Channels.LEDGER)
    Emitter<IngestedObject> ledger;

    @Inject
    @Channel(Channels.DLQ_NOTIFICATIONS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<DeadLetter> dlqNotifications;

    @Inject
    @Channel(Channels.DLQ_OBJECTS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<DeadLetter> dlqObjects;

    @Inject
    @Channel(Channels.DLQ_RECORDS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<DeadLetter> dlqRecords;

    private final Semaphore unacknowledged;

    @Inject
    KafkaEventSink(IngestConfig config) {
        this.unacknowledged = new Semaphore(Math.min(config.maxUnacknowledgedEvents(), EMITTER_BUFFER / 2));
    }

    @Override
    public CompletionStage<Void> publish(CloudTrailEvent event, ObjectRef from, int recordIndex) {
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(Headers.CE_ID, utf8(event.eventId()))
                .add(Headers.CE_TYPE, utf8(CloudTrailEvent.CE_TYPE))
                .add(Headers.CE_SOURCE, utf8(event.ceSource()))
                .add(Headers.CE_TIME, utf8(DateTimeFormatter.ISO_INSTANT.format(event.eventTime())))
                .add(Headers.CE_SPECVERSION, utf8(Headers.CE_SPECVERSION_1_0))
                .add(Headers.CONTENT_TYPE, utf8(Headers.APPLICATION_JSON))
                .add(Headers.SCHEMA_VERSION, utf8(CloudTrailEvent.SCHEMA_VERSION))
                .add(Headers.S3_BUCKET, utf8(from.bucket()))
                .add(Headers.S3_KEY, utf8(from.key()))
                .add(Headers.RECORD_INDEX, utf8(String.valueOf(recordIndex)));
        try {
            unacknowledged.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        return send(events, event, event.accountId(), headers, unacknowledged);
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key) {
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(Headers.DLQ_REASON, utf8(letter.reason()))
                .add(Headers.DLQ_SERVICE, utf8(letter.service()))
                .add(Headers.CONTENT_TYPE, utf8(Headers.APPLICATION_JSON))
                .add(Headers.SCHEMA_VERSION, utf8("1"));
        Emitter<DeadLetter> emitter = switch (channel) {
            case NOTIFICATIONS -> dlqNotifications;
            case OBJECTS -> dlqObjects;
            case RECORDS -> dlqRecords;
        };
        return send(emitter, letter, key, headers, null);
    }

    @Override
    public CompletionStage<Void> completed(IngestedObject object) {
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(Headers.CONTENT_TYPE, utf8(Headers.APPLICATION_JSON))
                .add(Headers.SCHEMA_VERSION, utf8("1"));
        return send(ledger, object, object.ledgerKey(), headers, null);
    }

    private static <T> CompletionStage<Void> send(Emitter<T> emitter, T payload, String key, org.apache.kafka.common.header.Headers headers,
                                                  Semaphore permits) {
        var acked = new CompletableFuture<Void>();
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build();
        Message<T> message = Message.of(payload, Metadata.of(metadata),
                () -> {
                    release(permits);
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    release(permits);
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            release(permits);
            acked.completeExceptionally(e);
        }
        return acked;
    }

    private static void release(Semaphore permits) {
        if (permits != null) {
            permits.release();
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}

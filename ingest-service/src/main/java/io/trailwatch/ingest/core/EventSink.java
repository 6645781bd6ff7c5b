package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.RawRecord;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IngestedObject;

import java.time.Instant;
import java.util.concurrent.CompletionStage;

/** Where ingest-service writes: Kafka in production. Each stage completes when the broker acknowledged. */
public interface EventSink {

    /** Dead-letter channels of ingest-service. */
    enum DeadLetterChannel {
        NOTIFICATIONS("notifications"), OBJECTS("objects"), RECORDS("records");

        private final String id;

        DeadLetterChannel(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    /**
     * The broker or producer will never take this event: it is larger than the largest request or message allowed.
     * Retrying cannot help; the record is dead-lettered and its siblings go on.
     */
    final class TooLargeException extends RuntimeException {
        public TooLargeException(String message) {
            super(message, null, false, false);
        }
    }

    /** Told once whether Kafka took an event. */
    @FunctionalInterface
    interface Settled {
        /**
         * @param failure null when the broker acknowledged the event; else why not: a {@link TooLargeException} when it
         *                can never be published for its size
         */
        void settled(Throwable failure);
    }

    /** Publishes the events of one log file. */
    interface FileEvents {
        /**
         * Publishes one record as it was written, and tells {@code settled} once, on whichever thread learns it first
         * (the producer's, or this one when the record was refused before it was sent). May block while too many events
         * await acknowledgement, so that a fast reader never buffers a whole file. An event costs no future: a file's
         * records are published by the million.
         *
         * @param record      the record, checked ({@link io.trailwatch.cloudtrail.Normalizer#check})
         * @param accountId   its account, the message key
         * @param eventTime   its time
         * @param recordIndex its place in the file's Records
         * @param settled     told when Kafka acknowledged or refused it
         */
        void publish(RawRecord record, String accountId, Instant eventTime, int recordIndex, Settled settled);
    }

    /**
     * A publisher of the events of one log file: what is the same for every record of a file (its headers) is
     * prepared once here, not per record.
     *
     * @param from         the log file
     * @param accountCheck {@link io.trailwatch.model.EventOrigin#VERIFIED} or {@link io.trailwatch.model.EventOrigin#UNVERIFIABLE}
     */
    FileEvents events(ObjectRef from, String accountCheck);

    /**
     * Publishes one CloudTrail record that came through EventBridge ({@code tw_via} {@code eventbridge}); the stage
     * fails with {@link TooLargeException} when it can never be published for its size.
     *
     * @param record        the record, checked ({@link io.trailwatch.cloudtrail.Normalizer#check})
     * @param accountId     its account, the message key
     * @param eventTime     its time
     * @param eventBridgeId the EventBridge event's id
     * @param accountCheck  {@link io.trailwatch.model.EventOrigin#VERIFIED}: its account is the EventBridge event's
     */
    CompletionStage<Void> bridged(RawRecord record, String accountId, Instant eventTime, String eventBridgeId, String accountCheck);

    /** Publishes a dead letter keyed by {@code key} (may be null). */
    CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key);

    /** Records a completed object in the ledger. */
    CompletionStage<Void> completed(IngestedObject object);

    /** Publishes the outcome of validating a digest, keyed by its chain. */
    CompletionStage<Void> integrity(IntegrityRecord record);

    /** Publishes a finding (an integrity problem), keyed by its findingId. */
    CompletionStage<Void> finding(Finding finding);
}

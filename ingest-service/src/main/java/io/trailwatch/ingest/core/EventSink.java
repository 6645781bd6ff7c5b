package io.trailwatch.ingest.core;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IngestedObject;

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

    /**
     * Publishes one event; the stage fails with {@link TooLargeException} when the event can never be published
     * for its size. May block while too many events await acknowledgement, so that a fast reader never
     * buffers a whole file.
     */
    CompletionStage<Void> publish(CloudTrailEvent event, ObjectRef from, int recordIndex);

    /** Publishes a dead letter keyed by {@code key} (may be null). */
    CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key);

    /** Records a completed object in the ledger. */
    CompletionStage<Void> completed(IngestedObject object);

    /** Publishes the outcome of validating a digest, keyed by its chain. */
    CompletionStage<Void> integrity(IntegrityRecord record);

    /** Publishes a finding (an integrity problem), keyed by its findingId. */
    CompletionStage<Void> finding(Finding finding);
}

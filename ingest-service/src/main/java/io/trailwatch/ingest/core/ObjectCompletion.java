package io.trailwatch.ingest.core;

import io.trailwatch.ingest.core.EventSink.DeadLetterChannel;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.IngestedObject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How an object's ingestion ends, log file and digest alike: Kafka acknowledges what was published (within the
 * publish timeout), then the object goes to the ledger; or the object is dead-lettered. When Kafka refuses or does not
 * answer, the outcome is {@link ObjectIngestor.Outcome#RETRY}: the notification is redelivered. Thread-safe.
 */
final class ObjectCompletion {

    private static final Logger LOG = Logger.getLogger(ObjectCompletion.class);
    private static final String SERVICE = "ingest";

    private final EventSink sink;
    private final Ledger ledger;
    private final IngestMetrics metrics;
    private final Duration publishTimeout;
    private final Clock clock;

    ObjectCompletion(EventSink sink, Ledger ledger, IngestMetrics metrics, Duration publishTimeout, Clock clock) {
        this.sink = sink;
        this.ledger = ledger;
        this.metrics = metrics;
        this.publishTimeout = publishTimeout;
        this.clock = clock;
    }

    /** Whether Kafka acknowledged every stage in time (it is logged when not). */
    boolean acknowledged(List<? extends CompletionStage<Void>> stages) throws InterruptedException {
        for (CompletionStage<Void> stage : stages) {
            if (!acknowledged(stage)) {
                return false;
            }
        }
        return true;
    }

    /** Whether Kafka acknowledged the stage in time (it is logged when not). */
    boolean acknowledged(CompletionStage<Void> stage) throws InterruptedException {
        try {
            stage.toCompletableFuture().get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("Kafka did not acknowledge: %s", e.getCause() == null ? e.toString() : e.getCause().getMessage());
            return false;
        }
    }

    /** Records a completed object on the ledger topic, then in memory; false (counted) when Kafka refused. */
    boolean complete(IngestedObject done) throws InterruptedException {
        if (!acknowledged(sink.completed(done))) {
            metrics.object("retried", "kafka-error");
            return false;
        }
        ledger.add(done.ledgerKey());
        return true;
    }

    /**
     * Dead-letters an object on the objects channel (never its content: it stays in S3) and counts it.
     *
     * @param refused refused by configuration (never fetched) rather than failed
     */
    ObjectIngestor.Outcome deadLetter(String reason, String detail, ObjectRef ref, Map<String, String> provenance,
                                      boolean refused) throws InterruptedException {
        Map<String, String> where = new LinkedHashMap<>(provenance);
        where.put("bucket", ref.bucket());
        where.put("key", ref.key());
        var letter = DeadLetter.of(SERVICE, DeadLetterChannel.OBJECTS.id(), reason, detail, clock.instant(), where, null);
        if (!acknowledged(sink.deadLetter(DeadLetterChannel.OBJECTS, letter, ref.uri()))) {
            metrics.object("retried", "kafka-error");
            return ObjectIngestor.Outcome.RETRY;
        }
        metrics.deadLetter(DeadLetterChannel.OBJECTS.id(), reason);
        if (refused) {
            return ObjectIngestor.Outcome.REFUSED;
        }
        metrics.object("failed", reason);
        return ObjectIngestor.Outcome.DEAD_LETTERED;
    }
}

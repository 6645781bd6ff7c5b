package io.trailwatch.ingest.core;

import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.cloudtrail.RawRecord;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.LogKey;
import io.trailwatch.model.IntegrityRecord.Problem;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.cloudtrail.UnreadableLogException;
import io.trailwatch.ingest.core.EventSink.DeadLetterChannel;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.IngestedObject;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ingests one S3 object: admits it, skips it when the ledger says it is done, streams its records through the
 * normalizer to the events topic, dead-letters what cannot be read, and records it in the ledger once Kafka
 * acknowledged every record. Thread-safe; one call per object, many objects in parallel.
 */
public final class ObjectIngestor {

    /** What the caller should do with the notification the object came from. */
    public enum Outcome {
        /** Every record is on Kafka and the object is in the ledger. */
        INGESTED,
        /** Not a log file, or already in the ledger. */
        SKIPPED,
        /** Outside the configured sources; dead-lettered without being fetched. */
        REFUSED,
        /** Never readable; dead-lettered. */
        DEAD_LETTERED,
        /** A transient failure: leave the notification for redelivery. */
        RETRY;

        /** Whether nothing more is to be done for the object. */
        public boolean isDone() {
            return this != RETRY;
        }
    }

    private static final Logger LOG = Logger.getLogger(ObjectIngestor.class);
    private static final String SERVICE = "ingest";
    /** The dead-letter reason of a record Kafka refuses for its size. */
    public static final String TOO_LARGE_FOR_KAFKA = "record-too-large-for-kafka";
    /** How many published records of a file are counted at once (and the rest when the file ends). */
    static final int COUNT_EVERY = 256;

    private final Admission admission;
    private final ObjectSource source;
    private final EventSink sink;
    private final Ledger ledger;
    private final LogFileReader reader;
    private final IngestMetrics metrics;
    private final Duration publishTimeout;
    private final Clock clock;
    private final DigestValidator validator;
    private final ObjectCompletion completion;
    private final IntegrityFindings findings = new IntegrityFindings();
    private final Map<String, CountDownLatch> underWay = new ConcurrentHashMap<>(); // objects being read, by claim

    public ObjectIngestor(Admission admission, ObjectSource source, EventSink sink, Ledger ledger, LogFileReader reader,
                          IngestMetrics metrics, Duration publishTimeout, Clock clock) {
        this(admission, source, sink, ledger, reader, metrics, publishTimeout, clock, null);
    }

    /**
     * @param validator validates digests that admission passes as {@link Admission.Validate}; null when off
     */
    public ObjectIngestor(Admission admission, ObjectSource source, EventSink sink, Ledger ledger, LogFileReader reader,
                          IngestMetrics metrics, Duration publishTimeout, Clock clock, DigestValidator validator) {
        this.admission = admission;
        this.source = source;
        this.sink = sink;
        this.ledger = ledger;
        this.reader = reader;
        this.metrics = metrics;
        this.publishTimeout = publishTimeout;
        this.clock = clock;
        this.validator = validator;
        this.completion = new ObjectCompletion(sink, ledger, metrics, publishTimeout, clock);
    }

    /**
     * Ingests an object.
     *
     * @param ref        the object
     * @param provenance where the request came from, for dead letters (e.g. {@code sqsMessageId}, {@code backfill})
     */
    public Outcome ingest(ObjectRef ref, Map<String, String> provenance) {
        // SQS delivers at least once, S3 and CloudTrail's SNS topic may both announce an object, and a message may name
        // it twice: a second request for a key being read right now waits for the first, then finds it in the ledger.
        String claim = ref.bucket() + "/" + ref.key();
        CountDownLatch mine = new CountDownLatch(1);
        try {
            CountDownLatch other;
            while ((other = underWay.putIfAbsent(claim, mine)) != null) {
                LOG.debugf("%s is being ingested already; waiting for it", ref.uri());
                if (!other.await(publishTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    metrics.object("retried", "already-in-progress");
                    return Outcome.RETRY;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            metrics.object("retried", "interrupted");
            return Outcome.RETRY;
        }
        metrics.inFlight().incrementAndGet();
        try {
            return doIngest(ref, provenance);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            metrics.object("retried", "interrupted");
            return Outcome.RETRY;
        } finally {
            metrics.inFlight().decrementAndGet();
            underWay.remove(claim, mine);
            mine.countDown();
        }
    }

    private Outcome doIngest(ObjectRef ref, Map<String, String> provenance) throws InterruptedException {
        Admission.Decision decision = admission.decide(ref.bucket(), ref.key());
        if (decision instanceof Admission.Refuse refuse) {
            LOG.warnf("Refused %s: %s; it is never fetched", ref.uri(), refuse.detail());
            metrics.object("refused", refuse.reason());
            return completion.deadLetter(refuse.reason(), refuse.detail(), ref, provenance, true);
        }
        if (decision instanceof Admission.Skip skip) {
            LOG.debugf("Skipped %s: %s", ref.uri(), skip.reason());
            metrics.object("skipped", skip.reason());
            return Outcome.SKIPPED;
        }
        if (decision instanceof Admission.Validate validate) {
            if (validator == null) {
                metrics.object("skipped", "digest");
                return Outcome.SKIPPED;
            }
            return validator.validate(ref, validate.layout(), provenance);
        }
        String account = ((Admission.Accept) decision).accountOrNull();
        if (ref.etag() != null && ledger.contains(IngestedObject.ledgerKey(ref.bucket(), ref.key(), ref.etag(), ref.versionId()))) {
            LOG.debugf("Skipped %s: already ingested", ref.uri());
            metrics.object("skipped", "already-ingested");
            return Outcome.SKIPPED;
        }

        ObjectSource.OpenedObject object;
        try {
            object = source.open(ref);
        } catch (ObjectSource.ObjectMissingException e) {
            LOG.warnf("Object %s does not exist: %s", ref.uri(), e.getMessage());
            return completion.deadLetter("object-not-found", e.getMessage(), ref, provenance, false);
        } catch (ObjectSource.OwnerRefusedException e) {
            LOG.errorf("S3 refused %s under the expected bucket owner; nothing is read from it: %s", ref.uri(), e.getMessage());
            if (!provenanceFinding(Problem.BUCKET_OWNER_MISMATCH, ref, null, account, e.getMessage())) {
                return Outcome.RETRY;
            }
            return completion.deadLetter(Problem.BUCKET_OWNER_MISMATCH, e.getMessage(), ref, provenance, false);
        } catch (IOException | RuntimeException e) {
            LOG.warnf("Could not open %s, will retry: %s", ref.uri(), e.getMessage());
            metrics.object("retried", "s3-error");
            return Outcome.RETRY;
        }

        String ledgerKey = IngestedObject.ledgerKey(ref.bucket(), ref.key(), object.etag(), object.versionId());
        var pending = new Pending();
        try (object) {
            if (ledger.contains(ledgerKey)) {
                LOG.debugf("Skipped %s: already ingested", ref.uri());
                metrics.object("skipped", "already-ingested");
                return Outcome.SKIPPED;
            }
            LogFileReader.Summary summary;
            var records = new RecordSink(ref, account, provenance, pending);
            try {
                summary = reader.readRaw(object.body(), records);
            } catch (UnreadableLogException e) {
                LOG.warnf("Log file %s is unreadable (%s): %s", ref.uri(), e.reason(), e.getMessage());
                if (!pending.await(publishTimeout)) {
                    metrics.object("retried", "kafka-error");
                    return Outcome.RETRY;
                }
                return completion.deadLetter(e.reason(), e.getMessage(), ref, provenance, false);
            } catch (LogFileReader.SourceException e) {
                LOG.warnf("Reading %s failed, will retry: %s", ref.uri(), e.getMessage());
                pending.await(publishTimeout);
                metrics.object("retried", "s3-error");
                return Outcome.RETRY;
            } catch (PublishFailed e) {
                pending.await(publishTimeout);
                LOG.warnf("Kafka refused a record of %s, will retry: %s", ref.uri(), pending.failureText());
                metrics.object("retried", "kafka-error");
                return Outcome.RETRY;
            } finally {
                records.countPublished();
            }
            metrics.bytes(summary.compressedBytes(), summary.decompressedBytes());
            if (!pending.await(publishTimeout)) {
                LOG.warnf("Kafka did not acknowledge every record of %s, will retry: %s", ref.uri(), pending.failureText());
                metrics.object("retried", "kafka-error");
                return Outcome.RETRY;
            }
            long foreign = pending.foreign.get();
            if (foreign > 0 && !provenanceFinding(Problem.ACCOUNT_MISMATCH, ref, object.etag(), account, foreign
                    + " record(s) name a recipientAccountId other than " + account + ", the account of the key (e.g. "
                    + pending.foreignExample.get() + "); they were dead-lettered, not published")) {
                return Outcome.RETRY;
            }
            var done = new IngestedObject(ref.bucket(), ref.key(), IngestedObject.stripQuotes(object.etag()),
                    object.versionId(), pending.published.get(), pending.deadLettered.get(),
                    summary.decompressedBytes(), clock.instant());
            if (!completion.complete(done)) {
                return Outcome.RETRY;
            }
            if (object.lastModified() != null) {
                metrics.lag(Duration.between(object.lastModified(), clock.instant()));
            }
            metrics.object("ingested", "ok");
            LOG.debugf("Ingested %s: %d records, %d dead-lettered", ref.uri(), done.records(), done.deadLettered());
            return Outcome.INGESTED;
        } catch (IOException e) {
            // closing the S3 stream failed after everything was read; nothing lost
            LOG.debugf("Closing %s failed: %s", ref.uri(), e.getMessage());
            return Outcome.INGESTED;
        }
    }

    /**
     * Publishes the critical finding of a provenance problem for the key's account, and counts it; false when Kafka
     * did not acknowledge it (the object is then retried; the finding's id is stable, so it is not repeated).
     */
    private boolean provenanceFinding(String reason, ObjectRef ref, String etag, String account, String detail)
            throws InterruptedException {
        String region = LogKey.parse(ref.key()).map(LogKey::region).orElse(null);
        var finding = findings.provenance(reason, ref.bucket(), ref.key(), etag == null ? null : IngestedObject.stripQuotes(etag),
                account, region, detail, clock.instant());
        if (!completion.acknowledged(sink.finding(finding))) {
            metrics.object("retried", "kafka-error");
            return false;
        }
        metrics.integrityProblem(reason);
        return true;
    }

    /** Checks and publishes the records of one object, as written, as the reader hands them out. */
    private final class RecordSink implements LogFileReader.RawSink {
        private final ObjectRef ref;
        private final String account;
        private final Map<String, String> provenance;
        private final Pending pending;
        private final EventSink.FileEvents events;
        /** Records published and not yet counted: the counter is shared by every reading thread, so it is added to in steps. */
        private int uncounted;

        RecordSink(ObjectRef ref, String account, Map<String, String> provenance, Pending pending) {
            this.ref = ref;
            this.account = account;
            this.provenance = provenance;
            this.pending = pending;
            this.events = sink.events(ref, account == null ? EventOrigin.UNVERIFIABLE : EventOrigin.VERIFIED);
        }

        @Override
        public void record(int index, RawRecord record) {
            if (pending.failed()) {
                // Kafka already refused a record of this object: the object will be retried whole, so stop reading.
                throw new PublishFailed();
            }
            try {
                Instant eventTime = Normalizer.check(record);
                String accountId = Normalizer.account(record, account);
                if (account != null && !account.equals(accountId)) {
                    // Someone who can write the bucket put another account's activity under this account's key.
                    pending.foreign.incrementAndGet();
                    pending.foreignExample.compareAndSet(null, "record " + index + ", eventID " + record.eventId() + ", recipientAccountId " + accountId);
                    deadLetterRecord(index, Problem.ACCOUNT_MISMATCH, "recipientAccountId " + accountId
                            + " is not " + account + ", the account in the object's key", text(record), record.eventId());
                    return;
                }
                pending.begin(pending.published);
                events.publish(record, accountId, eventTime, index, new Sent(index, record.eventId(), record.eventSource(), record.eventName()));
                if (++uncounted == COUNT_EVERY) {
                    countPublished();
                }
            } catch (InvalidRecordException e) {
                LOG.warnf("Record %d of %s is invalid (%s): %s", index, ref.uri(), e.reason(), e.getMessage());
                deadLetterRecord(index, e.reason(), e.getMessage(), text(record), record.eventId());
            }
        }

        /**
         * An event on its way to Kafka. Until Kafka acknowledges it, it holds only what a refusal for its size would
         * name, not its bytes: the producer copied those into its batch, and thousands of events are in flight at once.
         */
        private final class Sent implements EventSink.Settled {
            private final int index;
            private final String eventId;
            private final String eventSource;
            private final String eventName;

            Sent(int index, String eventId, String eventSource, String eventName) {
                this.index = index;
                this.eventId = eventId;
                this.eventSource = eventSource;
                this.eventName = eventName;
            }

            @Override
            public void settled(Throwable failure) {
                if (failure != null && tooLarge(failure, index, eventId, eventSource, eventName)) {
                    pending.absorbed(pending.published);
                } else {
                    pending.end(failure);
                }
            }
        }

        /** Adds the records published since the last call to the metric; called at the end of the file too. */
        void countPublished() {
            if (uncounted > 0) {
                metrics.recordsPublished(uncounted);
                uncounted = 0;
            }
        }

        @Override
        public void badRecord(int index, String reason, String detail) {
            LOG.warnf("Record %d of %s is unreadable (%s): %s", index, ref.uri(), reason, detail);
            deadLetterRecord(index, reason, detail, null, null);
        }

        /**
         * Dead-letters a record Kafka will never take for its size (without its body), so its file goes on; false for
         * any other failure, which fails the object.
         */
        private boolean tooLarge(Throwable error, int index, String eventId, String eventSource, String eventName) {
            Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null ? c.getCause() : error;
            if (!(cause instanceof EventSink.TooLargeException)) {
                return false;
            }
            LOG.warnf("Record %d of %s is too large for Kafka: %s", index, ref.uri(), cause.getMessage());
            deadLetterRecord(index, TOO_LARGE_FOR_KAFKA, cause.getMessage() + "; eventID " + eventId + ", "
                    + eventSource + " " + eventName, null, eventId);
            return true;
        }

        private static String text(RawRecord record) {
            return new String(record.bytes(), java.nio.charset.StandardCharsets.UTF_8);
        }

        private void deadLetterRecord(int index, String reason, String detail, String payload, String key) {
            Map<String, String> where = new LinkedHashMap<>(provenance);
            where.put("bucket", ref.bucket());
            where.put("key", ref.key());
            where.put("recordIndex", String.valueOf(index));
            var letter = DeadLetter.of(SERVICE, DeadLetterChannel.RECORDS.id(), reason, detail, clock.instant(), where, payload);
            pending.track(sink.deadLetter(DeadLetterChannel.RECORDS, letter, key), pending.deadLettered);
            metrics.deadLetter(DeadLetterChannel.RECORDS.id(), reason);
        }
    }

    /** Stops reading an object once Kafka refused one of its records. */
    private static final class PublishFailed extends RuntimeException {
        PublishFailed() {
            super(null, null, false, false);
        }
    }

    /** Acknowledgements still owed by Kafka for one object. */
    private static final class Pending {
        final AtomicLong published = new AtomicLong();
        final AtomicLong deadLettered = new AtomicLong();
        final AtomicLong foreign = new AtomicLong();
        final AtomicReference<String> foreignExample = new AtomicReference<>();
        private final AtomicLong outstanding = new AtomicLong(1);
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final CompletableFuture<Void> settled = new CompletableFuture<>();

        /** Tracks a stage counted in {@code counter}; its failure fails the object. */
        void track(CompletionStage<Void> stage, AtomicLong counter) {
            begin(counter);
            stage.whenComplete((ok, error) -> end(error));
        }

        /** Something counted in {@code counter} is under way: {@link #end} or {@link #absorbed} follows, once. */
        void begin(AtomicLong counter) {
            outstanding.incrementAndGet();
            counter.incrementAndGet();
        }

        /** Something under way ended: acknowledged (null), or failed, which fails the object. */
        void end(Throwable error) {
            if (error != null) {
                failure.compareAndSet(null, error);
            }
            release();
        }

        /** Something under way failed in a way that was taken care of: no failure of the object, and not counted. */
        void absorbed(AtomicLong counter) {
            counter.decrementAndGet();
            release();
        }

        private void release() {
            if (outstanding.decrementAndGet() == 0) {
                settled.complete(null);
            }
        }

        /** Waits for every acknowledgement; true when all came and none failed. */
        boolean await(Duration timeout) throws InterruptedException {
            release();
            try {
                settled.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                failure.compareAndSet(null, e);
                return false;
            }
            return failure.get() == null;
        }

        boolean failed() {
            return failure.get() != null;
        }

        String failureText() {
            Throwable t = failure.get();
            return t == null ? "timeout" : t.getMessage();
        }
    }
}

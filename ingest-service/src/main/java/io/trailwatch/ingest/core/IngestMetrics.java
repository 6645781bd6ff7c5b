package io.trailwatch.ingest.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ingest-service's meters. Tag values are bounded: envelope names, outcomes, reasons; never accounts, buckets or keys.
 */
public final class IngestMetrics {

    public static final String NOTIFICATIONS = "trailwatch.ingest.notifications";
    public static final String OBJECTS = "trailwatch.ingest.objects";
    public static final String RECORDS_PUBLISHED = "trailwatch.ingest.records.published";
    public static final String BYTES_READ = "trailwatch.ingest.bytes.read";
    public static final String DEAD_LETTERS = "trailwatch.ingest.dead.letters";
    public static final String OBJECT_LAG = "trailwatch.ingest.object.lag";
    public static final String OBJECTS_IN_FLIGHT = "trailwatch.ingest.objects.in.flight";
    public static final String SQS_ERRORS = "trailwatch.ingest.sqs.errors";
    public static final String DIGESTS = "trailwatch.ingest.digests";
    public static final String INTEGRITY_PROBLEMS = "trailwatch.ingest.integrity.problems";
    public static final String INTEGRITY_LOG_FILES = "trailwatch.ingest.integrity.log.files";
    public static final String INTEGRITY_NOT_CHECKED = "trailwatch.ingest.integrity.not.checked";
    public static final String EVENTBRIDGE_EVENTS = "trailwatch.ingest.eventbridge.events";
    public static final String EVENTBRIDGE_LAG = "trailwatch.ingest.eventbridge.lag";

    private final MeterRegistry registry;
    private final Counter recordsPublished;
    private final Counter compressedBytes;
    private final Counter decompressedBytes;
    private final Timer lag;
    private final Timer bridgedLag;
    private final AtomicInteger inFlight = new AtomicInteger();

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.recordsPublished = Counter.builder(RECORDS_PUBLISHED).description("CloudTrail records published as events")
                .register(registry);
        this.compressedBytes = Counter.builder(BYTES_READ).tag("kind", "compressed").baseUnit("bytes")
                .description("Bytes read from S3, and the bytes of JSON they decompressed to").register(registry);
        this.decompressedBytes = Counter.builder(BYTES_READ).tag("kind", "decompressed").baseUnit("bytes")
                .register(registry);
        this.lag = Timer.builder(OBJECT_LAG).description("From an object's LastModified to its ingestion's end")
                .publishPercentiles(0.5, 0.99).register(registry);
        this.bridgedLag = Timer.builder(EVENTBRIDGE_LAG).description("From a CloudTrail event's eventTime to its publication,"
                + " for events that came through EventBridge").publishPercentiles(0.5, 0.99).register(registry);
        registry.gauge(OBJECTS_IN_FLIGHT, inFlight);
    }

    /**
     * A CloudTrail event that came through EventBridge: outcome {@code published}, {@code dead-lettered},
     * {@code refused} or {@code retried}, with a bounded reason.
     */
    public void bridged(String outcome, String reason) {
        registry.counter(EVENTBRIDGE_EVENTS, "outcome", outcome, "reason", reason).increment();
    }

    /** From an EventBridge event's eventTime to its publication. */
    public void bridgedLag(Duration d) {
        if (!d.isNegative()) {
            bridgedLag.record(d);
        }
    }

    /** A notification, by envelope and outcome ({@code accepted}, {@code ignored}, {@code dead-lettered}). */
    public void notification(String envelope, String outcome) {
        registry.counter(NOTIFICATIONS, "envelope", envelope, "outcome", outcome).increment();
    }

    /**
     * An object's end: outcome {@code ingested}, {@code skipped}, {@code refused}, {@code failed} (dead-lettered) or
     * {@code retried} (left for redelivery), with a bounded reason.
     */
    public void object(String outcome, String reason) {
        registry.counter(OBJECTS, "outcome", outcome, "reason", reason).increment();
    }

    public void deadLetter(String channel, String reason) {
        registry.counter(DEAD_LETTERS, "channel", channel, "reason", reason).increment();
    }

    public void recordPublished() {
        recordsPublished.increment();
    }

    /** {@code n} records published (a log file's, counted in steps rather than one by one). */
    public void recordsPublished(int n) {
        recordsPublished.increment(n);
    }

    public void bytes(long compressed, long decompressed) {
        compressedBytes.increment(compressed);
        decompressedBytes.increment(decompressed);
    }

    public void lag(Duration d) {
        if (!d.isNegative()) {
            lag.record(d);
        }
    }

    public void sqsError(String operation) {
        registry.counter(SQS_ERRORS, "operation", operation).increment();
    }

    /** A digest validated: status {@code valid} or {@code invalid}. */
    public void digest(String status) {
        registry.counter(DIGESTS, "status", status).increment();
    }

    /** An integrity problem found (each also a finding), by reason. */
    public void integrityProblem(String reason) {
        registry.counter(INTEGRITY_PROBLEMS, "reason", reason).increment();
    }

    /** A log file hashed against its digest. */
    public void logFileChecked() {
        registry.counter(INTEGRITY_LOG_FILES).increment();
    }

    /** An object a digest names that was not checked, because it lies outside the configured sources. */
    public void integrityNotChecked(String reason) {
        registry.counter(INTEGRITY_NOT_CHECKED, "reason", reason).increment();
    }

    public AtomicInteger inFlight() {
        return inFlight;
    }
}

package io.trailwatch.ingest.outbound;

/** ingest-service's messaging channels; their topics are set in {@code application.properties}. */
public final class Channels {

    /** Events (each record as written), to {@code trailwatch.events.v3}. */
    public static final String EVENTS = "events";
    /** Completed objects, to the compacted {@code trailwatch.ingest.ledger.v1}. */
    public static final String LEDGER = "ledger";
    /** Dead letters, to {@code trailwatch.dlq.ingest.notifications}. */
    public static final String DLQ_NOTIFICATIONS = "dlq-notifications";
    /** Dead letters, to {@code trailwatch.dlq.ingest.objects}. */
    public static final String DLQ_OBJECTS = "dlq-objects";
    /** Dead letters, to {@code trailwatch.dlq.ingest.records}. */
    public static final String DLQ_RECORDS = "dlq-records";

    /** Digest validation outcomes, to {@code trailwatch.integrity.v1}. */
    public static final String INTEGRITY = "integrity";
    /** Integrity findings, to {@code trailwatch.findings.v1}. */
    public static final String FINDINGS = "findings";

    private Channels() {
    }
}

package io.trailwatch.model;

/**
 * Default names of Trailwatch's Kafka topics. Every name is configurable per service; these are the defaults the
 * services ship with and {@code docs/topics.md} documents.
 *
 * <p>Topics carrying public messages are named {@code trailwatch.<noun>.v<major>}: a change that breaks a consumer
 * gets a new major version and a new topic. Dead-letter topics are {@code trailwatch.dlq.<service>.<channel>}.
 */
public final class Topics {

    /**
     * CloudTrail events, one per record. Key: account id. Value: the record exactly as written in its log file; what
     * ingest-service read from it in headers ({@link Headers}). Consumers in Java decode it to a {@link CloudTrailEvent}
     * with {@code io.trailwatch.cloudtrail.EventMessages}.
     */
    public static final String EVENTS = "trailwatch.events.v3";

    /**
     * The second events topic: as {@link #EVENTS}, with the log file's bucket and key on every record. No longer
     * published; replaced by {@link #EVENTS} (docs/topics.md, "Migrating from trailwatch.events.v2").
     */
    public static final String EVENTS_V2 = "trailwatch.events.v2";

    /**
     * The first events topic: each record normalized into a {@link CloudTrailEvent}, the record repeated in its
     * {@code raw}. No longer published; replaced by {@link #EVENTS} (docs/topics.md, "Migrating from
     * trailwatch.events.v1").
     */
    public static final String EVENTS_V1 = "trailwatch.events.v1";

    /** Detections. Key: findingId. Value: {@link Finding}. */
    public static final String FINDINGS = "trailwatch.findings.v1";

    /** Audit of notification deliveries, one per finding and destination. Key: {@link Delivery#key()}. */
    public static final String DELIVERIES = "trailwatch.deliveries.v1";

    /** Compacted ledger of findings delivered per destination, so none is sent twice. Key: {@link Delivery#key()}. */
    public static final String NOTIFY_LEDGER = "trailwatch.notify.ledger.v1";

    /** Audit of remediations: invoked, dry-run, skipped, failed. Key: {@link Remediation#key()}. */
    public static final String REMEDIATIONS = "trailwatch.remediations.v1";

    /** Compacted ledger of remediations done per finding, so none runs twice. Key: {@link Remediation#key()}. */
    public static final String REMEDIATE_LEDGER = "trailwatch.remediate.ledger.v1";

    /** One record per CloudTrail digest file validated. Key: {@link IntegrityRecord#chain()}. Value: {@link IntegrityRecord}. */
    public static final String INTEGRITY = "trailwatch.integrity.v1";

    /** Compacted ledger of fully ingested S3 objects. Key: {@link IngestedObject#ledgerKey()}. */
    public static final String INGEST_LEDGER = "trailwatch.ingest.ledger.v1";

    /** SQS notification bodies ingest-service could not understand or refused. Value: {@link DeadLetter}. */
    public static final String DLQ_INGEST_NOTIFICATIONS = dlq("ingest", "notifications");

    /** S3 objects that can never be read as CloudTrail logs (corrupt, not JSON, too large). Value: {@link DeadLetter}. */
    public static final String DLQ_INGEST_OBJECTS = dlq("ingest", "objects");

    /** Single CloudTrail records that cannot be normalized (missing eventID, too large). Value: {@link DeadLetter}. */
    public static final String DLQ_INGEST_RECORDS = dlq("ingest", "records");

    /** Events detect-service could not read or evaluate. Key: the event's eventId when known. Value: {@link DeadLetter}. */
    public static final String DLQ_DETECT_EVENTS = dlq("detect", "events");

    /** Findings notify-service could not deliver to a destination within its retry budget. Value: {@link DeadLetter}. */
    public static final String DLQ_NOTIFY_DELIVERIES = dlq("notify", "deliveries");

    /** Records on the findings topic that notify-service could not read or handle. Value: {@link DeadLetter}. */
    public static final String DLQ_NOTIFY_FINDINGS = dlq("notify", "findings");

    /** Records on the findings topic that remediate-service could not read or handle. Value: {@link DeadLetter}. */
    public static final String DLQ_REMEDIATE_FINDINGS = dlq("remediate", "findings");

    /** Records on the findings topic that console-service could not read. Value: {@link DeadLetter}. */
    public static final String DLQ_CONSOLE_FINDINGS = dlq("console", "findings");
    /** Records on the deliveries topic that console-service could not read. Value: {@link DeadLetter}. */
    public static final String DLQ_CONSOLE_DELIVERIES = dlq("console", "deliveries");
    /** Records on the remediations topic that console-service could not read. Value: {@link DeadLetter}. */
    public static final String DLQ_CONSOLE_REMEDIATIONS = dlq("console", "remediations");
    /** Records on the integrity topic that console-service could not read. Value: {@link DeadLetter}. */
    public static final String DLQ_CONSOLE_INTEGRITY = dlq("console", "integrity");
    /**
     * remediate-service's own queue of remediations put off (a log file awaiting its digest, a function whose circuit
     * is open), each looked at again a while after it was written. Not a public API. Key:
     * {@code <remediation>|<findingId>}. Value: the {@link Finding}; headers say which remediation, why and until when.
     */
    public static final String REMEDIATE_DEFERRED = "trailwatch.remediate.deferred.v1";

    /**
     * notify-service's own queue of deliveries put off while their destination is down, each tried again a while after
     * it was written. Not a public API. Key: {@code <destination>|<findingId>}. Value: the {@link Finding}; headers say
     * which destination, why and until when.
     */
    public static final String NOTIFY_DEFERRED = "trailwatch.notify.deferred.v1";

    /**
     * notify-service's findings held for storm digests: the state of its grouping, from which a digest is assembled
     * when its window ends. Not a public API. Key: the window ({@code <destination>|<ruleId>[|<accountId>]}). Value: the
     * {@link Finding}; headers say which destination, route, window and window end.
     */
    public static final String NOTIFY_GROUPED = "trailwatch.notify.grouped.v1";

    /** The compacted control topic of remediate-service's kill switch. Key: {@code kill-switch}. */
    public static final String REMEDIATE_CONTROL = "trailwatch.remediate.control.v1";

    private Topics() {
    }

    /** The dead-letter topic of a service's channel: {@code trailwatch.dlq.<service>.<channel>}. */
    public static String dlq(String service, String channel) {
        return "trailwatch.dlq." + service + "." + channel;
    }
}

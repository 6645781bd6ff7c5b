package io.trailwatch.ingest.core;

/** An SQS message body that is no notification ingest-service understands; it goes to the dead-letter topic. */
public final class InvalidNotificationException extends Exception {

    /** Bounded reasons. */
    public static final String NOT_JSON = "not-json";
    public static final String UNKNOWN_ENVELOPE = "unknown-envelope";
    public static final String MALFORMED_ENVELOPE = "malformed-envelope";
    /** An EventBridge event that is not CloudTrail's (nor an S3 Object Created), or CloudTrail's from a foreign source. */
    public static final String FOREIGN_EVENT = "foreign-event";

    private final String reason;
    private final String envelope;

    public InvalidNotificationException(String reason, String envelope, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
        this.envelope = envelope;
    }

    public String reason() {
        return reason;
    }

    /** The envelope as far as it was recognized, a metric tag. */
    public String envelope() {
        return envelope;
    }
}

package io.trailwatch.model;

/**
 * Kafka header names. Identity travels in the CloudEvents Kafka protocol binding (binary content mode) headers;
 * Trailwatch's own headers are prefixed {@code tw_}. All header values are UTF-8 strings.
 */
public final class Headers {

    /** CloudEvents: the event id. For events: the CloudTrail eventID. */
    public static final String CE_ID = "ce_id";
    /** CloudEvents: the event type, e.g. {@link CloudTrailEvent#CE_TYPE}. */
    public static final String CE_TYPE = "ce_type";
    /** CloudEvents: the context in which the event happened, e.g. {@code /aws/cloudtrail/123456789012/us-east-1}. */
    public static final String CE_SOURCE = "ce_source";
    /** CloudEvents: when the occurrence happened, RFC 3339. */
    public static final String CE_TIME = "ce_time";
    /** CloudEvents: the spec version, always {@link #CE_SPECVERSION_1_0}. */
    public static final String CE_SPECVERSION = "ce_specversion";
    /** CloudEvents binary mode: the media type of the value. */
    public static final String CONTENT_TYPE = "content-type";

    public static final String CE_SPECVERSION_1_0 = "1.0";
    public static final String APPLICATION_JSON = "application/json";

    /** Version of the value's JSON Schema within the topic's major version, e.g. {@code 1}. */
    public static final String SCHEMA_VERSION = "tw_schema_version";

    /**
     * Provenance: the S3 bucket the record was read from. On {@link Topics#EVENTS}, only on the first record of a log
     * file published for its key (the account); every record of the file has {@link #LOG_FILE}.
     */
    public static final String S3_BUCKET = "tw_s3_bucket";
    /** Provenance: the S3 object key the record was read from; where it is, as {@link #S3_BUCKET}. */
    public static final String S3_KEY = "tw_s3_key";
    /**
     * Provenance: the log file the record was read from, as a short id of its bucket and key (12 characters,
     * base64url): on every record of a log file. The file's first record for its key carries the bucket and key
     * themselves; a consumer keeps id to bucket and key from there (docs/topics.md, "Which log file").
     */
    public static final String LOG_FILE = "tw_log_file";
    /** Provenance: the 0-based index of the record in the log file's {@code Records} array. */
    public static final String RECORD_INDEX = "tw_record_index";

    /**
     * Provenance: whether the record's account was checked against its log file's key, {@link EventOrigin#VERIFIED}
     * or {@link EventOrigin#UNVERIFIABLE}.
     */
    public static final String ACCOUNT_CHECK = "tw_account_check";

    /**
     * Provenance: how the event came: {@link EventOrigin#VIA_EVENTBRIDGE}; absent, or {@link EventOrigin#VIA_LOG_FILE}
     * on topics before {@link Topics#EVENTS}, for a record read from a log file. The same event (the same
     * {@link #CE_ID}) may come both ways: see docs/topics.md, "Two copies of an event".
     */
    public static final String VIA = "tw_via";
    /** Provenance: the {@code id} of the EventBridge event an event came in. */
    public static final String EVENTBRIDGE_ID = "tw_eventbridge_id";

    /** Dead letters: the machine-readable reason, one of a bounded set (see {@link DeadLetter#reason()}). */
    public static final String DLQ_REASON = "tw_dlq_reason";
    /** Dead letters: the service that dead-lettered the message. */
    public static final String DLQ_SERVICE = "tw_dlq_service";

    private Headers() {
    }
}

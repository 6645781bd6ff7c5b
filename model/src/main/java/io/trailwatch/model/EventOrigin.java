package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where an event came from and what ingest-service could check about it: part of {@link CloudTrailEvent} (field
 * {@code origin}), and so of every finding's evidence.
 *
 * @param bucket        the log file's bucket; null for an event that came through EventBridge
 * @param key           the log file's key; null for an event that came through EventBridge
 * @param accountCheck  {@value #VERIFIED}: the record's {@code recipientAccountId} is the account its carrier vouches
 *                      for: the account in its log file's key (CloudTrail's layout), or the {@code account} of the
 *                      EventBridge event it came in (a record naming another account is never published);
 *                      {@value #UNVERIFIABLE}: the key is not in CloudTrail's layout, so the account cannot be checked
 * @param via           {@value #VIA_LOG_FILE} (the durable copy, which digests validate) or {@value #VIA_EVENTBRIDGE}
 *                      (the near-real-time copy, minutes earlier); absent in events published before there were two
 * @param eventBridgeId the EventBridge event's {@code id}, for an event that came through EventBridge
 * @param logFile       the log file's id ({@code tw_log_file} on {@link Topics#EVENTS}), for an event read from a log
 *                      file; absent in events published before there was one. A consumer that did not see the file's
 *                      first record (which names the bucket and key) knows the file by this alone
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EventOrigin(String bucket, String key, String accountCheck, String via, String eventBridgeId, String logFile) {

    public static final String VERIFIED = "verified";
    public static final String UNVERIFIABLE = "unverifiable";
    /** The event was read from a log file in S3. */
    public static final String VIA_LOG_FILE = "log-file";
    /** The event came through EventBridge ("AWS API Call via CloudTrail" and the other CloudTrail detail types). */
    public static final String VIA_EVENTBRIDGE = "eventbridge";

    /** An event read from a log file. */
    public EventOrigin(String bucket, String key, String accountCheck) {
        this(bucket, key, accountCheck, VIA_LOG_FILE, null, null);
    }

    /**
     * An event read from a log file known by its id; {@code bucket} and {@code key} are null where the message did not
     * name them (every record of a file but its first).
     */
    public static EventOrigin logFile(String bucket, String key, String accountCheck, String logFile) {
        return new EventOrigin(bucket, key, accountCheck, VIA_LOG_FILE, null, logFile);
    }

    /** An event that came through EventBridge, as the EventBridge event {@code id}. */
    public static EventOrigin eventBridge(String eventBridgeId, String accountCheck) {
        return new EventOrigin(null, null, accountCheck, VIA_EVENTBRIDGE, eventBridgeId, null);
    }

    /** This origin, with its log file's bucket and key as a consumer found them by {@link #logFile()}. */
    public EventOrigin in(String bucket, String key) {
        return new EventOrigin(bucket, key, accountCheck, via, eventBridgeId, logFile);
    }

    /** Whether the event's account was checked against its carrier (its log file's key, or its EventBridge event). */
    public boolean accountVerified() {
        return VERIFIED.equals(accountCheck);
    }

    /** Whether the event came through EventBridge rather than from a log file. */
    public boolean viaEventBridge() {
        return VIA_EVENTBRIDGE.equals(via);
    }
}

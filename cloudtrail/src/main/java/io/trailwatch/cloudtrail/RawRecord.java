package io.trailwatch.cloudtrail;

/**
 * One CloudTrail record as written in its log file, with the few fields a publisher needs read on the way (never a
 * tree): its identity, time and account. A field is the last occurrence of its name in the record (as a tree would
 * keep it), as text for any scalar, null when absent, null or not a scalar.
 *
 * @param bytes              the record's JSON, exactly the bytes of the file from its '{' to its '}' (UTF-8)
 * @param eventId            {@code eventID}
 * @param eventTime          {@code eventTime}, as written
 * @param eventSource        {@code eventSource}
 * @param eventName          {@code eventName}
 * @param awsRegion          {@code awsRegion}
 * @param recipientAccountId {@code recipientAccountId}
 * @param principalAccountId {@code userIdentity.accountId}
 */
public record RawRecord(byte[] bytes, String eventId, String eventTime, String eventSource, String eventName,
                        String awsRegion, String recipientAccountId, String principalAccountId) {
}

package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where an event came from and what ingest-service could check about it: part of {@link CloudTrailEvent} (field
 * {@code origin}), and so of every finding's evidence.
 *
 * @param bucket       the log file's bucket
 * @param key          the log file's key
 * @param accountCheck {@value #VERIFIED}: the key is in CloudTrail's layout and the record's {@code recipientAccountId}
 *                     is its account (a record naming another account is never published);
 *                     {@value #UNVERIFIABLE}: the key is not in CloudTrail's layout, so the account cannot be checked
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record EventOrigin(String bucket, String key, String accountCheck) {

    public static final String VERIFIED = "verified";
    public static final String UNVERIFIABLE = "unverifiable";

    /** Whether the event's account was checked against its log file's key. */
    public boolean accountVerified() {
        return VERIFIED.equals(accountCheck);
    }
}

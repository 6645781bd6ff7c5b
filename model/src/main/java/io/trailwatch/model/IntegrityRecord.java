package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.time.Instant;
import java.util.List;

/**
 * The outcome of validating one CloudTrail digest file: the value of topic {@link Topics#INTEGRITY}
 * ({@code trailwatch.integrity.v1}).
 *
 * <p><b>Contract.</b> Key: {@link #chain()} ({@code account/region/trail}), so one trail's digests stay in order.
 * Value: this record as JSON, validated by {@code schemas/trailwatch.integrity.v1/v1.schema.json}. Headers:
 * {@code content-type}, {@code tw_schema_version} = {@value #SCHEMA_VERSION}. Null fields are omitted; within v1
 * fields are only added. Every problem also gives a finding (category {@value #CATEGORY}) on the findings topic.
 *
 * @param digestBucket         the digest's bucket
 * @param digestKey            the digest's key
 * @param accountId            the account it covers
 * @param region               its region
 * @param trailName            its trail
 * @param digestStartTime      the start of the hour it covers
 * @param digestEndTime        its end
 * @param publicKeyFingerprint the fingerprint of the key that signed it
 * @param status               {@value #VALID} when the signature, the link to the previous digest and every log file
 *                             check out; {@value #INVALID} when there are problems; {@value #UNVERIFIED} when there
 *                             are none but something could not be checked (see {@code notChecked})
 * @param chainStart           the digest starts a chain (no previous digest: the trail's first, or the first after
 *                             validation was turned on)
 * @param backfill             a backfill digest (log files CloudTrail delivered late)
 * @param previousDigestKey    the previous digest's key, when there is one
 * @param logFiles             log files the digest lists
 * @param logFilesVerified     of those, present with the hash the digest gives
 * @param problems             what is wrong, empty when valid
 * @param notChecked           what could not be checked, for reasons that are no tampering; null when everything was
 * @param verifiedLogFiles     the log files of {@code logFilesVerified}, as {@code s3://bucket/key}: present with the
 *                             hash a digest signed by CloudTrail gives (what remediate-service waits for when a
 *                             remediation requires a validated digest); absent when there are none, or when the
 *                             digest is not where it says it was delivered
 * @param checkedAt            when the check ended
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record IntegrityRecord(
        String digestBucket,
        String digestKey,
        String accountId,
        String region,
        String trailName,
        Instant digestStartTime,
        Instant digestEndTime,
        String publicKeyFingerprint,
        String status,
        boolean chainStart,
        boolean backfill,
        String previousDigestKey,
        int logFiles,
        int logFilesVerified,
        List<Problem> problems,
        List<NotChecked> notChecked,
        List<String> verifiedLogFiles,
        Instant checkedAt) {

    public static final String VALID = "valid";
    public static final String INVALID = "invalid";
    public static final String UNVERIFIED = "unverified";
    /** The category of the findings integrity problems give. */
    public static final String CATEGORY = "cloudtrail-tampering";
    /** The schema version within {@code trailwatch.integrity.v1}. */
    public static final String SCHEMA_VERSION = "1";

    /** The Kafka key: {@code account/region/trail}. */
    public String chain() {
        return accountId + "/" + region + "/" + trailName;
    }

    /**
     * An object that was not checked, and why: no tampering, but no assurance either.
     *
     * @param reason {@code outside-sources} (a log file or previous digest in a bucket or prefix this deployment may not
     *               read), {@code too-large} (beyond the configured size caps), {@code public-key-lookup-refused}
     *               (CloudTrail refused ListPublicKeys, e.g. access denied, so the digest's signature was not checked)
     * @param bucket the bucket of the object
     * @param key    its key
     * @param detail why, in words
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record NotChecked(String reason, String bucket, String key, String detail) {

        public static final String OUTSIDE_SOURCES = "outside-sources";
        public static final String TOO_LARGE = "too-large";
        public static final String KEY_LOOKUP_REFUSED = "public-key-lookup-refused";
    }

    /**
     * One thing found wrong.
     *
     * @param reason         {@code log-file-deleted}, {@code log-file-modified}, {@code digest-missing},
     *                       {@code digest-modified}, {@code digest-signature-invalid}, {@code public-key-not-found},
     *                       {@code digest-unreadable} or {@code digest-location-mismatch}; findings (not
     *                       integrity records) also use {@code account-mismatch} and {@code bucket-owner-mismatch}
     * @param bucket         the bucket of the object concerned
     * @param key            its key: the log file, the previous digest, or this digest
     * @param detail         what was expected and what was found, in words
     * @param expectedSha256 the hash the digest gives, for a modified file
     * @param actualSha256   the hash found, for a modified file
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Problem(String reason, String bucket, String key, String detail, String expectedSha256,
                          String actualSha256) {

        public static final String LOG_FILE_DELETED = "log-file-deleted";
        public static final String LOG_FILE_MODIFIED = "log-file-modified";
        public static final String DIGEST_MISSING = "digest-missing";
        public static final String DIGEST_MODIFIED = "digest-modified";
        public static final String SIGNATURE_INVALID = "digest-signature-invalid";
        public static final String KEY_NOT_FOUND = "public-key-not-found";
        public static final String DIGEST_UNREADABLE = "digest-unreadable";
        public static final String LOCATION_MISMATCH = "digest-location-mismatch";
        /**
         * Provenance, checked on every log file (not in digests' records): records whose {@code recipientAccountId}
         * is not the account in the file's key; they were not published.
         */
        public static final String ACCOUNT_MISMATCH = "account-mismatch";
        /** Provenance: S3 refused the object under {@code expectedBucketOwner}; nothing was read. */
        public static final String BUCKET_OWNER_MISMATCH = "bucket-owner-mismatch";

        /** {@code s3://bucket/key} */
        public String uri() {
            return "s3://" + bucket + "/" + key;
        }
    }
}

package io.trailwatch.cloudtrail.digest;

import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.NotChecked;
import io.trailwatch.model.IntegrityRecord.Problem;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** What verifying one digest found ({@link DigestVerifier}): its problems, what was not checked, what was verified. */
public final class DigestCheck {

    private final String bucket;
    private final String key;
    private final Instant lastModified;
    private final DigestName name;
    private final DigestFile digest;
    private final List<Problem> problems = new ArrayList<>();
    private final List<NotChecked> notChecked = new ArrayList<>();
    private final List<String> verifiedFiles = new ArrayList<>();
    private int hashed;

    /**
     * @param lastModified when the digest object was written, or null
     * @param digest       the parsed digest, or null when it is none
     */
    public DigestCheck(String bucket, String key, Instant lastModified, DigestName name, DigestFile digest) {
        this.bucket = bucket;
        this.key = key;
        this.lastModified = lastModified;
        this.name = name;
        this.digest = digest;
    }

    public String bucket() {
        return bucket;
    }

    public String key() {
        return key;
    }

    public DigestName name() {
        return name;
    }

    /** The parsed digest; null when the object is no digest. */
    public DigestFile digest() {
        return digest;
    }

    public List<Problem> problems() {
        return List.copyOf(problems);
    }

    public List<NotChecked> notChecked() {
        return List.copyOf(notChecked);
    }

    /** Log files whose SHA-256 matched. */
    public int verified() {
        return verifiedFiles.size();
    }

    /**
     * Log files whose SHA-256 matched, as {@code s3://bucket/key}; none when the digest is not where it says it was
     * delivered (its signature then vouches for another object's contents).
     */
    public List<String> verifiedLogFiles() {
        boolean misplaced = problems.stream().anyMatch(p -> p.reason().equals(Problem.LOCATION_MISMATCH));
        return misplaced ? List.of() : List.copyOf(verifiedFiles);
    }

    /** Log files read and hashed. */
    public int hashed() {
        return hashed;
    }

    /** When the problems happened, as far as anyone can tell: the digest's end, else when the object was written. */
    public Instant when() {
        Instant when = digest != null ? digest.endTime() : lastModified;
        return when == null ? Instant.EPOCH : when;
    }

    void problem(String reason, String bucket, String key, String detail) {
        problem(reason, bucket, key, detail, null, null);
    }

    void problem(String reason, String bucket, String key, String detail, String expected, String actual) {
        problems.add(new Problem(reason, bucket, key, detail, expected == null ? null : expected.toLowerCase(Locale.ROOT), actual));
    }

    void notChecked(String reason, String bucket, String key, String detail) {
        notChecked.add(new NotChecked(reason, bucket, key, detail));
    }

    void verifiedLogFile(String bucket, String key) {
        verifiedFiles.add("s3://" + bucket + "/" + key);
    }

    void hashedLogFile() {
        hashed++;
    }

    /** The record of this check for the integrity topic. */
    public IntegrityRecord record(Instant now) {
        Instant end = digest == null ? null : digest.endTime();
        return new IntegrityRecord(bucket, key, name.accountId(), name.region(), name.trailName(),
                digest == null ? null : digest.digestStartTime(), end,
                digest == null ? null : digest.digestPublicKeyFingerprint(),
                !problems.isEmpty() ? IntegrityRecord.INVALID : notChecked.isEmpty() ? IntegrityRecord.VALID : IntegrityRecord.UNVERIFIED,
                digest != null && digest.startsChain(), name.backfill(),
                digest == null ? null : digest.previousDigestS3Object(),
                digest == null ? 0 : digest.logFiles().size(), verified(), List.copyOf(problems),
                notChecked.isEmpty() ? null : List.copyOf(notChecked),
                verifiedLogFiles().isEmpty() ? null : verifiedLogFiles(), now);
    }
}

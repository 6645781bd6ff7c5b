package io.trailwatch.cloudtrail.digest;

import io.trailwatch.cloudtrail.Gunzip;
import io.trailwatch.model.IntegrityRecord.NotChecked;
import io.trailwatch.model.IntegrityRecord.Problem;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipException;

/**
 * Verifies one CloudTrail digest, as AWS documents it and {@code aws cloudtrail validate-logs} does:
 * <ol>
 *   <li>the digest is where it says it is, and its signature ({@code x-amz-meta-signature}) verifies with CloudTrail's
 *       public key for its fingerprint;</li>
 *   <li>the previous digest it names exists, and its signature and SHA-256 are the ones this digest carries: a
 *       deleted or rewritten digest breaks the chain here;</li>
 *   <li>every log file it lists exists, and the SHA-256 of its uncompressed content is the listed one (streamed, never
 *       held whole).</li>
 * </ol>
 * When the signature does not verify, nothing the digest says is trusted, so neither the chain nor the log files are
 * checked against it. Plain Java: objects come from a {@link Store}, keys from {@link Keys}; what it found is a
 * {@link DigestCheck}. Thread-safe.
 */
public final class DigestVerifier {

    /** Where the digests and the log files they name are (S3). */
    public interface Store {
        /**
         * Opens an object (its latest version when {@code versionId} is null).
         *
         * @throws Missing     it does not exist
         * @throws IOException reading failed; worth a retry
         */
        StoredObject open(String bucket, String key, String versionId) throws Missing, IOException;

        /** Whether the deployment may read the object at all (its configured sources). */
        boolean mayRead(String bucket, String key);
    }

    /**
     * An object being read.
     *
     * @param metadata its user metadata, names in lower case without {@code x-amz-meta-}
     */
    public record StoredObject(InputStream body, String etag, String versionId, Map<String, String> metadata)
            implements Closeable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** CloudTrail's public keys. */
    @FunctionalInterface
    public interface Keys {
        /**
         * The key with this fingerprint for a region, or empty when none is known.
         *
         * @throws KeyLookupRefused CloudTrail refused to list its keys: retrying will not help
         * @throws IOException      asking CloudTrail failed; worth a retry
         */
        Optional<PublicKeys.Entry> find(String region, String fingerprint, Instant at) throws IOException;
    }

    /** The key lookup cannot succeed, for a reason that is no tampering: a configuration or permission problem. */
    public static class KeyLookupRefused extends IOException {
        public KeyLookupRefused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The object does not exist. */
    public static final class Missing extends Exception {
        public Missing(String message) {
            super(message, null, false, false);
        }
    }

    /** S3 or CloudTrail could not be reached: nothing is concluded, try again later. */
    public static final class Unavailable extends Exception {
        private final String reason;

        Unavailable(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }

        /** {@code s3-error} or {@code cloudtrail-error}. */
        public String reason() {
            return reason;
        }
    }

    /**
     * A digest read whole: its uncompressed content, or why it has none.
     *
     * @param content    the uncompressed JSON (empty when unreadable)
     * @param unreadable why it cannot be read, or null
     * @param tooLarge   it decompresses beyond the cap
     */
    public record Fetched(byte[] content, String etag, String versionId, Map<String, String> metadata, String unreadable,
                         boolean tooLarge) {
    }

    private record Hashed(String sha256, String unreadable, boolean tooLarge) {
    }

    private final Store store;
    private final Keys keys;
    private final long maxDigestBytes;
    private final long maxLogBytes;

    /**
     * @param maxDigestBytes the most bytes a digest may decompress to
     * @param maxLogBytes    the most bytes a log file may decompress to while it is hashed
     */
    public DigestVerifier(Store store, Keys keys, long maxDigestBytes, long maxLogBytes) {
        this.store = store;
        this.keys = keys;
        this.maxDigestBytes = maxDigestBytes;
        this.maxLogBytes = maxLogBytes;
    }

    /**
     * Reads a digest (gzip JSON) whole, under the cap; an unreadable one comes back with the reason.
     *
     * @throws Missing     it does not exist
     * @throws Unavailable S3 failed; retry
     */
    public Fetched fetch(String bucket, String key, String versionId) throws Missing, Unavailable {
        StoredObject object = open(bucket, key, versionId);
        try (object; Gunzip in = Gunzip.open(object.body(), maxDigestBytes, true)) {
            return new Fetched(in.readAllBytes(), object.etag(), object.versionId(), object.metadata(), null, false);
        } catch (Gunzip.CapExceeded e) {
            return new Fetched(new byte[0], object.etag(), object.versionId(), object.metadata(),
                    "decompresses to more than " + maxDigestBytes + " bytes", true);
        } catch (ZipException | EOFException e) {
            return new Fetched(new byte[0], object.etag(), object.versionId(), object.metadata(),
                    "corrupt or truncated gzip (" + e.getMessage() + ")", false);
        } catch (IOException e) {
            throw new Unavailable("s3-error", "reading s3://" + bucket + "/" + key + " failed: " + e.getMessage());
        }
    }

    /**
     * Verifies a fetched digest at {@code bucket}/{@code key}, named {@code name}.
     *
     * @throws Unavailable S3 or CloudTrail failed; retry
     */
    public DigestCheck verify(String bucket, String key, Instant lastModified, DigestName name, Fetched fetched)
            throws Unavailable {
        if (fetched.tooLarge()) {
            var check = new DigestCheck(bucket, key, lastModified, name, null);
            check.notChecked(NotChecked.TOO_LARGE, bucket, key, "the digest " + fetched.unreadable()
                    + " (trailwatch.ingest.integrity.max-digest-bytes)");
            return check;
        }
        if (fetched.unreadable() != null) {
            var check = new DigestCheck(bucket, key, lastModified, name, null);
            check.problem(Problem.DIGEST_UNREADABLE, bucket, key, "the digest file is not gzip-compressed JSON: "
                    + fetched.unreadable());
            return check;
        }
        DigestFile digest;
        try {
            digest = DigestFile.parse(fetched.content());
        } catch (DigestFile.InvalidDigestException e) {
            var check = new DigestCheck(bucket, key, lastModified, name, null);
            check.problem(Problem.DIGEST_UNREADABLE, bucket, key, "the digest file is no CloudTrail digest: " + e.getMessage());
            return check;
        }
        var check = new DigestCheck(bucket, key, lastModified, name, digest);
        if (!digest.digestS3Bucket().equals(bucket) || !digest.digestS3Object().equals(key)) {
            check.problem(Problem.LOCATION_MISMATCH, bucket, key, "the digest says it was delivered to s3://"
                    + digest.digestS3Bucket() + "/" + digest.digestS3Object() + ", not where it is");
        }
        if (!signatureVerifies(check, fetched)) {
            return check;
        }
        if (!digest.startsChain()) {
            checkPrevious(check);
        }
        for (DigestFile.LogFile file : digest.logFiles()) {
            checkLogFile(check, file);
        }
        return check;
    }

    private boolean signatureVerifies(DigestCheck check, Fetched fetched) throws Unavailable {
        DigestFile digest = check.digest();
        String bucket = check.bucket();
        String key = check.key();
        String signature = fetched.metadata().get(DigestSignature.METADATA_SIGNATURE);
        String metadataAlgorithm = fetched.metadata().get(DigestSignature.METADATA_ALGORITHM);
        if (signature == null || signature.isBlank()) {
            check.problem(Problem.SIGNATURE_INVALID, bucket, key, "the digest object carries no signature (x-amz-meta-signature)");
            return false;
        }
        if (!DigestFile.SIGNATURE_ALGORITHM.equals(digest.digestSignatureAlgorithm())
                || (metadataAlgorithm != null && !DigestFile.SIGNATURE_ALGORITHM.equals(metadataAlgorithm))) {
            check.problem(Problem.SIGNATURE_INVALID, bucket, key, "the digest names signature algorithm "
                    + digest.digestSignatureAlgorithm() + " (metadata: " + metadataAlgorithm + "); CloudTrail signs with "
                    + DigestFile.SIGNATURE_ALGORITHM);
            return false;
        }
        Instant end = digest.endTime(); // DigestFile.parse checked it
        Optional<PublicKeys.Entry> publicKey;
        try {
            publicKey = keys.find(check.name().region(), digest.digestPublicKeyFingerprint(), end);
        } catch (KeyLookupRefused e) {
            check.notChecked(NotChecked.KEY_LOOKUP_REFUSED, bucket, key, e.getMessage());
            return false;
        } catch (IOException e) {
            throw new Unavailable("cloudtrail-error", e.getMessage());
        }
        if (publicKey.isEmpty()) {
            check.problem(Problem.KEY_NOT_FOUND, bucket, key, "no CloudTrail public key in " + check.name().region()
                    + " has fingerprint " + digest.digestPublicKeyFingerprint() + " at " + end);
            return false;
        }
        String signingString = DigestSignature.signingString(digest, DigestSignature.sha256Hex(fetched.content()));
        if (!DigestSignature.verify(publicKey.get().key(), signingString, signature)) {
            check.problem(Problem.SIGNATURE_INVALID, bucket, key, "the signature does not verify with CloudTrail's public key "
                    + publicKey.get().fingerprint() + ": the digest or its metadata was changed");
            return false;
        }
        return true;
    }

    private void checkPrevious(DigestCheck check) throws Unavailable {
        DigestFile digest = check.digest();
        String bucket = digest.previousDigestS3Bucket();
        String key = digest.previousDigestS3Object();
        if (!store.mayRead(bucket, key)) {
            check.notChecked(NotChecked.OUTSIDE_SOURCES, bucket, key,
                    "the previous digest lies outside the configured sources (trailwatch.ingest.sources)");
            return;
        }
        Fetched previous;
        try {
            previous = fetch(bucket, key, null);
        } catch (Missing e) {
            check.problem(Problem.DIGEST_MISSING, bucket, key, "the previous digest in the chain does not exist: it was "
                    + "deleted, or never delivered (named by the digest of " + digest.digestEndTime() + ")");
            return;
        }
        if (previous.tooLarge()) {
            check.notChecked(NotChecked.TOO_LARGE, bucket, key, "the previous digest " + previous.unreadable());
            return;
        }
        if (previous.unreadable() != null) {
            check.problem(Problem.DIGEST_MODIFIED, bucket, key, "the previous digest is no longer gzip-compressed JSON: "
                    + previous.unreadable());
            return;
        }
        String signature = previous.metadata().get(DigestSignature.METADATA_SIGNATURE);
        String hash = DigestSignature.sha256Hex(previous.content());
        if (!hash.equalsIgnoreCase(digest.previousDigestHashValue())) {
            check.problem(Problem.DIGEST_MODIFIED, bucket, key, "the previous digest's SHA-256 is not the one the next "
                    + "digest gives: its content was changed", digest.previousDigestHashValue(), hash);
        } else if (signature == null || !signature.trim().equalsIgnoreCase(digest.previousDigestSignature())) {
            check.problem(Problem.DIGEST_MODIFIED, bucket, key, "the previous digest's signature metadata is not the one "
                    + "the next digest gives: the object was rewritten");
        }
    }

    private void checkLogFile(DigestCheck check, DigestFile.LogFile file) throws Unavailable {
        if (!store.mayRead(file.s3Bucket(), file.s3Object())) {
            check.notChecked(NotChecked.OUTSIDE_SOURCES, file.s3Bucket(), file.s3Object(),
                    "the log file lies outside the configured sources (trailwatch.ingest.sources)");
            return;
        }
        Hashed hashed;
        try {
            hashed = hash(file.s3Bucket(), file.s3Object());
        } catch (Missing e) {
            check.problem(Problem.LOG_FILE_DELETED, file.s3Bucket(), file.s3Object(),
                    "the digest lists this log file, and S3 no longer has it");
            return;
        }
        if (hashed.tooLarge()) {
            check.notChecked(NotChecked.TOO_LARGE, file.s3Bucket(), file.s3Object(), "the log file " + hashed.unreadable()
                    + " (trailwatch.ingest.caps.max-decompressed-bytes)");
            return;
        }
        if (hashed.unreadable() != null) {
            check.problem(Problem.LOG_FILE_MODIFIED, file.s3Bucket(), file.s3Object(),
                    "the log file is no longer what CloudTrail wrote: " + hashed.unreadable(), file.hashValue(), null);
        } else if (!hashed.sha256().equalsIgnoreCase(file.hashValue())) {
            check.problem(Problem.LOG_FILE_MODIFIED, file.s3Bucket(), file.s3Object(),
                    "the log file's SHA-256 is not the one the digest gives", file.hashValue(), hashed.sha256());
        } else {
            check.verifiedLogFile(file.s3Bucket(), file.s3Object());
        }
        check.hashedLogFile();
    }

    /** Streams a log file through gunzip into SHA-256. */
    private Hashed hash(String bucket, String key) throws Missing, Unavailable {
        StoredObject object = open(bucket, key, null);
        MessageDigest sha = DigestSignature.sha256();
        try (object; Gunzip in = Gunzip.open(object.body(), maxLogBytes, true)) {
            byte[] buffer = new byte[Gunzip.BUFFER];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
            return new Hashed(DigestSignature.hex(sha.digest()), null, false);
        } catch (Gunzip.CapExceeded e) {
            return new Hashed(null, "decompresses to more than " + maxLogBytes + " bytes", true);
        } catch (ZipException | EOFException e) {
            return new Hashed(null, "corrupt or truncated gzip (" + e.getMessage() + ")", false);
        } catch (IOException e) {
            throw new Unavailable("s3-error", "reading s3://" + bucket + "/" + key + " failed: " + e.getMessage());
        }
    }

    private StoredObject open(String bucket, String key, String versionId) throws Missing, Unavailable {
        try {
            return store.open(bucket, key, versionId);
        } catch (IOException | RuntimeException e) {
            throw new Unavailable("s3-error", "opening s3://" + bucket + "/" + key + " failed: " + e.getMessage());
        }
    }
}

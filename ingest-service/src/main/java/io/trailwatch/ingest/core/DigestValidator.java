package io.trailwatch.ingest.core;

import io.trailwatch.messaging.ledger.Ledger;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.LogKey;
import io.trailwatch.cloudtrail.digest.DigestFile;
import io.trailwatch.cloudtrail.digest.DigestName;
import io.trailwatch.cloudtrail.digest.DigestSignature;
import io.trailwatch.cloudtrail.digest.PublicKeys;
import io.trailwatch.ingest.core.EventSink.DeadLetterChannel;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IngestedObject;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.NotChecked;
import io.trailwatch.model.IntegrityRecord.Problem;
import org.jboss.logging.Logger;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Validates one CloudTrail digest, as AWS documents it and {@code aws cloudtrail validate-logs} does, but as each
 * digest arrives:
 * <ol>
 *   <li>the digest is where it says it is, and its signature ({@code x-amz-meta-signature}) verifies with CloudTrail's
 *       public key for its fingerprint and time;</li>
 *   <li>the previous digest it names exists, and its signature and SHA-256 are the ones this digest carries: a
 *       deleted or rewritten digest breaks the chain here;</li>
 *   <li>every log file it lists exists, and the SHA-256 of its uncompressed content is the listed one.</li>
 * </ol>
 * The outcome goes to the integrity topic, every problem also as a critical {@code cloudtrail-tampering} finding, and
 * the digest into the ledger. A failure to reach S3, CloudTrail or Kafka leaves the notification for redelivery.
 * When the signature does not verify, nothing the digest says is trusted, so neither the chain nor the log files are
 * checked against it. Thread-safe.
 */
public final class DigestValidator {

    /** The eventSource and eventType of the evidence an integrity finding carries: no CloudTrail record, a check. */
    public static final String EVIDENCE_SOURCE = "trailwatch.integrity";
    public static final String EVIDENCE_TYPE = "TrailwatchIntegrityCheck";

    private static final Logger LOG = Logger.getLogger(DigestValidator.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICE = "ingest";
    private static final String DOCS =
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-validation-intro.html";

    private final Admission admission;
    private final ObjectSource source;
    private final EventSink sink;
    private final Ledger ledger;
    private final PublicKeySource keys;
    private final IngestMetrics metrics;
    private final long maxDigestBytes;
    private final long maxLogBytes;
    private final Duration publishTimeout;
    private final Clock clock;

    /**
     * @param maxDigestBytes the most bytes a digest may decompress to
     * @param maxLogBytes    the most bytes a log file may decompress to while it is hashed
     */
    public DigestValidator(Admission admission, ObjectSource source, EventSink sink, Ledger ledger, PublicKeySource keys,
                           IngestMetrics metrics, long maxDigestBytes, long maxLogBytes, Duration publishTimeout,
                           Clock clock) {
        this.admission = admission;
        this.source = source;
        this.sink = sink;
        this.ledger = ledger;
        this.keys = keys;
        this.metrics = metrics;
        this.maxDigestBytes = maxDigestBytes;
        this.maxLogBytes = maxLogBytes;
        this.publishTimeout = publishTimeout;
        this.clock = clock;
    }

    /** Validates the digest at {@code ref}, whose key has CloudTrail's layout. */
    public ObjectIngestor.Outcome validate(ObjectRef ref, LogKey layout, Map<String, String> provenance)
            throws InterruptedException {
        if (ref.etag() != null && ledger.contains(IngestedObject.ledgerKey(ref.bucket(), ref.key(), ref.etag(), ref.versionId()))) {
            metrics.object("skipped", "already-validated");
            return ObjectIngestor.Outcome.SKIPPED;
        }
        Fetched digestObject;
        try {
            digestObject = fetch(ref.bucket(), ref.key(), ref.versionId(), maxDigestBytes);
        } catch (ObjectSource.ObjectMissingException e) {
            LOG.warnf("Digest %s does not exist: %s", ref.uri(), e.getMessage());
            return deadLetter("object-not-found", e.getMessage(), ref, provenance);
        } catch (Transient e) {
            LOG.warnf("Could not read digest %s, will retry: %s", ref.uri(), e.getMessage());
            metrics.object("retried", "s3-error");
            return ObjectIngestor.Outcome.RETRY;
        }
        String ledgerKey = IngestedObject.ledgerKey(ref.bucket(), ref.key(), digestObject.etag, digestObject.versionId);
        if (ledger.contains(ledgerKey)) {
            metrics.object("skipped", "already-validated");
            return ObjectIngestor.Outcome.SKIPPED;
        }
        DigestName name = DigestName.parse(layout.fileName())
                .orElse(new DigestName(layout.accountId(), layout.region(), "unknown", null, false));

        Check check;
        try {
            check = inspect(ref, name, digestObject);
        } catch (Transient e) {
            LOG.warnf("Validating digest %s failed, will retry: %s", ref.uri(), e.getMessage());
            metrics.object("retried", e.reason);
            return ObjectIngestor.Outcome.RETRY;
        }
        return publish(check, ref, digestObject, ledgerKey, provenance);
    }

    private Check inspect(ObjectRef ref, DigestName name, Fetched digestObject)
            throws Transient, InterruptedException {
        if (digestObject.tooLarge) {
            var check = new Check(ref, name, null);
            check.notChecked(NotChecked.TOO_LARGE, ref.bucket(), ref.key(), "the digest " + digestObject.unreadable
                    + " (trailwatch.ingest.integrity.max-digest-bytes)");
            return check;
        }
        if (digestObject.unreadable != null) {
            var check = new Check(ref, name, null);
            check.problem(Problem.DIGEST_UNREADABLE, ref.bucket(), ref.key(),
                    "the digest file is not gzip-compressed JSON: " + digestObject.unreadable);
            return check;
        }
        DigestFile digest;
        try {
            digest = DigestFile.parse(digestObject.content);
        } catch (DigestFile.InvalidDigestException e) {
            var check = new Check(ref, name, null);
            check.problem(Problem.DIGEST_UNREADABLE, ref.bucket(), ref.key(),
                    "the digest file is no CloudTrail digest: " + e.getMessage());
            return check;
        }
        var check = new Check(ref, name, digest);
        checkDigest(check, digestObject);
        return check;
    }

    private void checkDigest(Check check, Fetched digestObject) throws Transient, InterruptedException {
        DigestFile digest = check.digest;
        ObjectRef ref = check.ref;
        if (!digest.digestS3Bucket().equals(ref.bucket()) || !digest.digestS3Object().equals(ref.key())) {
            check.problem(Problem.LOCATION_MISMATCH, ref.bucket(), ref.key(), "the digest says it was delivered to s3://"
                    + digest.digestS3Bucket() + "/" + digest.digestS3Object() + ", not where it is");
        }
        if (!verifySignature(check, digestObject)) {
            return;
        }
        if (!digest.startsChain()) {
            checkPrevious(check);
        }
        for (DigestFile.LogFile file : digest.logFiles()) {
            checkLogFile(check, file);
        }
    }

    private boolean verifySignature(Check check, Fetched digestObject) throws Transient {
        DigestFile digest = check.digest;
        ObjectRef ref = check.ref;
        String signature = digestObject.metadata.get(DigestSignature.METADATA_SIGNATURE);
        String metadataAlgorithm = digestObject.metadata.get(DigestSignature.METADATA_ALGORITHM);
        if (signature == null || signature.isBlank()) {
            check.problem(Problem.SIGNATURE_INVALID, ref.bucket(), ref.key(),
                    "the digest object carries no signature (x-amz-meta-signature)");
            return false;
        }
        if (!DigestFile.SIGNATURE_ALGORITHM.equals(digest.digestSignatureAlgorithm())
                || (metadataAlgorithm != null && !DigestFile.SIGNATURE_ALGORITHM.equals(metadataAlgorithm))) {
            check.problem(Problem.SIGNATURE_INVALID, ref.bucket(), ref.key(), "the digest names signature algorithm "
                    + digest.digestSignatureAlgorithm() + " (metadata: " + metadataAlgorithm + "); CloudTrail signs with "
                    + DigestFile.SIGNATURE_ALGORITHM);
            return false;
        }
        Instant end = digest.endTime(); // DigestFile.parse checked it
        Optional<PublicKeys.Entry> key;
        try {
            key = keys.find(check.name.region(), digest.digestPublicKeyFingerprint(), end);
        } catch (PublicKeySource.LookupRefused e) {
            check.notChecked(NotChecked.KEY_LOOKUP_REFUSED, ref.bucket(), ref.key(), e.getMessage());
            return false;
        } catch (IOException e) {
            throw new Transient("cloudtrail-error", e.getMessage());
        }
        if (key.isEmpty()) {
            check.problem(Problem.KEY_NOT_FOUND, ref.bucket(), ref.key(), "no CloudTrail public key in "
                    + check.name.region() + " has fingerprint " + digest.digestPublicKeyFingerprint() + " at " + end);
            return false;
        }
        String signingString = DigestSignature.signingString(digest, DigestSignature.sha256Hex(digestObject.content));
        if (!DigestSignature.verify(key.get().key(), signingString, signature)) {
            check.problem(Problem.SIGNATURE_INVALID, ref.bucket(), ref.key(), "the signature does not verify with "
                    + "CloudTrail's public key " + key.get().fingerprint() + ": the digest or its metadata was changed");
            return false;
        }
        return true;
    }

    private void checkPrevious(Check check) throws Transient, InterruptedException {
        DigestFile digest = check.digest;
        String bucket = digest.previousDigestS3Bucket();
        String key = digest.previousDigestS3Object();
        if (!admission.mayRead(bucket, key)) {
            check.notChecked(NotChecked.OUTSIDE_SOURCES, bucket, key,
                    "the previous digest lies outside the configured sources (trailwatch.ingest.sources)");
            return;
        }
        Fetched previous;
        try {
            previous = fetch(bucket, key, null, maxDigestBytes);
        } catch (ObjectSource.ObjectMissingException e) {
            check.problem(Problem.DIGEST_MISSING, bucket, key, "the previous digest in the chain does not exist: it was "
                    + "deleted, or never delivered (named by the digest of " + digest.digestEndTime() + ")");
            return;
        }
        if (previous.tooLarge) {
            check.notChecked(NotChecked.TOO_LARGE, bucket, key, "the previous digest " + previous.unreadable);
            return;
        }
        if (previous.unreadable != null) {
            check.problem(Problem.DIGEST_MODIFIED, bucket, key, "the previous digest is no longer gzip-compressed JSON: "
                    + previous.unreadable);
            return;
        }
        String signature = previous.metadata.get(DigestSignature.METADATA_SIGNATURE);
        String hash = DigestSignature.sha256Hex(previous.content);
        if (!hash.equalsIgnoreCase(digest.previousDigestHashValue())) {
            check.problem(Problem.DIGEST_MODIFIED, bucket, key, "the previous digest's SHA-256 is not the one the next "
                    + "digest gives: its content was changed", digest.previousDigestHashValue(), hash);
        } else if (signature == null || !signature.trim().equalsIgnoreCase(digest.previousDigestSignature())) {
            check.problem(Problem.DIGEST_MODIFIED, bucket, key, "the previous digest's signature metadata is not the one "
                    + "the next digest gives: the object was rewritten");
        }
    }

    private void checkLogFile(Check check, DigestFile.LogFile file) throws Transient, InterruptedException {
        if (!admission.mayRead(file.s3Bucket(), file.s3Object())) {
            check.notChecked(NotChecked.OUTSIDE_SOURCES, file.s3Bucket(), file.s3Object(),
                    "the log file lies outside the configured sources (trailwatch.ingest.sources)");
            return;
        }
        Hashed hashed;
        try {
            hashed = hash(file.s3Bucket(), file.s3Object());
        } catch (ObjectSource.ObjectMissingException e) {
            check.problem(Problem.LOG_FILE_DELETED, file.s3Bucket(), file.s3Object(),
                    "the digest lists this log file, and S3 no longer has it");
            return;
        }
        if (hashed.tooLarge) {
            check.notChecked(NotChecked.TOO_LARGE, file.s3Bucket(), file.s3Object(), "the log file " + hashed.unreadable
                    + " (trailwatch.ingest.caps.max-decompressed-bytes)");
            return;
        }
        if (hashed.unreadable != null) {
            check.problem(Problem.LOG_FILE_MODIFIED, file.s3Bucket(), file.s3Object(),
                    "the log file is no longer what CloudTrail wrote: " + hashed.unreadable, file.hashValue(), null);
        } else if (!hashed.sha256.equalsIgnoreCase(file.hashValue())) {
            check.problem(Problem.LOG_FILE_MODIFIED, file.s3Bucket(), file.s3Object(),
                    "the log file's SHA-256 is not the one the digest gives", file.hashValue(), hashed.sha256);
        } else {
            check.verified++;
        }
        check.logFilesHashed++;
    }

    private ObjectIngestor.Outcome publish(Check check, ObjectRef ref, Fetched digestObject, String ledgerKey,
                                           Map<String, String> provenance) throws InterruptedException {
        Instant now = clock.instant();
        IntegrityRecord record = check.record(now);
        List<CompletionStage<Void>> acks = new ArrayList<>();
        for (Problem p : check.problems) {
            acks.add(sink.finding(finding(check, p)));
        }
        acks.add(sink.integrity(record));
        if (check.digest == null && !check.problems.isEmpty()) {
            // not a digest at all: also a dead letter, like any unreadable object
            Map<String, String> where = new LinkedHashMap<>(provenance);
            where.put("bucket", ref.bucket());
            where.put("key", ref.key());
            acks.add(sink.deadLetter(DeadLetterChannel.OBJECTS, DeadLetter.of(SERVICE, DeadLetterChannel.OBJECTS.id(),
                    Problem.DIGEST_UNREADABLE, check.problems.get(0).detail(), now, where, null), ref.uri()));
        }
        for (CompletionStage<Void> ack : acks) {
            if (!await(ack)) {
                metrics.object("retried", "kafka-error");
                return ObjectIngestor.Outcome.RETRY;
            }
        }
        var done = new IngestedObject(ref.bucket(), ref.key(), IngestedObject.stripQuotes(digestObject.etag),
                digestObject.versionId, check.verified, check.problems.size(), digestObject.content.length, now);
        if (!await(sink.completed(done))) {
            metrics.object("retried", "kafka-error");
            return ObjectIngestor.Outcome.RETRY;
        }
        ledger.add(ledgerKey);
        // counted once the outcome is final, so a retried digest is not counted twice
        if (check.digest == null && !check.problems.isEmpty()) {
            metrics.deadLetter(DeadLetterChannel.OBJECTS.id(), Problem.DIGEST_UNREADABLE);
        }
        for (int i = 0; i < check.logFilesHashed; i++) {
            metrics.logFileChecked();
        }
        for (NotChecked n : check.notChecked) {
            metrics.integrityNotChecked(n.reason());
            LOG.warnf("CloudTrail integrity: s3://%s/%s not checked (digest %s): %s", n.bucket(), n.key(), ref.uri(),
                    n.detail());
        }
        for (Problem p : check.problems) {
            metrics.integrityProblem(p.reason());
            LOG.errorf("CloudTrail integrity: %s %s (digest %s): %s", p.reason(), p.uri(), ref.uri(), p.detail());
        }
        metrics.digest(record.status());
        metrics.object("validated", record.status());
        LOG.debugf("Validated digest %s: %s, %d of %d log files verified", ref.uri(), record.status(),
                record.logFilesVerified(), record.logFiles());
        return ObjectIngestor.Outcome.INGESTED;
    }

    /** The finding of a problem: stable id per problem, object and digest, so a redelivery repeats none. */
    static Finding finding(Check check, Problem p) {
        String digestUri = "s3://" + check.ref.bucket() + "/" + check.ref.key();
        String id = DigestSignature.hex(DigestSignature.sha256()
                .digest(("integrity|" + p.reason() + "|" + p.uri() + "|" + digestUri).getBytes(StandardCharsets.UTF_8)))
                .substring(0, 32);
        Instant when = check.digest != null ? check.digest.endTime() : check.ref.lastModified();
        if (when == null) {
            when = Instant.EPOCH;
        }
        String eventName = switch (p.reason()) {
            case Problem.LOG_FILE_DELETED -> "LogFileDeleted";
            case Problem.LOG_FILE_MODIFIED -> "LogFileModified";
            case Problem.DIGEST_MISSING -> "DigestFileMissing";
            case Problem.DIGEST_MODIFIED -> "DigestFileModified";
            case Problem.KEY_NOT_FOUND -> "DigestSignedByUnknownKey";
            case Problem.DIGEST_UNREADABLE -> "DigestFileUnreadable";
            case Problem.LOCATION_MISMATCH -> "DigestFileMoved";
            default -> "DigestSignatureInvalid";
        };
        String title = switch (p.reason()) {
            case Problem.LOG_FILE_DELETED -> "CloudTrail log file deleted";
            case Problem.LOG_FILE_MODIFIED -> "CloudTrail log file modified";
            case Problem.DIGEST_MISSING -> "CloudTrail digest file missing from the chain";
            case Problem.DIGEST_MODIFIED -> "CloudTrail digest file modified";
            case Problem.KEY_NOT_FOUND -> "CloudTrail digest signed by an unknown key";
            case Problem.DIGEST_UNREADABLE -> "CloudTrail digest file unreadable";
            case Problem.LOCATION_MISMATCH -> "CloudTrail digest file moved";
            default -> "CloudTrail digest signature invalid";
        };
        List<String> mitre = p.reason().equals(Problem.LOG_FILE_DELETED) || p.reason().equals(Problem.DIGEST_MISSING)
                ? List.of("T1070") : List.of("T1565.001", "T1070");
        ObjectNode raw = JSON.createObjectNode();
        raw.put("reason", p.reason());
        raw.put("bucket", p.bucket());
        raw.put("key", p.key());
        raw.put("detail", p.detail());
        if (p.expectedSha256() != null) {
            raw.put("expectedSha256", p.expectedSha256());
        }
        if (p.actualSha256() != null) {
            raw.put("actualSha256", p.actualSha256());
        }
        raw.put("digestBucket", check.ref.bucket());
        raw.put("digestKey", check.ref.key());
        raw.put("trailName", check.name.trailName());
        String eventId = "integrity-" + id;
        var evidence = new CloudTrailEvent(eventId, when, null, EVIDENCE_SOURCE, eventName, check.name.region(),
                check.name.accountId(), null, null, null, null, null, null, null, EVIDENCE_TYPE, null, null, null, null,
                null, null, null, null, null, null, null, raw);
        return new Finding(id, "cloudtrail-integrity-" + p.reason(), title,
                p.detail() + ": " + p.uri() + " (digest " + digestUri + ")", "critical", IntegrityRecord.CATEGORY, mitre,
                check.name.accountId(), check.name.region(), null, null, EVIDENCE_SOURCE, eventName, when,
                List.of(eventId), 1, null, null, evidence,
                "Someone with write access to the trail's bucket may be covering their tracks. Check the bucket's "
                        + "access logs, CloudTrail data events and the object's versions for who deleted or wrote it; "
                        + "restore the object from a previous version if versioning is on; review the bucket policy, "
                        + "Object Lock and MFA Delete; run `aws cloudtrail validate-logs` to confirm.",
                List.of(DOCS));
    }

    private ObjectIngestor.Outcome deadLetter(String reason, String detail, ObjectRef ref, Map<String, String> provenance)
            throws InterruptedException {
        Map<String, String> where = new LinkedHashMap<>(provenance);
        where.put("bucket", ref.bucket());
        where.put("key", ref.key());
        var letter = DeadLetter.of(SERVICE, DeadLetterChannel.OBJECTS.id(), reason, detail, clock.instant(), where, null);
        if (!await(sink.deadLetter(DeadLetterChannel.OBJECTS, letter, ref.uri()))) {
            metrics.object("retried", "kafka-error");
            return ObjectIngestor.Outcome.RETRY;
        }
        metrics.deadLetter(DeadLetterChannel.OBJECTS.id(), reason);
        metrics.object("failed", reason);
        return ObjectIngestor.Outcome.DEAD_LETTERED;
    }

    private boolean await(CompletionStage<Void> stage) throws InterruptedException {
        try {
            stage.toCompletableFuture().get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("Kafka did not acknowledge: %s", e.getCause() == null ? e.toString() : e.getCause().getMessage());
            return false;
        }
    }

    /** Reads a (gzipped) digest whole, under a cap; an unreadable one is returned with the reason. */
    private Fetched fetch(String bucket, String key, String versionId, long cap)
            throws ObjectSource.ObjectMissingException, Transient {
        ObjectSource.OpenedObject object;
        try {
            object = source.open(new ObjectRef(bucket, key, -1, null, versionId, null));
        } catch (IOException e) {
            throw new Transient("s3-error", e.getMessage());
        }
        try (object) {
            var counting = new CountingInput(object.body());
            String unreadable = null;
            boolean tooLarge = false;
            byte[] content = new byte[0];
            try (InputStream in = new GZIPInputStream(counting)) {
                content = readCapped(in, cap);
            } catch (ZipException | EOFException e) {
                if (counting.failed) {
                    throw e;
                }
                unreadable = "corrupt or truncated gzip (" + e.getMessage() + ")";
            } catch (CapExceeded e) {
                unreadable = "decompresses to more than " + cap + " bytes";
                tooLarge = true;
            }
            return new Fetched(content, object.etag(), object.versionId(), object.metadata(), unreadable, tooLarge);
        } catch (IOException | RuntimeException e) {
            throw new Transient("s3-error", "reading s3://" + bucket + "/" + key + " failed: " + e.getMessage());
        }
    }

    /** Streams a log file through gunzip into SHA-256. */
    private Hashed hash(String bucket, String key) throws ObjectSource.ObjectMissingException, Transient {
        ObjectSource.OpenedObject object;
        try {
            object = source.open(new ObjectRef(bucket, key, -1, null, null, null));
        } catch (IOException e) {
            throw new Transient("s3-error", e.getMessage());
        }
        try (object) {
            MessageDigest sha = DigestSignature.sha256();
            var counting = new CountingInput(object.body());
            try (InputStream in = new GZIPInputStream(counting, 64 * 1024)) {
                byte[] buffer = new byte[64 * 1024];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) > 0) {
                    total += n;
                    if (total > maxLogBytes) {
                        return new Hashed(null, "decompresses to more than " + maxLogBytes + " bytes", true);
                    }
                    sha.update(buffer, 0, n);
                }
            } catch (ZipException | EOFException e) {
                if (counting.failed) {
                    throw e;
                }
                return new Hashed(null, "corrupt or truncated gzip (" + e.getMessage() + ")", false);
            }
            return new Hashed(DigestSignature.hex(sha.digest()), null, false);
        } catch (IOException | RuntimeException e) {
            throw new Transient("s3-error", "reading s3://" + bucket + "/" + key + " failed: " + e.getMessage());
        }
    }

    private static byte[] readCapped(InputStream in, long cap) throws IOException {
        var out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        int n;
        while ((n = in.read(buffer)) > 0) {
            if (out.size() + (long) n > cap) {
                throw new CapExceeded();
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** Tells S3 read errors (worth a retry) from gzip errors (the content's fault) when streaming. */
    private static final class CountingInput extends java.io.FilterInputStream {
        boolean failed;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            try {
                return super.read();
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                return super.read(b, off, len);
            } catch (IOException | RuntimeException e) {
                failed = true;
                throw e;
            }
        }
    }

    private static final class CapExceeded extends IOException {
        CapExceeded() {
            super(null, null);
        }
    }

    private record Fetched(byte[] content, String etag, String versionId, Map<String, String> metadata,
                           String unreadable, boolean tooLarge) {
    }

    private record Hashed(String sha256, String unreadable, boolean tooLarge) {
    }

    /** S3, CloudTrail or Kafka failed: leave the notification for redelivery. */
    private static final class Transient extends Exception {
        final String reason;

        Transient(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    /** What one validation found. */
    static final class Check {
        final ObjectRef ref;
        final DigestName name;
        final DigestFile digest;
        final List<Problem> problems = new ArrayList<>();
        final List<NotChecked> notChecked = new ArrayList<>();
        int verified;
        int logFilesHashed;

        Check(ObjectRef ref, DigestName name, DigestFile digest) {
            this.ref = ref;
            this.name = name;
            this.digest = digest;
        }

        void problem(String reason, String bucket, String key, String detail) {
            problem(reason, bucket, key, detail, null, null);
        }

        void problem(String reason, String bucket, String key, String detail, String expected, String actual) {
            problems.add(new Problem(reason, bucket, key, detail,
                    expected == null ? null : expected.toLowerCase(Locale.ROOT), actual));
        }

        void notChecked(String reason, String bucket, String key, String detail) {
            notChecked.add(new NotChecked(reason, bucket, key, detail));
        }

        IntegrityRecord record(Instant now) {
            Instant end = digest == null ? null : digest.endTime();
            return new IntegrityRecord(ref.bucket(), ref.key(), name.accountId(), name.region(), name.trailName(),
                    digest == null ? null : digest.digestStartTime(), end,
                    digest == null ? null : digest.digestPublicKeyFingerprint(),
                    !problems.isEmpty() ? IntegrityRecord.INVALID
                            : notChecked.isEmpty() ? IntegrityRecord.VALID : IntegrityRecord.UNVERIFIED,
                    digest != null && digest.startsChain(), name.backfill(),
                    digest == null ? null : digest.previousDigestS3Object(),
                    digest == null ? 0 : digest.logFiles().size(), verified, List.copyOf(problems),
                    notChecked.isEmpty() ? null : List.copyOf(notChecked), now);
        }
    }
}

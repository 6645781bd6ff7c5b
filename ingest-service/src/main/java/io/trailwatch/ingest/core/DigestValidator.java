package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.LogKey;
import io.trailwatch.cloudtrail.digest.DigestCheck;
import io.trailwatch.cloudtrail.digest.DigestName;
import io.trailwatch.cloudtrail.digest.DigestVerifier;
import io.trailwatch.ingest.core.EventSink.DeadLetterChannel;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.IngestedObject;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.NotChecked;
import io.trailwatch.model.IntegrityRecord.Problem;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Validates the CloudTrail digests that arrive, as they arrive: skips what the ledger holds, has the
 * {@link DigestVerifier} check the digest (signature, chain, every log file's hash) against S3 and CloudTrail's keys,
 * then publishes the outcome to the integrity topic, every problem also as a critical finding
 * ({@link IntegrityFindings}), and the digest into the ledger ({@link ObjectCompletion}). A failure to reach S3,
 * CloudTrail or Kafka leaves the notification for redelivery; metrics are counted once the outcome is final.
 * Thread-safe.
 */
public final class DigestValidator {

    private static final Logger LOG = Logger.getLogger(DigestValidator.class);
    private static final String SERVICE = "ingest";

    private final DigestVerifier verifier;
    private final EventSink sink;
    private final Ledger ledger;
    private final IngestMetrics metrics;
    private final Clock clock;
    private final ObjectCompletion completion;
    private final IntegrityFindings findings = new IntegrityFindings();

    /**
     * @param maxDigestBytes the most bytes a digest may decompress to
     * @param maxLogBytes    the most bytes a log file may decompress to while it is hashed
     */
    public DigestValidator(Admission admission, ObjectSource source, EventSink sink, Ledger ledger, PublicKeySource keys,
                           IngestMetrics metrics, long maxDigestBytes, long maxLogBytes, Duration publishTimeout,
                           Clock clock) {
        this.verifier = new DigestVerifier(new S3(source, admission), keys, maxDigestBytes, maxLogBytes);
        this.sink = sink;
        this.ledger = ledger;
        this.metrics = metrics;
        this.clock = clock;
        this.completion = new ObjectCompletion(sink, ledger, metrics, publishTimeout, clock);
    }

    /** Validates the digest at {@code ref}, whose key has CloudTrail's layout. */
    public ObjectIngestor.Outcome validate(ObjectRef ref, LogKey layout, Map<String, String> provenance)
            throws InterruptedException {
        if (ref.etag() != null && ledger.contains(IngestedObject.ledgerKey(ref.bucket(), ref.key(), ref.etag(), ref.versionId()))) {
            metrics.object("skipped", "already-validated");
            return ObjectIngestor.Outcome.SKIPPED;
        }
        DigestVerifier.Fetched digest;
        try {
            digest = verifier.fetch(ref.bucket(), ref.key(), ref.versionId());
        } catch (DigestVerifier.Missing e) {
            LOG.warnf("Digest %s does not exist: %s", ref.uri(), e.getMessage());
            return completion.deadLetter("object-not-found", e.getMessage(), ref, provenance, false);
        } catch (DigestVerifier.Unavailable e) {
            LOG.warnf("Could not read digest %s, will retry: %s", ref.uri(), e.getMessage());
            metrics.object("retried", e.reason());
            return ObjectIngestor.Outcome.RETRY;
        }
        if (ledger.contains(IngestedObject.ledgerKey(ref.bucket(), ref.key(), digest.etag(), digest.versionId()))) {
            metrics.object("skipped", "already-validated");
            return ObjectIngestor.Outcome.SKIPPED;
        }
        DigestName name = DigestName.parse(layout.fileName())
                .orElse(new DigestName(layout.accountId(), layout.region(), "unknown", null, false));
        DigestCheck check;
        try {
            check = verifier.verify(ref.bucket(), ref.key(), ref.lastModified(), name, digest);
        } catch (DigestVerifier.Unavailable e) {
            LOG.warnf("Validating digest %s failed, will retry: %s", ref.uri(), e.getMessage());
            metrics.object("retried", e.reason());
            return ObjectIngestor.Outcome.RETRY;
        }
        return publish(check, ref, digest, provenance);
    }

    private ObjectIngestor.Outcome publish(DigestCheck check, ObjectRef ref, DigestVerifier.Fetched digest,
                                           Map<String, String> provenance) throws InterruptedException {
        Instant now = clock.instant();
        IntegrityRecord record = check.record(now);
        boolean noDigest = check.digest() == null && !check.problems().isEmpty();
        List<CompletionStage<Void>> acks = new ArrayList<>();
        for (Problem p : check.problems()) {
            acks.add(sink.finding(findings.finding(check, p)));
        }
        acks.add(sink.integrity(record));
        if (noDigest) {
            // not a digest at all: also a dead letter, like any unreadable object
            Map<String, String> where = new LinkedHashMap<>(provenance);
            where.put("bucket", ref.bucket());
            where.put("key", ref.key());
            acks.add(sink.deadLetter(DeadLetterChannel.OBJECTS, DeadLetter.of(SERVICE, DeadLetterChannel.OBJECTS.id(),
                    Problem.DIGEST_UNREADABLE, check.problems().get(0).detail(), now, where, null), ref.uri()));
        }
        if (!completion.acknowledged(acks)) {
            metrics.object("retried", "kafka-error");
            return ObjectIngestor.Outcome.RETRY;
        }
        var done = new IngestedObject(ref.bucket(), ref.key(), IngestedObject.stripQuotes(digest.etag()), digest.versionId(),
                check.verified(), check.problems().size(), digest.content().length, now);
        if (!completion.complete(done)) {
            return ObjectIngestor.Outcome.RETRY;
        }
        // counted once the outcome is final, so a retried digest is not counted twice
        if (noDigest) {
            metrics.deadLetter(DeadLetterChannel.OBJECTS.id(), Problem.DIGEST_UNREADABLE);
        }
        for (int i = 0; i < check.hashed(); i++) {
            metrics.logFileChecked();
        }
        for (NotChecked n : check.notChecked()) {
            metrics.integrityNotChecked(n.reason());
            LOG.warnf("CloudTrail integrity: s3://%s/%s not checked (digest %s): %s", n.bucket(), n.key(), ref.uri(), n.detail());
        }
        for (Problem p : check.problems()) {
            metrics.integrityProblem(p.reason());
            LOG.errorf("CloudTrail integrity: %s %s (digest %s): %s", p.reason(), p.uri(), ref.uri(), p.detail());
        }
        metrics.digest(record.status());
        metrics.object("validated", record.status());
        LOG.debugf("Validated digest %s: %s, %d of %d log files verified", ref.uri(), record.status(),
                record.logFilesVerified(), record.logFiles());
        return ObjectIngestor.Outcome.INGESTED;
    }

    /** S3 and the configured sources, as the verifier sees them. */
    private record S3(ObjectSource source, Admission admission) implements DigestVerifier.Store {
        @Override
        public DigestVerifier.StoredObject open(String bucket, String key, String versionId)
                throws DigestVerifier.Missing, IOException {
            try {
                var object = source.open(new ObjectRef(bucket, key, -1, null, versionId, null));
                return new DigestVerifier.StoredObject(object.body(), object.etag(), object.versionId(), object.metadata());
            } catch (ObjectSource.ObjectMissingException e) {
                throw new DigestVerifier.Missing(e.getMessage());
            } catch (ObjectSource.OwnerRefusedException e) {
                // not read, so nothing is verified; retried, and the log files themselves give the finding
                throw new IOException(e.getMessage(), e);
            }
        }

        @Override
        public boolean mayRead(String bucket, String key) {
            return admission.mayRead(bucket, key);
        }
    }
}

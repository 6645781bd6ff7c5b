package io.trailwatch.ingest.core;

import io.trailwatch.messaging.ledger.Ledger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.cloudtrail.LogKey;
import io.trailwatch.cloudtrail.digest.PublicKeys;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IngestedObject;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.Problem;
import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.CloudTrailDigests.Digest;
import io.trailwatch.devkit.CloudTrailDigests.Trail;
import io.trailwatch.devkit.CloudTrailLogs;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The validator's decisions on what is not tampering but still goes wrong (S3, CloudTrail or Kafka failing, a file that
 * is no digest, a redelivery), with in-memory S3 and Kafka. The tampering cases run against real components in
 * IntegrityIT.
 */
class DigestValidatorTest {

    private static final String BUCKET = "trail";
    private static final String ACCOUNT = "111122223333";
    private static final Instant HOUR = Instant.parse("2026-03-02T10:00:00Z");
    private static final KeyPair KEYS = CloudTrailDigests.signingKey("eu-west-1");

    private final Map<String, byte[]> objects = new HashMap<>();
    private final Map<String, Map<String, String>> metadata = new HashMap<>();
    private final Set<String> failing = new HashSet<>();
    private final Sink sink = new Sink();
    private final Ledger ledger = new Ledger();
    private final AtomicInteger keyCalls = new AtomicInteger();
    private volatile boolean keysFail;
    private volatile boolean keysRefused;
    private final PublicKeySource keys = new PublicKeySource(List.of(), (region, start, end) -> {
        keyCalls.incrementAndGet();
        if (keysFail) {
            throw new IOException("CloudTrail ListPublicKeys in " + region + " failed: connection refused");
        }
        if (keysRefused) {
            throw new io.trailwatch.cloudtrail.digest.DigestVerifier.KeyLookupRefused("CloudTrail ListPublicKeys in " + region
                    + " answered 400 AccessDeniedException: not authorized", null);
        }
        var key = (RSAPublicKey) KEYS.getPublic();
        return List.of(new PublicKeys.Entry(CloudTrailDigests.fingerprint(key), key, start.minusSeconds(86400), end));
    }, Clock.fixed(Instant.parse("2026-03-02T11:10:00Z"), ZoneOffset.UTC));
    private final DigestValidator validator = validator(1 << 20);
    private final Trail trail = new Trail((bucket, key, content, meta) -> {
        objects.put(key, content);
        metadata.put(key, meta);
    }, BUCKET, ACCOUNT, "eu-west-1", "management", KEYS);
    private final CloudTrailLogs logs = new CloudTrailLogs(5);

    @Test
    void validDigest_isRecordedOnceAndLedgered_soARedeliveryIsSkipped() throws Exception {
        trail.log(HOUR.plusSeconds(100), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));

        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.INGESTED);
        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.SKIPPED);

        assertThat(sink.integrity).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(IntegrityRecord.VALID);
            assertThat(r.chain()).isEqualTo(ACCOUNT + "/eu-west-1/management");
            assertThat(r.notChecked()).isNull();
        });
        assertThat(sink.findings).isEmpty();
        assertThat(sink.ledger).singleElement().satisfies(o -> assertThat(o.key()).isEqualTo(digest.key()));
    }

    @Test
    void theKey_isFetchedOnce_thenCachedForTheNextDigests() throws Exception {
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest second = trail.digest(HOUR.plusSeconds(7200));

        validate(first);
        validate(second);

        assertThat(sink.integrity).extracting(IntegrityRecord::status).containsExactly(IntegrityRecord.VALID, IntegrityRecord.VALID);
        assertThat(keyCalls).hasValue(1);
    }

    @Test
    void previousDigestWithOtherSignatureMetadata_breaksTheChain() throws Exception {
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest second = trail.digest(HOUR.plusSeconds(7200));
        // the content is untouched, but the object was written again with another signature
        String flipped = (first.signature().startsWith("00") ? "ff" : "00") + first.signature().substring(2); // always another byte
        metadata.put(first.key(), Map.of("signature", flipped, "signature-algorithm", "SHA256withRSA"));

        validate(second);

        assertThat(sink.integrity.get(0).problems()).singleElement().satisfies(p -> {
            assertThat(p.reason()).isEqualTo(Problem.DIGEST_MODIFIED);
            assertThat(p.key()).isEqualTo(first.key());
            assertThat(p.detail()).contains("signature metadata");
        });
    }

    @Test
    void listPublicKeysRefused_isUnverified_notTampering_andNotRetriedForever() throws Exception {
        trail.log(HOUR.plusSeconds(100), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        keysRefused = true;

        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.INGESTED);

        assertThat(sink.findings).isEmpty();
        assertThat(sink.integrity).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(IntegrityRecord.UNVERIFIED);
            assertThat(r.logFilesVerified()).isZero();
            assertThat(r.notChecked()).singleElement().satisfies(n -> {
                assertThat(n.reason()).isEqualTo(IntegrityRecord.NotChecked.KEY_LOOKUP_REFUSED);
                assertThat(n.detail()).contains("AccessDenied");
            });
        });
    }

    @Test
    void logFileBeyondTheSizeCap_isNotChecked_notReportedAsModified() throws Exception {
        var big = trail.log(HOUR.plusSeconds(100), logs.records(ACCOUNT, "eu-west-1", HOUR, 40));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));

        validator(4096).validate(ref(digest.key()), LogKey.parse(digest.key()).orElseThrow(), Map.of());

        assertThat(sink.findings).isEmpty();
        assertThat(sink.integrity).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(IntegrityRecord.UNVERIFIED);
            assertThat(r.notChecked()).singleElement().satisfies(n -> {
                assertThat(n.reason()).isEqualTo(IntegrityRecord.NotChecked.TOO_LARGE);
                assertThat(n.key()).isEqualTo(big.key());
            });
        });
    }

    private DigestValidator validator(long maxLogBytes) {
        return new DigestValidator(
                new Admission(Set.of(BUCKET), List.of(), Set.of(), Pattern.compile("CloudTrail-Digest/"), true),
                new Source(), sink, ledger, keys, new IngestMetrics(new SimpleMeterRegistry()), 1 << 20, maxLogBytes,
                Duration.ofSeconds(5), Clock.fixed(Instant.parse("2026-03-02T11:10:00Z"), ZoneOffset.UTC));
    }

    @Test
    void s3Failing_onALogFile_retriesTheWholeDigest_andPublishesNothing() throws Exception {
        var log = trail.log(HOUR.plusSeconds(100), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        failing.add(log.key());

        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.RETRY);
        assertThat(sink.integrity).isEmpty();
        assertThat(sink.findings).isEmpty();

        failing.clear();
        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.INGESTED);
        assertThat(sink.integrity).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(IntegrityRecord.VALID));
    }

    @Test
    void listPublicKeysFailing_isRetried_notReportedAsTampering() throws Exception {
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        keysFail = true;

        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.RETRY);
        assertThat(sink.findings).isEmpty();
    }

    @Test
    void kafkaRefusing_leavesTheDigestForRedelivery_unledgered() throws Exception {
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        sink.fail = true;

        assertThat(validate(digest)).isEqualTo(ObjectIngestor.Outcome.RETRY);
        assertThat(ledger.contains(IngestedObject.ledgerKey(BUCKET, digest.key(), "etag-" + digest.key().hashCode(), null))).isFalse();
    }

    @Test
    void garbageUnderTheDigestLayout_isAFinding_andADeadLetter() throws Exception {
        String key = "AWSLogs/" + ACCOUNT + "/CloudTrail-Digest/eu-west-1/2026/03/02/" + ACCOUNT
                + "_CloudTrail-Digest_eu-west-1_management_eu-west-1_20260302T110000Z.json.gz";
        objects.put(key, "this is no gzip".getBytes());

        assertThat(validator.validate(ref(key), LogKey.parse(key).orElseThrow(), Map.of("sqsMessageId", "m-1")))
                .isEqualTo(ObjectIngestor.Outcome.INGESTED);

        assertThat(sink.findings).singleElement().satisfies(f -> {
            assertThat(f.ruleId()).isEqualTo("cloudtrail-integrity-digest-unreadable");
            assertThat(f.severity()).isEqualTo("critical");
        });
        assertThat(sink.deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(Problem.DIGEST_UNREADABLE);
            assertThat(d.source()).containsEntry("sqsMessageId", "m-1").containsEntry("key", key);
        });
        assertThat(sink.integrity).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(IntegrityRecord.INVALID);
            assertThat(r.trailName()).isEqualTo("management");
        });
    }

    @Test
    void digestCopiedToAnotherKey_isReportedAsMoved() throws Exception {
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        String copy = digest.key().replace("20260302T110000Z", "20260302T120000Z");
        objects.put(copy, objects.get(digest.key()));
        metadata.put(copy, metadata.get(digest.key()));

        validator.validate(ref(copy), LogKey.parse(copy).orElseThrow(), Map.of());

        assertThat(sink.integrity.get(0).problems()).extracting(Problem::reason).containsExactly(Problem.LOCATION_MISMATCH);
    }

    @Test
    void findingIds_areStable_perProblemObjectAndDigest() throws Exception {
        var log = trail.log(HOUR.plusSeconds(100), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        objects.remove(log.key());

        validate(digest);
        ledger.remove(IngestedObject.ledgerKey(BUCKET, digest.key(), "etag-" + digest.key().hashCode(), null));
        validate(digest);

        assertThat(sink.findings).hasSize(2);
        assertThat(sink.findings.get(0).findingId()).isEqualTo(sink.findings.get(1).findingId()).hasSize(32);
        Finding f = sink.findings.get(0);
        assertThat(f.eventIds()).containsExactly(f.evidence().eventId());
        assertThat(f.evidence().eventSource()).isEqualTo(IntegrityFindings.EVIDENCE_SOURCE);
        assertThat(f.evidence().eventName()).isEqualTo("LogFileDeleted");
        assertThat(f.eventTime()).isEqualTo(HOUR.plusSeconds(3600));
    }

    private ObjectIngestor.Outcome validate(Digest digest) throws InterruptedException {
        return validator.validate(ref(digest.key()), LogKey.parse(digest.key()).orElseThrow(), Map.of());
    }

    private static ObjectRef ref(String key) {
        return new ObjectRef(BUCKET, key, -1, null, null, null);
    }

    private final class Source implements ObjectSource {
        @Override
        public OpenedObject open(ObjectRef ref) throws ObjectMissingException, IOException {
            if (failing.contains(ref.key())) {
                throw new IOException("S3 answered 503 SlowDown");
            }
            byte[] bytes = objects.get(ref.key());
            if (bytes == null) {
                throw new ObjectMissingException("NoSuchKey " + ref.key());
            }
            return new OpenedObject(new ByteArrayInputStream(bytes), "\"etag-" + ref.key().hashCode() + "\"", null,
                    HOUR, bytes.length, metadata.getOrDefault(ref.key(), Map.of()));
        }

        @Override
        public void list(String bucket, String prefix, String startAfter, Consumer<ObjectRef> each) {
            throw new UnsupportedOperationException();
        }
    }

    private static final class Sink implements EventSink {
        final List<IntegrityRecord> integrity = new ArrayList<>();
        final List<Finding> findings = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<IngestedObject> ledger = new ArrayList<>();
        boolean fail;

        private <T> CompletionStage<Void> add(List<T> list, T value) {
            if (fail) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker gone"));
            }
            list.add(value);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public FileEvents events(ObjectRef from, String accountCheck) {
            throw new AssertionError("a digest is never published as events");
        }

        @Override
        public CompletionStage<Void> bridged(io.trailwatch.cloudtrail.RawRecord record, String accountId, java.time.Instant eventTime,
                                             String eventBridgeId, String accountCheck) {
            throw new AssertionError("a digest is never published as events");
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key) {
            return add(deadLetters, letter);
        }

        @Override
        public CompletionStage<Void> completed(IngestedObject object) {
            return add(ledger, object);
        }

        @Override
        public CompletionStage<Void> integrity(IntegrityRecord record) {
            return add(integrity, record);
        }

        @Override
        public CompletionStage<Void> finding(Finding finding) {
            return add(findings, finding);
        }
    }
}

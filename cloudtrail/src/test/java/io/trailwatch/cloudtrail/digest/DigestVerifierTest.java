package io.trailwatch.cloudtrail.digest;

import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.CloudTrailDigests.Digest;
import io.trailwatch.devkit.CloudTrailDigests.Trail;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.NotChecked;
import io.trailwatch.model.IntegrityRecord.Problem;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The verification of one digest, as validate-logs does it, on an in-memory bucket: signature, chain, log files;
 * and what it does not conclude (objects outside the sources, a refused key lookup, S3 failing).
 */
class DigestVerifierTest {

    private static final String BUCKET = "cloudtrail-logs";
    private static final String ACCOUNT = "111122223333";
    private static final Instant HOUR = Instant.parse("2026-03-02T10:00:00Z");
    private static final KeyPair KEYS = CloudTrailDigests.signingKey("eu-west-1");

    private final Map<String, byte[]> objects = new HashMap<>();
    private final Map<String, Map<String, String>> metadata = new HashMap<>();
    private final Trail trail = new Trail((bucket, key, content, meta) -> {
        objects.put(key, content);
        metadata.put(key, meta);
    }, BUCKET, ACCOUNT, "eu-west-1", "management", KEYS);
    private final CloudTrailLogs logs = new CloudTrailLogs(11);
    private boolean s3Failing;
    private String outsideSources = "\0";

    private final DigestVerifier.Store store = new DigestVerifier.Store() {
        @Override
        public DigestVerifier.StoredObject open(String bucket, String key, String versionId) throws DigestVerifier.Missing, IOException {
            if (s3Failing) {
                throw new IOException("connection reset");
            }
            byte[] content = objects.get(key);
            if (content == null) {
                throw new DigestVerifier.Missing("NoSuchKey " + key);
            }
            InputStream body = new ByteArrayInputStream(content);
            return new DigestVerifier.StoredObject(body, "etag-" + key.hashCode(), null, metadata.getOrDefault(key, Map.of()));
        }

        @Override
        public boolean mayRead(String bucket, String key) {
            return !key.startsWith(outsideSources);
        }
    };
    private DigestVerifier.Keys keys = (region, fingerprint, at) -> {
        var key = (RSAPublicKey) KEYS.getPublic();
        return fingerprint.equals(CloudTrailDigests.fingerprint(key))
                ? Optional.of(new PublicKeys.Entry(fingerprint, key, at.minusSeconds(86400), at.plusSeconds(86400))) : Optional.empty();
    };

    @Test
    void anIntactChain_isValid_everyLogFileVerified() throws Exception {
        trail.log(HOUR.plusSeconds(60), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        trail.digest(HOUR.plusSeconds(3600));
        var a = trail.log(HOUR.plusSeconds(3700), logs.records(ACCOUNT, "eu-west-1", HOUR.plusSeconds(3650), 2));
        var b = trail.log(HOUR.plusSeconds(3800), logs.records(ACCOUNT, "eu-west-1", HOUR.plusSeconds(3750), 2));
        Digest second = trail.digest(HOUR.plusSeconds(7200));

        DigestCheck check = verify(second);

        assertThat(check.problems()).isEmpty();
        assertThat(check.notChecked()).isEmpty();
        assertThat(check.verified()).isEqualTo(2);
        assertThat(check.record(Instant.now()).verifiedLogFiles()).as("named, for whoever waits on a log file's digest")
                .containsExactly("s3://" + a.bucket() + "/" + a.key(), "s3://" + b.bucket() + "/" + b.key());
        assertThat(check.record(Instant.now()).status()).isEqualTo(IntegrityRecord.VALID);
        assertThat(check.when()).isEqualTo(HOUR.plusSeconds(7200));
    }

    @Test
    void aDeletedAndAModifiedLogFile_areProblems_withTheHashes() throws Exception {
        var deleted = trail.log(HOUR.plusSeconds(60), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        var modified = trail.log(HOUR.plusSeconds(120), logs.records(ACCOUNT, "eu-west-1", HOUR.plusSeconds(100), 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        objects.remove(deleted.key());
        objects.put(modified.key(), CloudTrailDigests.gzip("{\"Records\":[]}".getBytes()));

        DigestCheck check = verify(digest);

        assertThat(check.problems()).extracting(Problem::reason, Problem::key)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(Problem.LOG_FILE_DELETED, deleted.key()),
                        org.assertj.core.groups.Tuple.tuple(Problem.LOG_FILE_MODIFIED, modified.key()));
        assertThat(check.problems()).filteredOn(p -> p.reason().equals(Problem.LOG_FILE_MODIFIED)).singleElement()
                .satisfies(p -> {
                    assertThat(p.expectedSha256()).isEqualTo(modified.sha256());
                    assertThat(p.actualSha256()).isEqualTo(CloudTrailDigests.sha256Hex("{\"Records\":[]}".getBytes()));
                });
        assertThat(check.record(Instant.now()).status()).isEqualTo(IntegrityRecord.INVALID);
    }

    @Test
    void aSignatureThatDoesNotVerify_isAProblem_andNothingElseTheDigestSaysIsChecked() throws Exception {
        var log = trail.log(HOUR.plusSeconds(60), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        objects.remove(log.key());
        // another first byte (a fixed "00" left one signature in 256 unchanged)
        String flipped = (digest.signature().startsWith("00") ? "ff" : "00") + digest.signature().substring(2);
        metadata.put(digest.key(), Map.of("signature", flipped, "signature-algorithm", "SHA256withRSA"));

        DigestCheck check = verify(digest);

        assertThat(check.problems()).extracting(Problem::reason).containsExactly(Problem.SIGNATURE_INVALID);
        assertThat(check.hashed()).as("no log file is read on the word of an unverified digest").isZero();
    }

    @Test
    void aDeletedPreviousDigest_breaksTheChain() throws Exception {
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest second = trail.digest(HOUR.plusSeconds(7200));
        objects.remove(first.key());

        assertThat(verify(second).problems()).extracting(Problem::reason, Problem::key)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Problem.DIGEST_MISSING, first.key()));
    }

    @Test
    void whatIsNoTampering_isNotChecked_notAProblem() throws Exception {
        var log = trail.log(HOUR.plusSeconds(60), logs.records(ACCOUNT, "eu-west-1", HOUR, 3));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        outsideSources = log.key();

        assertThat(verify(digest).notChecked()).extracting(NotChecked::reason).containsExactly(NotChecked.OUTSIDE_SOURCES);

        outsideSources = "\0";
        keys = (region, fingerprint, at) -> {
            throw new DigestVerifier.KeyLookupRefused("AccessDeniedException: not authorized to ListPublicKeys", null);
        };
        DigestCheck refused = verify(digest);
        assertThat(refused.notChecked()).extracting(NotChecked::reason).containsExactly(NotChecked.KEY_LOOKUP_REFUSED);
        assertThat(refused.record(Instant.now()).status()).isEqualTo(IntegrityRecord.UNVERIFIED);
    }

    @Test
    void s3OrCloudTrailFailing_concludesNothing() throws Exception {
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        var fetched = verifier().fetch(BUCKET, digest.key(), null);
        keys = (region, fingerprint, at) -> {
            throw new IOException("connection refused");
        };
        assertThatThrownBy(() -> verifier().verify(BUCKET, digest.key(), null, name(digest), fetched))
                .isInstanceOf(DigestVerifier.Unavailable.class)
                .satisfies(e -> assertThat(((DigestVerifier.Unavailable) e).reason()).isEqualTo("cloudtrail-error"));

        s3Failing = true;
        assertThatThrownBy(() -> verifier().fetch(BUCKET, digest.key(), null)).isInstanceOf(DigestVerifier.Unavailable.class)
                .satisfies(e -> assertThat(((DigestVerifier.Unavailable) e).reason()).isEqualTo("s3-error"));
    }

    @Test
    void aDigestThatIsNoGzip_orTooLarge_isSaidSo() throws Exception {
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        String key = digest.key();

        var small = new DigestVerifier(store, keys, 64, 1 << 20).fetch(BUCKET, key, null);
        assertThat(small.tooLarge()).isTrue();
        assertThat(new DigestVerifier(store, keys, 64, 1 << 20).verify(BUCKET, key, null, name(digest), small).notChecked())
                .extracting(NotChecked::reason).containsExactly(NotChecked.TOO_LARGE);

        objects.put(key, "plain text".getBytes());
        var garbage = verifier().fetch(BUCKET, key, null);
        assertThat(garbage.unreadable()).startsWith("corrupt or truncated gzip");
        assertThat(verifier().verify(BUCKET, key, null, name(digest), garbage).problems()).extracting(Problem::reason)
                .containsExactly(Problem.DIGEST_UNREADABLE);
    }

    private DigestCheck verify(Digest digest) throws Exception {
        var verifier = verifier();
        return verifier.verify(BUCKET, digest.key(), null, name(digest), verifier.fetch(BUCKET, digest.key(), null));
    }

    private DigestVerifier verifier() {
        return new DigestVerifier(store, keys, 1 << 20, 1 << 20);
    }

    private static DigestName name(Digest digest) {
        return DigestName.parse(digest.key().substring(digest.key().lastIndexOf('/') + 1)).orElseThrow();
    }
}

package io.trailwatch.cloudtrail.digest;

import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.CloudTrailDigests.Digest;
import io.trailwatch.devkit.CloudTrailDigests.Trail;
import io.trailwatch.devkit.CloudTrailLogs;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Digests written and signed as CloudTrail does (by the test-support trail, from AWS's documentation) parse, and
 * their signatures verify; any change to what is signed makes them fail.
 */
class DigestValidationTest {

    private static final String ACCOUNT = "111122223333";
    private static final Instant HOUR = Instant.parse("2026-03-02T10:00:00Z");
    private static final KeyPair KEYS = CloudTrailDigests.signingKey("eu-west-1");

    private final Map<String, byte[]> objects = new HashMap<>();
    private final Map<String, Map<String, String>> metadata = new HashMap<>();
    private final Trail trail = new Trail((bucket, key, content, meta) -> {
        objects.put(key, content);
        metadata.put(key, meta);
    }, "cloudtrail-logs", ACCOUNT, "eu-west-1", "org_trail.main", KEYS);
    private final CloudTrailLogs logs = new CloudTrailLogs(3);

    @Test
    void digest_parsesWithItsLogFilesAndChainLink() throws Exception {
        var log = trail.log(HOUR.plusSeconds(120), logs.records(ACCOUNT, "eu-west-1", HOUR.plusSeconds(60), 4));
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest second = trail.digest(HOUR.plusSeconds(7200));

        DigestFile one = DigestFile.parse(first.content());
        DigestFile two = DigestFile.parse(second.content());

        assertThat(one.awsAccountId()).isEqualTo(ACCOUNT);
        assertThat(one.digestEndTime()).isEqualTo("2026-03-02T11:00:00Z");
        assertThat(one.digestS3Object()).isEqualTo(first.key());
        assertThat(one.startsChain()).isTrue();
        assertThat(one.logFiles()).singleElement().satisfies(f -> {
            assertThat(f.s3Object()).isEqualTo(log.key());
            assertThat(f.hashValue()).isEqualTo(log.sha256());
        });
        assertThat(two.startsChain()).isFalse();
        assertThat(two.previousDigestS3Object()).isEqualTo(first.key());
        assertThat(two.previousDigestSignature()).isEqualTo(first.signature());
        assertThat(two.previousDigestHashValue()).isEqualTo(DigestSignature.sha256Hex(first.content()));
        assertThat(two.logFiles()).isEmpty();
        assertThat(two.newestEventTime()).isNull();
    }

    @Test
    void signature_verifiesForTheChainStartAndItsSuccessor() throws Exception {
        trail.log(HOUR.plusSeconds(120), logs.records(ACCOUNT, "eu-west-1", HOUR.plusSeconds(60), 2));
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest second = trail.digest(HOUR.plusSeconds(7200));

        assertThat(verifies(first, first.content())).isTrue();
        assertThat(verifies(second, second.content())).isTrue();
        assertThat(metadata.get(first.key())).containsEntry(DigestSignature.METADATA_SIGNATURE, first.signature())
                .containsEntry(DigestSignature.METADATA_ALGORITHM, "SHA256withRSA");
    }

    @Test
    void signature_failsWhenAnythingSignedChanges() throws Exception {
        trail.log(HOUR.plusSeconds(120), logs.records(ACCOUNT, "eu-west-1", HOUR.plusSeconds(60), 2));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        String text = digest.text();
        DigestFile parsed = DigestFile.parse(digest.content());
        String sha = DigestSignature.sha256Hex(digest.content());
        var key = (RSAPublicKey) KEYS.getPublic();

        // one character of the content (the file's hash is signed)
        byte[] edited = text.replace("\"hashAlgorithm\":\"SHA-256\"", "\"hashAlgorithm\":\"SHA-256 \"").getBytes(StandardCharsets.UTF_8);
        assertThat(verifies(digest, edited)).isFalse();
        // the location (a digest copied elsewhere)
        var moved = new DigestFile(parsed.awsAccountId(), parsed.digestStartTime(), parsed.digestEndTime(), "other-bucket",
                parsed.digestS3Object(), parsed.digestPublicKeyFingerprint(), parsed.digestSignatureAlgorithm(),
                parsed.newestEventTime(), parsed.oldestEventTime(), null, null, null, null, null, parsed.logFiles());
        assertThat(DigestSignature.verify(key, DigestSignature.signingString(moved, sha), digest.signature())).isFalse();
        // the chain link
        var relinked = new DigestFile(parsed.awsAccountId(), parsed.digestStartTime(), parsed.digestEndTime(),
                parsed.digestS3Bucket(), parsed.digestS3Object(), parsed.digestPublicKeyFingerprint(),
                parsed.digestSignatureAlgorithm(), null, null, "b", "k", "00", "SHA-256", "abcd", parsed.logFiles());
        assertThat(DigestSignature.verify(key, DigestSignature.signingString(relinked, sha), digest.signature())).isFalse();
        // another key, or a signature that is no hex
        assertThat(DigestSignature.verify((RSAPublicKey) CloudTrailDigests.newKeyPair().getPublic(),
                DigestSignature.signingString(parsed, sha), digest.signature())).isFalse();
        assertThat(DigestSignature.verify(key, DigestSignature.signingString(parsed, sha), "not-hex")).isFalse();
    }

    @Test
    void signingString_isTheDocumentedFourLines() throws Exception {
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        DigestFile parsed = DigestFile.parse(digest.content());

        assertThat(DigestSignature.signingString(parsed, "ab12").split("\n", -1)).containsExactly(
                "2026-03-02T11:00:00Z", "cloudtrail-logs/" + digest.key(), "ab12", "null");
    }

    @Test
    void notADigest_isRefusedWithTheReason() {
        assertThatThrownBy(() -> DigestFile.parse("{\"Records\":[]}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(DigestFile.InvalidDigestException.class).hasMessageContaining("digestEndTime");
        assertThatThrownBy(() -> DigestFile.parse("not json".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not JSON");
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        String noFiles = digest.text().replace("\"logFiles\":[]", "\"logFiles\":{}");
        assertThatThrownBy(() -> DigestFile.parse(noFiles.getBytes(StandardCharsets.UTF_8))).hasMessageContaining("logFiles");
        String badTime = digest.text().replace("2026-03-02T11:00:00Z", "yesterday");
        assertThatThrownBy(() -> DigestFile.parse(badTime.getBytes(StandardCharsets.UTF_8))).hasMessageContaining("yesterday");
    }

    @Test
    void digestName_givesTheTrail_evenWithUnderscoresBackfillAndAnotherHomeRegion() {
        assertThat(DigestName.parse("111122223333_CloudTrail-Digest_eu-west-1_org_trail.main_eu-west-1_20260302T110000Z.json.gz"))
                .contains(new DigestName(ACCOUNT, "eu-west-1", "org_trail.main", "eu-west-1", false));
        assertThat(DigestName.parse("111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20260302T110000Z_backfill.json.gz"))
                .contains(new DigestName(ACCOUNT, "us-east-1", "t", "us-east-1", true));
        // a multi-region trail homed in ap-northeast-1, logging us-west-2
        assertThat(DigestName.parse("111122223333_CloudTrail-Digest_us-west-2_global_trail_ap-northeast-1_20260302T110000Z.json.gz"))
                .contains(new DigestName(ACCOUNT, "us-west-2", "global_trail", "ap-northeast-1", false));
        assertThat(DigestName.parse("111122223333_CloudTrail_us-east-1_20260302T1100Z_abc.json.gz")).isEmpty();
    }

    private boolean verifies(Digest digest, byte[] content) throws Exception {
        DigestFile parsed = DigestFile.parse(content);
        String signing = DigestSignature.signingString(parsed, DigestSignature.sha256Hex(content));
        return DigestSignature.verify((RSAPublicKey) KEYS.getPublic(), signing, metadata.get(digest.key()).get("signature"));
    }
}

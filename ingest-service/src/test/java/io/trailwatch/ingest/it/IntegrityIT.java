package io.trailwatch.ingest.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Headers;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.Problem;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailApiServer;
import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.CloudTrailDigests.Digest;
import io.trailwatch.devkit.CloudTrailDigests.LogFile;
import io.trailwatch.devkit.CloudTrailDigests.Trail;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.trailwatch.ingest.it.IngestHarness.ACCOUNT;
import static io.trailwatch.ingest.it.IngestHarness.WAIT;
import static io.trailwatch.ingest.it.IngestHarness.awaitQueueDrained;
import static io.trailwatch.ingest.it.IngestHarness.countEventsOf;
import static io.trailwatch.ingest.it.IngestHarness.metric;
import static io.trailwatch.ingest.it.IngestHarness.notifyS3;
import static io.trailwatch.ingest.it.IngestHarness.s3;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Log file integrity, continuously: CloudTrail is played by {@link CloudTrailDigests}, which writes log files and
 * digests to the S3 server exactly as AWS documents them and signs the digests with an RSA key made in the test. Each
 * digest is announced on SQS like any S3 object; what the service concludes is read back from the integrity and
 * findings topics. Every test has a trail of its own.
 */
@QuarkusTest
@QuarkusTestResource(value = IngestResources.class, restrictToAnnotatedClass = false)
class IntegrityIT {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final String REGION = IngestResources.FILE_KEY_REGION;
    private static final Instant HOUR = Instant.parse("2026-03-02T10:00:00Z");
    private final CloudTrailLogs logs = new CloudTrailLogs(8);

    @Test
    void validChain_givesAValidRecordPerDigest_andNoFinding() {
        Trail trail = trail(REGION);
        trail.log(HOUR.plusSeconds(300), records(5));
        trail.log(HOUR.plusSeconds(900), records(3));
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest empty = trail.digest(HOUR.plusSeconds(7200));
        trail.log(HOUR.plusSeconds(7500), records(4));
        Digest third = trail.digest(HOUR.plusSeconds(10800));
        double validBefore = metric("trailwatch_ingest_digests_total", "status=\"valid\"");

        List<IntegrityRecord> records = validate(first, empty, third);

        assertThat(records).extracting(IntegrityRecord::status).containsOnly(IntegrityRecord.VALID);
        assertThat(records).extracting(IntegrityRecord::logFiles).containsExactly(2, 0, 1);
        assertThat(records).extracting(IntegrityRecord::logFilesVerified).containsExactly(2, 0, 1);
        assertThat(records).extracting(IntegrityRecord::chainStart).containsExactly(true, false, false);
        assertThat(records.get(2).previousDigestKey()).isEqualTo(empty.key());
        assertThat(records.get(0).trailName()).isEqualTo(trailName(first));
        assertThat(records.get(0).publicKeyFingerprint()).isEqualTo(
                CloudTrailDigests.fingerprint((RSAPublicKey) CloudTrailDigests.signingKey(REGION).getPublic()));
        for (Digest d : List.of(first, empty, third)) {
            assertThat(findingsAbout(d, Duration.ofSeconds(1))).as("findings about " + d.key()).isEmpty();
        }
        assertThat(countEventsOf(first.key())).as("a digest is never ingested as events").isZero();
        assertThat(metric("trailwatch_ingest_digests_total", "status=\"valid\"")).isEqualTo(validBefore + 3);
    }

    @Test
    void modifiedLogFile_givesACriticalTamperingFinding_withBothHashes() {
        Trail trail = trail(REGION);
        LogFile kept = trail.log(HOUR.plusSeconds(300), records(5));
        LogFile edited = trail.log(HOUR.plusSeconds(600), records(5));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        // someone removes their own calls from a delivered log file
        s3().put(IngestResources.BUCKET, edited.key(), CloudTrailLogs.file(records(3), true));

        IntegrityRecord record = validate(digest).get(0);

        assertThat(record.status()).isEqualTo(IntegrityRecord.INVALID);
        assertThat(record.logFilesVerified()).isEqualTo(1);
        assertThat(record.verifiedLogFiles()).as("the file still as CloudTrail wrote it, by name")
                .containsExactly("s3://" + kept.bucket() + "/" + kept.key());
        Problem problem = only(record.problems());
        assertThat(problem.reason()).isEqualTo(Problem.LOG_FILE_MODIFIED);
        assertThat(problem.key()).isEqualTo(edited.key()).isNotEqualTo(kept.key());
        assertThat(problem.expectedSha256()).isEqualTo(edited.sha256());
        assertThat(problem.actualSha256()).hasSize(64).isNotEqualTo(edited.sha256());

        Finding finding = only(findingsAbout(digest, WAIT));
        assertThat(finding.severity()).isEqualTo("critical");
        assertThat(finding.category()).isEqualTo("cloudtrail-tampering");
        assertThat(finding.ruleId()).isEqualTo("cloudtrail-integrity-log-file-modified");
        assertThat(finding.accountId()).isEqualTo(ACCOUNT);
        assertThat(finding.region()).isEqualTo(REGION);
        assertThat(finding.description()).contains("s3://" + IngestResources.BUCKET + "/" + edited.key());
        assertThat(finding.evidence().raw().get("key").asText()).isEqualTo(edited.key());
        assertThat(finding.evidence().raw().get("expectedSha256").asText()).isEqualTo(edited.sha256());
    }

    @Test
    void deletedLogFile_givesAFindingNamingIt() {
        Trail trail = trail(REGION);
        LogFile gone = trail.log(HOUR.plusSeconds(300), records(5));
        trail.log(HOUR.plusSeconds(600), records(5));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));
        s3().delete(IngestResources.BUCKET, gone.key());
        double before = metric("trailwatch_ingest_integrity_problems_total", "reason=\"log-file-deleted\"");

        IntegrityRecord record = validate(digest).get(0);

        assertThat(record.status()).isEqualTo(IntegrityRecord.INVALID);
        assertThat(record.logFilesVerified()).isEqualTo(1);
        Problem problem = only(record.problems());
        assertThat(problem.reason()).isEqualTo(Problem.LOG_FILE_DELETED);
        assertThat(problem.key()).isEqualTo(gone.key());
        Finding finding = only(findingsAbout(digest, WAIT));
        assertThat(finding.ruleId()).isEqualTo("cloudtrail-integrity-log-file-deleted");
        assertThat(finding.title()).isEqualTo("CloudTrail log file deleted");
        assertThat(metric("trailwatch_ingest_integrity_problems_total", "reason=\"log-file-deleted\"")).isEqualTo(before + 1);
    }

    @Test
    void missingDigest_breaksTheChain_atTheNextDigest() {
        Trail trail = trail(REGION);
        trail.log(HOUR.plusSeconds(300), records(2));
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        trail.log(HOUR.plusSeconds(4000), records(2));
        Digest deleted = trail.digest(HOUR.plusSeconds(7200));
        trail.log(HOUR.plusSeconds(7500), records(2));
        Digest third = trail.digest(HOUR.plusSeconds(10800));
        // the digest vouching for hour two disappears, before its notification is handled
        s3().delete(IngestResources.BUCKET, deleted.key());

        List<IntegrityRecord> records = validate(first, third);

        assertThat(records.get(0).status()).isEqualTo(IntegrityRecord.VALID);
        assertThat(records.get(1).status()).isEqualTo(IntegrityRecord.INVALID);
        assertThat(records.get(1).logFilesVerified()).as("the third digest's own log files are fine").isEqualTo(1);
        Problem problem = only(records.get(1).problems());
        assertThat(problem.reason()).isEqualTo(Problem.DIGEST_MISSING);
        assertThat(problem.key()).isEqualTo(deleted.key());
        Finding finding = only(findingsAbout(third, WAIT));
        assertThat(finding.ruleId()).isEqualTo("cloudtrail-integrity-digest-missing");
        assertThat(finding.description()).contains(deleted.key());
    }

    @Test
    void rewrittenPreviousDigest_breaksTheChain() {
        Trail trail = trail(REGION);
        LogFile hidden = trail.log(HOUR.plusSeconds(300), records(2));
        trail.log(HOUR.plusSeconds(600), records(2));
        Digest first = trail.digest(HOUR.plusSeconds(3600));
        Digest second = trail.digest(HOUR.plusSeconds(7200));
        // an attacker deletes a log file and drops it from its digest, keeping the digest's signature metadata
        s3().delete(IngestResources.BUCKET, hidden.key());
        String edited = first.text().replaceAll("\\{[^{}]*\"" + java.util.regex.Pattern.quote(hidden.key()) + "\"[^{}]*},?", "").replace(",]", "]");
        assertThat(edited).doesNotContain(hidden.key());
        rewrite(first, edited.getBytes(StandardCharsets.UTF_8));

        List<IntegrityRecord> records = validate(first, second);

        Problem forged = only(records.get(0).problems());
        assertThat(forged.reason()).isEqualTo(Problem.SIGNATURE_INVALID);
        assertThat(forged.key()).isEqualTo(first.key());
        assertThat(records.get(0).logFilesVerified()).as("nothing an unverified digest says is trusted").isZero();
        assertThat(records.get(0).verifiedLogFiles()).isNull();
        Problem chain = only(records.get(1).problems());
        assertThat(chain.reason()).isEqualTo(Problem.DIGEST_MODIFIED);
        assertThat(chain.key()).isEqualTo(first.key());
    }

    @Test
    void digestSignedWithAnotherKey_isABadSignature() {
        Trail trail = trail(REGION);
        trail.log(HOUR.plusSeconds(300), records(2));
        Digest forged = trail.digest(HOUR.plusSeconds(3600), CloudTrailDigests.newKeyPair().getPrivate());

        IntegrityRecord record = validate(forged).get(0);

        assertThat(record.status()).isEqualTo(IntegrityRecord.INVALID);
        Problem problem = only(record.problems());
        assertThat(problem.reason()).isEqualTo(Problem.SIGNATURE_INVALID);
        assertThat(problem.key()).isEqualTo(forged.key());
        Finding finding = only(findingsAbout(forged, WAIT));
        assertThat(finding.ruleId()).isEqualTo("cloudtrail-integrity-digest-signature-invalid");
        assertThat(finding.severity()).isEqualTo("critical");
    }

    @Test
    void keysOfOtherRegions_comeFromListPublicKeys() {
        String region = "ap-southeast-2";
        var key = (RSAPublicKey) CloudTrailDigests.signingKey(region).getPublic();
        CloudTrailApiServer.shared().keys(region, CloudTrailDigests.listPublicKeys(CloudTrailDigests.publicKeyEntry(key,
                Instant.parse("2026-02-01T00:00:00Z"), Instant.parse("2026-04-01T00:00:00Z"))));
        Trail trail = trail(region);
        trail.log(HOUR.plusSeconds(300), records(2));
        Digest digest = trail.digest(HOUR.plusSeconds(3600));

        IntegrityRecord record = validate(digest).get(0);

        assertThat(record.status()).isEqualTo(IntegrityRecord.VALID);
        assertThat(CloudTrailApiServer.shared().requests()).anySatisfy(r -> assertThat(r)
                .startsWith(region + " com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys"));
    }

    @Test
    void unknownFingerprint_isReported() {
        String region = "sa-east-1"; // ListPublicKeys knows no key here
        Trail trail = new Trail(s3().client(), IngestResources.BUCKET, ACCOUNT, region, "unknown-key-" + suffix(),
                CloudTrailDigests.newKeyPair());
        Digest digest = trail.digest(HOUR.plusSeconds(3600));

        Problem problem = only(validate(digest).get(0).problems());

        assertThat(problem.reason()).isEqualTo(Problem.KEY_NOT_FOUND);
        assertThat(problem.detail()).contains("sa-east-1");
    }

    // ---------------------------------------------------------------------------------------------------------------

    private Trail trail(String region) {
        return new Trail(s3().client(), IngestResources.BUCKET, ACCOUNT, region, "trail-" + suffix(),
                CloudTrailDigests.signingKey(region));
    }

    private static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private List<com.fasterxml.jackson.databind.node.ObjectNode> records(int n) {
        return logs.records(ACCOUNT, REGION, HOUR.plusSeconds(60), n);
    }

    /** Announces the digests in order, one at a time, and returns the integrity record of each. */
    private static List<IntegrityRecord> validate(Digest... digests) {
        try (var reader = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.INTEGRITY)) {
            for (Digest d : digests) {
                notifyS3("s3-object-created.json", d.key(), CloudTrailDigests.gzip(d.content()).length);
                reader.awaitUntil(all -> all.stream().anyMatch(r -> isAbout(r, d)), WAIT);
            }
            awaitQueueDrained();
            return List.of(digests).stream().map(d -> integrityOf(reader.seen(), d)).toList();
        }
    }

    private static IntegrityRecord integrityOf(List<ConsumerRecord<String, String>> all, Digest digest) {
        var mine = all.stream().filter(r -> isAbout(r, digest)).toList();
        assertThat(mine).as("integrity records of " + digest.key()).hasSize(1);
        ConsumerRecord<String, String> r = mine.get(0);
        assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.INTEGRITY, 1), r.value())).isEmpty();
        assertThat(TopicReader.header(r, Headers.SCHEMA_VERSION)).isEqualTo("1");
        IntegrityRecord record = read(r.value(), IntegrityRecord.class);
        assertThat(r.key()).isEqualTo(record.chain());
        return record;
    }

    private static boolean isAbout(ConsumerRecord<String, String> r, Digest digest) {
        return r.value().contains(digest.key()) && read(r.value(), IntegrityRecord.class).digestKey().equals(digest.key());
    }

    /** The findings whose digest is this one, once none came for a while. */
    private static List<Finding> findingsAbout(Digest digest, Duration atMost) {
        try (var reader = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.FINDINGS)) {
            try {
                reader.awaitUntil(all -> all.stream().anyMatch(r -> r.value().contains(digest.key())), atMost);
            } catch (AssertionError | RuntimeException none) {
                // none came: that may be what the caller expects
            }
            var mine = reader.drain(Duration.ofMillis(500)).stream()
                    .filter(r -> r.value().contains("\"digestKey\":\"" + digest.key() + "\"")).toList();
            for (var r : mine) {
                assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.FINDINGS, 1), r.value())).isEmpty();
                assertThat(r.key()).isEqualTo(TopicReader.header(r, Headers.CE_ID));
            }
            return mine.stream().map(r -> read(r.value(), Finding.class)).toList();
        }
    }

    private static void rewrite(Digest digest, byte[] content) {
        s3().client().putObject(b -> b.bucket(digest.bucket()).key(digest.key()).metadata(Map.of(
                "signature", digest.signature(), "signature-algorithm", "SHA256withRSA")),
                RequestBody.fromBytes(CloudTrailDigests.gzip(content)));
    }

    private static String trailName(Digest digest) {
        String file = digest.key().substring(digest.key().lastIndexOf('/') + 1);
        return file.replaceAll("^\\d{12}_CloudTrail-Digest_[a-z0-9-]+_(.+)_[a-z0-9-]+_\\d{8}T\\d{6}Z\\.json\\.gz$", "$1");
    }

    private static <T> T only(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    private static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.trailwatch.bench;

import io.trailwatch.devkit.CloudTrailLogs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CorpusTest {

    @TempDir
    Path dir;

    @Test
    void aCorpusDirectoryKeepsItsLogFilesAndSkipsEverythingElse() throws Exception {
        var logs = new CloudTrailLogs(7);
        Instant at = Instant.parse("2026-03-02T10:00:00Z");
        Path logDir = Files.createDirectories(dir.resolve("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02"));
        Files.write(logDir.resolve("111122223333_CloudTrail_eu-west-1_20260302T1000Z_a.json.gz"),
                CloudTrailLogs.file(logs.records("111122223333", "eu-west-1", at, 25), true));
        Files.write(logDir.resolve("111122223333_CloudTrail_eu-west-1_20260302T1005Z_b.json"),
                CloudTrailLogs.file(logs.records("111122223333", "eu-west-1", at, 3), false));
        Files.writeString(dir.resolve("manifest.json"), "{\"files\":[\"a\",\"b\"],\"source\":\"a dataset\"}");
        Path digests = Files.createDirectories(dir.resolve("AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/02"));
        Files.writeString(digests.resolve("111122223333_CloudTrail-Digest_eu-west-1_trail_eu-west-1_20260302T110000Z.json"),
                "{\"awsAccountId\":\"111122223333\",\"digestStartTime\":\"2026-03-02T10:00:00Z\",\"logFiles\":[]}");
        Files.writeString(dir.resolve("README.md"), "# corpus\n", StandardCharsets.UTF_8);
        Files.write(dir.resolve("broken.json.gz"), new byte[]{0x1f, (byte) 0x8b, 8, 0, 1, 2});

        var corpus = Corpus.read(dir);

        assertThat(corpus).extracting(Corpus.File::key).containsExactly(
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/111122223333_CloudTrail_eu-west-1_20260302T1000Z_a.json.gz",
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/111122223333_CloudTrail_eu-west-1_20260302T1005Z_b.json");
        assertThat(corpus).extracting(Corpus.File::records).containsExactly(25, 3);
    }

    @Test
    void theWarmUpCorpusHasTheMixOfTheMeasuredOneButNoneOfItsEventsAndEndsBeforeItStarts() throws Exception {
        var measured = read(Corpus.generate(6, 42));
        var warmUp = read(Corpus.before(6, 43));

        assertThat(warmUp).hasSizeGreaterThan(1_000);
        // a set, not AssertJ's doesNotContainAnyElementsOf, which walks one list for each element of the other
        java.util.Set<String> measuredIds = measured.stream().map(r -> r.path("eventID").asText()).collect(java.util.stream.Collectors.toSet());
        assertThat(warmUp.stream().map(r -> r.path("eventID").asText()).filter(measuredIds::contains).toList())
                .as("warm-up events that are in the measured corpus too").isEmpty();
        Instant lastWarm = warmUp.stream().map(r -> Instant.parse(r.path("eventTime").asText())).max(Instant::compareTo).orElseThrow();
        Instant firstMeasured = measured.stream().map(r -> Instant.parse(r.path("eventTime").asText())).min(Instant::compareTo).orElseThrow();
        assertThat(lastWarm).isBefore(firstMeasured.minus(java.time.Duration.ofDays(1)));
        assertThat(names(warmUp)).isEqualTo(names(measured));
        assertThat(warmUp.stream().map(r -> r.path("recipientAccountId").asText()).distinct().sorted().toList())
                .isEqualTo(measured.stream().map(r -> r.path("recipientAccountId").asText()).distinct().sorted().toList());
    }

    private static java.util.List<com.fasterxml.jackson.databind.JsonNode> read(java.util.List<Corpus.File> files) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var records = new java.util.ArrayList<com.fasterxml.jackson.databind.JsonNode>();
        for (Corpus.File f : files) {
            var doc = json.readTree(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(f.bytes())));
            doc.get("Records").forEach(records::add);
        }
        return records;
    }

    private static java.util.Set<String> names(java.util.List<com.fasterxml.jackson.databind.JsonNode> records) {
        return records.stream().map(r -> r.path("eventName").asText()).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    @Test
    void aDirectoryWithNoLogFileIsRefusedWithAReason() throws Exception {
        Files.writeString(dir.resolve("manifest.json"), "{\"files\":[]}");

        assertThatThrownBy(() -> Corpus.read(dir)).hasMessageContaining("no CloudTrail log files under");
    }
}

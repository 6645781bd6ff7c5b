package io.trailwatch.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;
import io.trailwatch.testsupport.CloudTrailLogs;
import io.trailwatch.testsupport.TopicReader;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** ./trailwatch local: what a newcomer runs first. */
class LocalPlatformIT {

    @Test
    void local_startsEverything_writesEndpoints_andIngestsAFileDroppedInTheWatchedDirectory(@TempDir Path tmp) throws Exception {
        Path state = tmp.resolve("state");
        Path watch = tmp.resolve("watch");
        var platform = new LocalPlatform(new LocalPlatform.Options(state, watch, false,
                Path.of(System.getProperty("trailwatch.ingest.jar"))));
        Thread runner = new Thread(() -> {
            try {
                platform.start();
                platform.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            runner.start();
            Awaitility.await().atMost(Duration.ofMinutes(3)).until(() -> Files.exists(state.resolve("ready")));
            JsonNode endpoints = new ObjectMapper().readTree(state.resolve("endpoints.json").toFile());
            assertThat(endpoints.get("bucket").asText()).isEqualTo(LocalPlatform.BUCKET);
            for (String field : new String[]{"kafkaBootstrapServers", "s3Endpoint", "sqsEndpoint", "queueUrl", "ingestService"}) {
                assertThat(endpoints.get(field).asText()).as(field).isNotBlank();
            }

            Instant at = Instant.parse("2026-03-02T10:05:00Z");
            String name = "111122223333_CloudTrail_eu-west-1_20260302T1005Z_localtest0000001.json.gz";
            Files.write(watch.resolve(name), CloudTrailLogs.file(new CloudTrailLogs(5).records("111122223333", "eu-west-1", at, 15), true));

            try (var reader = new TopicReader(endpoints.get("kafkaBootstrapServers").asText(), Topics.EVENTS)) {
                var events = reader.awaitUntil(r -> r.stream().filter(e -> TopicReader.header(e, Headers.S3_KEY).endsWith(name)).count() >= 15,
                        Duration.ofSeconds(90));
                assertThat(events).filteredOn(e -> TopicReader.header(e, Headers.S3_KEY).equals(
                        "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/" + name)).hasSize(15);
            }
        } finally {
            platform.close();
            runner.join(30_000);
        }
        assertThat(state.resolve("ready")).doesNotExist();
    }
}

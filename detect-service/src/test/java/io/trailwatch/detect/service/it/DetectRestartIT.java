package io.trailwatch.detect.service.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.ServiceProcess;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged service, run as a process against the real broker, killed (SIGKILL) in the middle of a stream and
 * started again with its local state gone: first-seen state comes back from the changelog, so services seen before
 * the crash give no finding again, and no finding is published twice.
 */
class DetectRestartIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EVENTS = "restart-it.events.v3";
    private static final String FINDINGS = "restart-it.findings.v1";
    private static final String DLQ = "restart-it.dlq.detect.events";
    private static final String ACCOUNT = "200000000001";
    private static final int MARKERS = 300;

    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
    }

    @Test
    void killedMidStream_andRestartedWithoutLocalState_keepsFirstSeen_andPublishesNoFindingTwice() throws Exception {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, EVENTS, FINDINGS, DLQ);
        Instant day0 = Instant.parse("2026-04-01T00:00:00Z");
        Process first = start("first", dir.resolve("state-1"));
        try (Traffic traffic = new Traffic(kafka.bootstrapServers(), EVENTS);
             TopicReader findings = new TopicReader(kafka.bootstrapServers(), FINDINGS)) {
            traffic.send(Traffic.call("learn-1", ACCOUNT, "s3", "ListBuckets", "eu-west-1", day0.toString()));
            traffic.send(Traffic.call("learn-2", ACCOUNT, "ec2", "DescribeInstances", "eu-west-1", day0.plus(Duration.ofDays(3)).toString()));
            traffic.send(Traffic.call("new-kms", ACCOUNT, "kms", "ListKeys", "eu-west-1", day0.plus(Duration.ofDays(8)).toString()));
            traffic.flush();
            findings.awaitUntil(seen -> ruleIds(seen).contains("first-use-service"), Duration.ofSeconds(120));

            CompletableFuture<Void> stream = CompletableFuture.runAsync(() -> publishMarkers(traffic, day0.plus(Duration.ofDays(9))));
            findings.awaitUntil(seen -> markers(seen) >= 30, Duration.ofSeconds(120));
            first.destroyForcibly().waitFor();
            int beforeKill = markers(findings.seen());
            start("second", dir.resolve("state-2"));
            stream.get();

            var seen = findings.awaitUntil(s -> markers(s) >= MARKERS && ruleIds(s).stream().filter("first-use-service"::equals).count() >= 3,
                    Duration.ofSeconds(180));
            seen = findings.drain(Duration.ofSeconds(3));

            assertThat(beforeKill).as("the kill came mid-stream, before kms was called again").isLessThan(MARKERS / 2);
            Map<String, Long> perId = seen.stream().collect(Collectors.groupingBy(ConsumerRecord::key, Collectors.counting()));
            assertThat(perId).as("no finding published twice").allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
            assertThat(seen.stream().map(DetectRestartIT::tree).filter(f -> f.get("ruleId").asText().equals("first-use-service"))
                    .map(f -> f.get("eventIds").get(0).asText())).as("kms was already seen before the crash")
                    .containsExactlyInAnyOrder("new-kms", "marker-0", "new-sagemaker");
            assertThat(markers(seen)).isEqualTo(MARKERS);
        }
    }

    /** DeleteTrail markers (one finding each) among quiet calls, with a known and a new service part-way. */
    private static void publishMarkers(Traffic traffic, Instant from) {
        for (int i = 0; i < MARKERS; i++) {
            Instant at = from.plusSeconds(i * 60L);
            traffic.send(Traffic.call("marker-" + i, ACCOUNT, "cloudtrail", "DeleteTrail", "eu-west-1", at.toString()));
            for (int q = 0; q < 40; q++) {
                traffic.send(Traffic.call("quiet-" + i + "-" + q, ACCOUNT, "ec2", "DescribeInstances", "eu-west-1", at.plusMillis(q).toString()));
            }
            if (i == MARKERS / 2) {
                traffic.send(Traffic.call("kms-again", ACCOUNT, "kms", "ListKeys", "eu-west-1", at.toString()));
            }
            if (i == MARKERS * 2 / 3) {
                traffic.send(Traffic.call("new-sagemaker", ACCOUNT, "sagemaker", "ListNotebookInstances", "eu-west-1", at.toString()));
            }
            traffic.flush();
            try {
                Thread.sleep(25); // a deliberately slow stream, so the kill lands in the middle of it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private Process start(String name, Path stateDir) throws IOException {
        Process p = ServiceProcess.start(Map.of(
                "quarkus.kafka-streams.bootstrap-servers", TestKafka.shared().bootstrapServers(),
                "quarkus.kafka-streams.application-id", "trailwatch-detect-restart-it",
                "quarkus.kafka-streams.topics", EVENTS,
                "trailwatch.detect.topics.events", EVENTS,
                "trailwatch.detect.topics.findings", FINDINGS,
                "trailwatch.detect.topics.dead-letters", DLQ,
                "kafka-streams.state.dir", stateDir.toString(),
                "kafka-streams.consumer.session.timeout.ms", "6000",
                "kafka-streams.consumer.heartbeat.interval.ms", "1000"), "detect-restart-it-" + name + ".log");
        processes.add(p);
        return p;
    }

    private static List<String> ruleIds(List<ConsumerRecord<String, String>> seen) {
        return seen.stream().map(r -> tree(r).get("ruleId").asText()).toList();
    }

    private static int markers(List<ConsumerRecord<String, String>> seen) {
        return (int) seen.stream().map(DetectRestartIT::tree).filter(f -> f.get("ruleId").asText().equals("cloudtrail-delete-trail")).count();
    }

    private static JsonNode tree(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}

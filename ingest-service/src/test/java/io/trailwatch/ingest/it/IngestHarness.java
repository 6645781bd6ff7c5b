package io.trailwatch.ingest.it;

import io.restassured.RestAssured;
import io.trailwatch.ingest.Notifications;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.S3Server;
import io.trailwatch.devkit.SqsServer;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** What the ingest ITs do to the real components, and how they read back what the service did. */
final class IngestHarness {

    static final String ACCOUNT = "111122223333";
    static final Duration WAIT = Duration.ofSeconds(60);

    private IngestHarness() {
    }

    static S3Server s3() {
        return S3Server.shared();
    }

    static String queueUrl() {
        return SqsServer.shared().createQueue(IngestResources.QUEUE, 10);
    }

    /** A fresh CloudTrail key in the account layout, unique to the caller. */
    static String newKey(String region) {
        return CloudTrailLogs.key(ACCOUNT, region, Instant.parse("2026-03-02T10:05:00Z"),
                UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    }

    /** Uploads content to the trail bucket; returns the ETag. */
    static String upload(String key, byte[] content) {
        return upload(IngestResources.BUCKET, key, content);
    }

    static String upload(String bucket, String key, byte[] content) {
        return s3().put(bucket, key, content).eTag().replace("\"", "");
    }

    /** Sends an S3 notification fixture for the key (in the trail bucket). */
    static void notifyS3(String fixture, String key, long size) {
        send(Notifications.render(fixture, Map.of("bucket", IngestResources.BUCKET, "key", key, "size", String.valueOf(size))));
    }

    static void send(String body) {
        SqsServer.shared().send(queueUrl(), body);
    }

    /** Waits until every message on the queue was deleted. */
    static void awaitQueueDrained() {
        Awaitility.await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> SqsServer.shared().undeleted(queueUrl()) == 0);
    }

    /** Events published from an object, once its notification is done; checks no more arrive. */
    static List<ConsumerRecord<String, String>> eventsOf(String key, int expected) {
        try (var reader = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.EVENTS)) {
            reader.awaitUntil(all -> from(all, key).size() >= expected, WAIT);
            awaitQueueDrained();
            List<ConsumerRecord<String, String>> mine = from(reader.drain(Duration.ofMillis(500)), key);
            assertThat(mine).as("events from " + key).hasSize(expected);
            return mine;
        }
    }

    /** Counts the events of an object on the topic now. */
    static long countEventsOf(String key) {
        try (var reader = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.EVENTS)) {
            return from(reader.drain(Duration.ofMillis(700)), key).size();
        }
    }

    /** The first dead letter on a topic whose value mentions the text. */
    static ConsumerRecord<String, String> deadLetter(String topic, String mentioning) {
        try (var reader = new TopicReader(TestKafka.shared().bootstrapServers(), topic)) {
            var all = reader.awaitUntil(r -> r.stream().anyMatch(c -> c.value().contains(mentioning)), WAIT);
            return all.stream().filter(c -> c.value().contains(mentioning)).findFirst().orElseThrow();
        }
    }

    /** The events of the log file at {@code key} in the test bucket, which each name it by its id. */
    static List<ConsumerRecord<String, String>> from(List<ConsumerRecord<String, String>> records, String key) {
        String id = io.trailwatch.cloudtrail.EventMessages.logFileId(IngestResources.BUCKET, key);
        return records.stream().filter(r -> id.equals(TopicReader.header(r, Headers.LOG_FILE))).toList();
    }

    /** The sum of a Prometheus counter's series whose labels contain every given label="value" pair. */
    static double metric(String name, String... labels) {
        String text = io.trailwatch.testsupport.Management.metrics();
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})?\\s+([0-9.eE+-]+)$", Pattern.MULTILINE);
        Matcher m = line.matcher(text);
        double sum = 0;
        while (m.find()) {
            String tags = m.group(1) == null ? "" : m.group(1);
            boolean all = true;
            for (String label : labels) {
                all &= tags.contains(label);
            }
            if (all) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
}

package io.trailwatch.ingest.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.trailwatch.ingest.Notifications;
import io.trailwatch.cloudtrail.EventMessages;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Headers;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.trailwatch.ingest.it.IngestHarness.ACCOUNT;
import static io.trailwatch.ingest.it.IngestHarness.awaitQueueDrained;
import static io.trailwatch.ingest.it.IngestHarness.countEventsOf;
import static io.trailwatch.ingest.it.IngestHarness.eventsOf;
import static io.trailwatch.ingest.it.IngestHarness.metric;
import static io.trailwatch.ingest.it.IngestHarness.newKey;
import static io.trailwatch.ingest.it.IngestHarness.notifyS3;
import static io.trailwatch.ingest.it.IngestHarness.send;
import static io.trailwatch.ingest.it.IngestHarness.upload;
import static org.assertj.core.api.Assertions.assertThat;

/** Notifications on a real SQS server, objects on a real S3 server, events read back from a real Kafka broker. */
@QuarkusTest
@QuarkusTestResource(value = IngestResources.class, restrictToAnnotatedClass = false)
class IngestPipelineIT {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    @Test
    void s3Notification_publishesEveryRecordOnce_withCloudEventsHeadersAndAccountKey() throws Exception {
        byte[] file = fixture("cloudtrail/mixed-event-types.json");
        String key = newKey("eu-west-1");
        upload(key, CloudTrailLogs.file(records(file), true));

        notifyS3("s3-object-created.json", key, file.length);

        List<ConsumerRecord<String, String>> events = eventsOf(key, 9);
        assertThat(events).extracting(ConsumerRecord::key).containsOnly(ACCOUNT);
        ConsumerRecord<String, String> first = events.get(0);
        assertThat(TopicReader.header(first, Headers.CE_ID)).isEqualTo("0e5d1c4b-3a29-4f18-8e07-d6c5b4a39281");
        assertThat(TopicReader.header(first, Headers.CE_TYPE)).isEqualTo(CloudTrailEvent.CE_TYPE);
        assertThat(TopicReader.header(first, Headers.CE_SOURCE)).isEqualTo("/aws/cloudtrail/111122223333/us-east-1");
        assertThat(TopicReader.header(first, Headers.CE_TIME)).isEqualTo("2026-03-02T08:00:12Z");
        assertThat(TopicReader.header(first, Headers.CE_SPECVERSION)).isEqualTo("1.0");
        assertThat(TopicReader.header(first, Headers.SCHEMA_VERSION)).isEqualTo("1");
        assertThat(TopicReader.header(first, Headers.S3_BUCKET)).isEqualTo(IngestResources.BUCKET);
        assertThat(TopicReader.header(first, Headers.S3_KEY)).isEqualTo(key);
        assertThat(TopicReader.header(first, Headers.RECORD_INDEX)).isEqualTo("0");
        assertThat(TopicReader.header(first, Headers.ACCOUNT_CHECK)).isEqualTo("verified");
        // the file's bucket and key come once, on its first record; every record names the file by its id
        assertThat(events).extracting(e -> TopicReader.header(e, Headers.LOG_FILE)).hasSize(9)
                .containsOnly(io.trailwatch.cloudtrail.EventMessages.logFileId(IngestResources.BUCKET, key));
        assertThat(TopicReader.header(first, Headers.LOG_FILE)).hasSize(16);
        assertThat(events.subList(1, 9)).allSatisfy(e -> {
            assertThat(TopicReader.header(e, Headers.S3_BUCKET)).isNull();
            assertThat(TopicReader.header(e, Headers.S3_KEY)).isNull();
            assertThat(TopicReader.header(e, Headers.ACCOUNT_CHECK)).isEqualTo("verified");
        });
        assertThat(events).extracting(e -> TopicReader.header(e, Headers.VIA)).containsOnlyNulls();
        assertThat(events).extracting(e -> TopicReader.header(e, Headers.RECORD_INDEX))
                .containsExactly("0", "1", "2", "3", "4", "5", "6", "7", "9");
        // the file's regions change from record to record: each event's source names its own
        for (var event : events) {
            assertThat(TopicReader.header(event, Headers.CE_SOURCE))
                    .isEqualTo("/aws/cloudtrail/111122223333/" + JSON.readTree(event.value()).path("awsRegion").asText());
        }
        assertThat(events).extracting(e -> TopicReader.header(e, Headers.CE_SOURCE)).containsSubsequence(
                "/aws/cloudtrail/111122223333/us-east-1", "/aws/cloudtrail/111122223333/eu-west-1",
                "/aws/cloudtrail/111122223333/us-east-1");
    }

    @Test
    void eventsAreCompressedWithNativeLz4_evenThoughQuarkusLoadsTheLibraryWithItsOwnClassLoader() {
        // lz4-java only picks its native build by itself under the system class loader; a Quarkus application's is not
        assertThat(net.jpountz.lz4.LZ4Factory.class.getClassLoader()).isNotSameAs(ClassLoader.getSystemClassLoader());
        assertThat(io.trailwatch.messaging.NativeCompression.lz4()).isEqualTo("JNI");
    }

    @Test
    void everyPublishedEvent_isItsRecordAsWritten_validAgainstItsSchema_andDecodesToTheNormalizedEvent() throws Exception {
        byte[] file = fixture("cloudtrail/mixed-event-types.json");
        String key = newKey("eu-west-1");
        upload(key, file);

        notifyS3("s3-object-created.json", key, file.length);

        List<JsonNode> raws = new ArrayList<>();
        String written = new String(file, java.nio.charset.StandardCharsets.UTF_8);
        String logFile = io.trailwatch.cloudtrail.EventMessages.logFileId(IngestResources.BUCKET, key);
        List<ConsumerRecord<String, String>> events = eventsOf(key, 9);
        for (var event : events) {
            assertThat(written).contains(event.value());
            assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.EVENTS, 1), event.value())).isEmpty();
            CloudTrailEvent parsed = EventMessages.decode(event.value().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    event.key(), h -> TopicReader.header(event, h));
            assertThat(TopicReader.header(event, Headers.CE_ID)).isEqualTo(parsed.eventId());
            assertThat(TopicReader.header(event, Headers.CE_TIME)).isEqualTo(parsed.eventTime().toString());
            assertThat(parsed.origin()).isEqualTo(event == events.get(0)
                    ? io.trailwatch.model.EventOrigin.logFile(IngestResources.BUCKET, key, "verified", logFile)
                    : io.trailwatch.model.EventOrigin.logFile(null, null, "verified", logFile));
            raws.add(parsed.raw());
        }
        List<ObjectNode> originals = records(file);
        originals.remove(8);
        assertThat(raws).containsExactlyElementsOf(originals);
    }

    @Test
    void snsWrappedS3Notification() throws Exception {
        String key = newKey("us-east-1");
        byte[] file = generated(key, 25);

        notifyS3("sns-s3-object-created.json", key, file.length);

        eventsOf(key, 25);
    }

    @Test
    void eventBridgeObjectCreated() throws Exception {
        String key = newKey("ap-southeast-2");
        byte[] file = generated(key, 12);

        notifyS3("eventbridge-object-created.json", key, file.length);

        eventsOf(key, 12);
    }

    @Test
    void cloudTrailSnsNotification_withTwoObjects_rawAndWrapped() throws Exception {
        String key1 = newKey("eu-west-1");
        String key2 = newKey("eu-west-1");
        generated(key1, 7);
        generated(key2, 9);
        String key3 = newKey("us-west-2");
        generated(key3, 4);

        send(Notifications.render("cloudtrail-sns.json", Map.of("bucket", IngestResources.BUCKET, "key", key1, "key2", key2)));
        send(Notifications.render("sns-cloudtrail.json", Map.of("bucket", IngestResources.BUCKET, "key", key3)));

        eventsOf(key1, 7);
        eventsOf(key2, 9);
        eventsOf(key3, 4);
        assertThat(metric("trailwatch_ingest_notifications_total", "envelope=\"sns-cloudtrail-sns\"", "outcome=\"accepted\"")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void s3NotificationWithTwoRecords_andAKeyThatNeedsUrlDecoding() throws Exception {
        String key1 = "team a+b/" + newKey("eu-west-1");
        String key2 = newKey("eu-west-1");
        byte[] f1 = generated(key1, 3);
        byte[] f2 = generated(key2, 5);

        send(Notifications.render("s3-object-created-two-records.json", Map.of("bucket", IngestResources.BUCKET,
                "key", key1, "size", String.valueOf(f1.length), "key2", key2, "size2", String.valueOf(f2.length))));

        eventsOf(key1, 3);
        eventsOf(key2, 5);
    }

    @Test
    void tenMessagesAtOnce_plainAndGzip() throws Exception {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String key = newKey(CloudTrailLogs.region(i));
            if (i % 2 == 0) {
                key = key.replace(".json.gz", ".json");
            }
            var recs = new CloudTrailLogs(i).records(ACCOUNT, CloudTrailLogs.region(i), Instant.parse("2026-03-02T10:00:00Z"), 20 + i);
            upload(key, CloudTrailLogs.file(recs, i % 2 == 1));
            keys.add(key);
        }
        for (String key : keys) {
            notifyS3("s3-object-created.json", key, 1);
        }

        for (int i = 0; i < 10; i++) {
            eventsOf(keys.get(i), 20 + i);
        }
    }

    @Test
    void largeFile_everyRecordOnce_inFileOrder() throws Exception {
        String key = newKey("eu-west-1");
        int n = 20_000;
        byte[] file = generated(key, n);

        notifyS3("s3-object-created.json", key, file.length);

        var events = eventsOf(key, n);
        for (int i = 0; i < n; i++) {
            assertThat(TopicReader.header(events.get(i), Headers.RECORD_INDEX)).isEqualTo(String.valueOf(i));
        }
        assertThat(events.stream().map(e -> TopicReader.header(e, Headers.CE_ID)).collect(Collectors.toSet())).hasSize(n);
    }

    @Test
    void s3TestEvent_isAcknowledgedAndIgnored() {
        double before = metric("trailwatch_ingest_notifications_total", "envelope=\"s3-test-event\"", "outcome=\"ignored\"");

        send(Notifications.render("s3-test-event.json", Map.of("bucket", IngestResources.BUCKET)));

        awaitQueueDrained();
        assertThat(metric("trailwatch_ingest_notifications_total", "envelope=\"s3-test-event\"", "outcome=\"ignored\""))
                .isEqualTo(before + 1);
    }

    @Test
    void redeliveredNotification_doesNotDoubleTheStream() throws Exception {
        String key = newKey("eu-west-1");
        byte[] file = generated(key, 30);
        notifyS3("s3-object-created.json", key, file.length);
        eventsOf(key, 30);
        double skipped = metric("trailwatch_ingest_objects_total", "outcome=\"skipped\"", "reason=\"already-ingested\"");

        notifyS3("s3-object-created.json", key, file.length);
        send(Notifications.render("cloudtrail-sns.json", Map.of("bucket", IngestResources.BUCKET, "key", key, "key2", key)));

        awaitQueueDrained();
        assertThat(countEventsOf(key)).isEqualTo(30);
        assertThat(metric("trailwatch_ingest_objects_total", "outcome=\"skipped\"", "reason=\"already-ingested\""))
                .isEqualTo(skipped + 3);
    }

    @Test
    void readinessAndMetrics_areExposed() {
        io.trailwatch.testsupport.Management.anonymous().get("/q/health/ready").then().statusCode(200);
        String metrics = io.trailwatch.testsupport.Management.metrics();
        for (String name : List.of("trailwatch_ingest_records_published_total", "trailwatch_ingest_bytes_read_bytes_total",
                "trailwatch_ingest_objects_in_flight", "trailwatch_ingest_object_lag_seconds")) {
            assertThat(metrics).contains(name);
        }
    }

    static byte[] generated(String key, int n) {
        var recs = new CloudTrailLogs(key.hashCode()).records(ACCOUNT, "eu-west-1", Instant.parse("2026-03-02T10:00:00Z"), n);
        byte[] file = CloudTrailLogs.file(recs, true);
        upload(key, file);
        return file;
    }

    static List<ObjectNode> records(byte[] file) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        JSON.readTree(file).get("Records").forEach(r -> out.add((ObjectNode) r));
        return out;
    }

    static byte[] fixture(String path) throws IOException {
        try (InputStream in = IngestPipelineIT.class.getResourceAsStream("/fixtures/" + path)) {
            return in.readAllBytes();
        }
    }

    static Set<String> ids(List<ConsumerRecord<String, String>> events) {
        return events.stream().map(e -> TopicReader.header(e, Headers.CE_ID)).collect(Collectors.toSet());
    }
}

package io.trailwatch.ingest.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trailwatch.cloudtrail.UnreadableLogException;
import io.trailwatch.ingest.Notifications;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Headers;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.TopicReader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import static io.trailwatch.ingest.it.IngestHarness.ACCOUNT;
import static io.trailwatch.ingest.it.IngestHarness.awaitQueueDrained;
import static io.trailwatch.ingest.it.IngestHarness.deadLetter;
import static io.trailwatch.ingest.it.IngestHarness.eventsOf;
import static io.trailwatch.ingest.it.IngestHarness.metric;
import static io.trailwatch.ingest.it.IngestHarness.newKey;
import static io.trailwatch.ingest.it.IngestHarness.notifyS3;
import static io.trailwatch.ingest.it.IngestHarness.send;
import static io.trailwatch.ingest.it.IngestHarness.upload;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad input gives a dead letter with its reason and a metric, its SQS message is deleted, and the
 * service goes on with the next message.
 */
@QuarkusTest
@QuarkusTestResource(value = IngestResources.class, restrictToAnnotatedClass = false)
class BadInputIT {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    @Test
    void corruptGzip_isDeadLettered() throws Exception {
        byte[] gz = gzip(CloudTrailLogs.file(new CloudTrailLogs(1).records(ACCOUNT, "eu-west-1", Instant.now(), 50), false));
        for (int i = 30; i < 90; i++) {
            gz[i] ^= 0x33;
        }
        assertObjectDeadLettered(gz, UnreadableLogException.CORRUPT_GZIP);
    }

    @Test
    void truncatedGzip_isDeadLettered() throws Exception {
        byte[] gz = CloudTrailLogs.file(new CloudTrailLogs(2).records(ACCOUNT, "eu-west-1", Instant.now(), 400), true);
        assertObjectDeadLettered(Arrays.copyOf(gz, gz.length / 2), UnreadableLogException.TRUNCATED_GZIP);
    }

    @Test
    void gzipBomb_isDeadLettered_atTheDecompressedSizeCap() throws Exception {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write("{\"Records\":[".getBytes(StandardCharsets.UTF_8));
            byte[] spaces = new byte[1 << 20];
            Arrays.fill(spaces, (byte) ' ');
            for (long written = 0; written <= IngestResources.MAX_DECOMPRESSED; written += spaces.length) {
                gz.write(spaces);
            }
        }
        assertThat(out.size()).isLessThan(1 << 20);
        assertObjectDeadLettered(out.toByteArray(), UnreadableLogException.TOO_LARGE);
    }

    @Test
    void fileThatIsNoJson_isDeadLettered() throws Exception {
        assertObjectDeadLettered(gzip("<Error><Code>AccessDenied</Code></Error>".getBytes(StandardCharsets.UTF_8)),
                UnreadableLogException.NOT_JSON);
    }

    @Test
    void jsonWithoutRecords_isDeadLettered() throws Exception {
        assertObjectDeadLettered("{\"awsAccountId\":\"111122223333\",\"logFiles\":[]}".getBytes(StandardCharsets.UTF_8),
                UnreadableLogException.NOT_CLOUDTRAIL);
    }

    @Test
    void recordWithoutEventId_isDeadLettered_andItsSiblingsArePublished() throws Exception {
        var recs = new CloudTrailLogs(3).records(ACCOUNT, "eu-west-1", Instant.parse("2026-03-02T10:00:00Z"), 3);
        String lostId = recs.get(1).get("eventID").asText();
        recs.get(1).remove("eventID");
        recs.get(1).put("marker", lostId);
        String key = newKey("eu-west-1");
        upload(key, CloudTrailLogs.file(recs, true));
        double before = metric("trailwatch_ingest_dead_letters_total", "channel=\"records\"", "reason=\"missing-field\"");

        notifyS3("s3-object-created.json", key, 1);

        assertThat(eventsOf(key, 2)).extracting(e -> TopicReader.header(e, Headers.RECORD_INDEX)).containsExactly("0", "2");
        DeadLetter letter = letter(deadLetter(Topics.DLQ_INGEST_RECORDS, lostId));
        assertThat(letter.reason()).isEqualTo("missing-field");
        assertThat(letter.detail()).contains("eventID");
        assertThat(letter.source()).containsEntry("key", key).containsEntry("recordIndex", "1");
        assertThat(JSON.readTree(letter.payload()).get("marker").asText()).isEqualTo(lostId);
        assertThat(metric("trailwatch_ingest_dead_letters_total", "channel=\"records\"", "reason=\"missing-field\""))
                .isEqualTo(before + 1);
    }

    @Test
    void aRecordTheTopicRefusesForItsSize_isDeadLettered_once_andItsSiblingsArePublished() throws Exception {
        // A Kafka admin set the events topic's max.message.bytes below what the producer may send.
        String topic = Topics.EVENTS;
        var resource = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, topic);
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers",
                io.trailwatch.testsupport.TestKafka.shared().bootstrapServers()))) {
            alter(admin, resource, org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET, "150000");
            try {
                var recs = new CloudTrailLogs(5).records(ACCOUNT, "eu-west-1", Instant.parse("2026-03-02T10:00:00Z"), 3);
                // larger than the producer's batch.size (128 KiB), so Kafka sends it in a batch of its own: a topic limit
                // below batch.size makes the producer split and resend batches until they expire (docs/configuration.md)
                byte[] noise = new byte[150_000];
                new java.util.Random(5).nextBytes(noise);
                recs.get(1).putObject("requestParameters").put("policy", java.util.Base64.getEncoder().encodeToString(noise));
                String bigId = recs.get(1).get("eventID").asText();
                String key = newKey("eu-west-1");
                upload(key, CloudTrailLogs.file(recs, true));
                double before = metric("trailwatch_ingest_dead_letters_total", "channel=\"records\"", "reason=\"record-too-large-for-kafka\"");

                notifyS3("s3-object-created.json", key, 1);

                assertThat(eventsOf(key, 2)).extracting(e -> TopicReader.header(e, Headers.RECORD_INDEX)).containsExactly("0", "2");
                DeadLetter letter = letter(deadLetter(Topics.DLQ_INGEST_RECORDS, bigId));
                assertThat(letter.reason()).isEqualTo("record-too-large-for-kafka");
                assertThat(letter.source()).containsEntry("key", key).containsEntry("recordIndex", "1");
                awaitQueueDrained();
                assertThat(metric("trailwatch_ingest_dead_letters_total", "channel=\"records\"", "reason=\"record-too-large-for-kafka\""))
                        .as("dead-lettered once, not retried").isEqualTo(before + 1);
            } finally {
                alter(admin, resource, org.apache.kafka.clients.admin.AlterConfigOp.OpType.DELETE, "");
            }
        }
        assertStillIngests();
    }

    private static void alter(org.apache.kafka.clients.admin.Admin admin, org.apache.kafka.common.config.ConfigResource topic,
                              org.apache.kafka.clients.admin.AlterConfigOp.OpType op, String value) throws Exception {
        admin.incrementalAlterConfigs(Map.of(topic, java.util.List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                new org.apache.kafka.clients.admin.ConfigEntry("max.message.bytes", value), op)))).all().get();
    }

    @Test
    void aForgedFile_underOneAccountsKey_withAnotherAccountsRecords_isNotThatAccountsActivity() throws Exception {
        String victim = "444455556666";
        var recs = new CloudTrailLogs(6).records(ACCOUNT, "eu-west-1", Instant.parse("2026-03-02T10:00:00Z"), 3);
        recs.get(0).put("recipientAccountId", victim);
        recs.get(2).put("recipientAccountId", victim);
        String forgedId = recs.get(2).get("eventID").asText();
        String key = newKey("eu-west-1");
        upload(key, CloudTrailLogs.file(recs, true));
        double before = metric("trailwatch_ingest_integrity_problems_total", "reason=\"account-mismatch\"");

        notifyS3("s3-object-created.json", key, 1);

        assertThat(eventsOf(key, 1)).singleElement().satisfies(e -> {
            assertThat(TopicReader.header(e, Headers.RECORD_INDEX)).isEqualTo("1");
            assertThat(e.key()).isEqualTo(ACCOUNT);
        });
        DeadLetter letter = letter(deadLetter(Topics.DLQ_INGEST_RECORDS, forgedId));
        assertThat(letter.reason()).isEqualTo("account-mismatch");
        assertThat(letter.source()).containsEntry("key", key).containsEntry("recordIndex", "2");
        var finding = JSON.readValue(deadLetter(Topics.FINDINGS, key).value(), io.trailwatch.model.Finding.class);
        assertThat(finding.ruleId()).isEqualTo("cloudtrail-integrity-account-mismatch");
        assertThat(finding.severity()).isEqualTo("critical");
        assertThat(finding.accountId()).isEqualTo(ACCOUNT);
        assertThat(finding.description()).contains("2 record(s)").contains(victim);
        assertThat(metric("trailwatch_ingest_integrity_problems_total", "reason=\"account-mismatch\"")).isEqualTo(before + 1);
        assertStillIngests();
    }

    @Test
    void fileWhoseEveryRecordIsBad_deadLettersThemAll_andTheServiceGoesOn() throws Exception {
        int n = 20_000;
        var recs = new CloudTrailLogs(4).records(ACCOUNT, "eu-west-1", Instant.parse("2026-03-02T10:00:00Z"), n);
        recs.forEach(r -> r.put("eventTime", "not a time"));
        String key = newKey("eu-west-1");
        upload(key, CloudTrailLogs.file(recs, true));
        double before = metric("trailwatch_ingest_dead_letters_total", "channel=\"records\"", "reason=\"invalid-field\"");

        notifyS3("s3-object-created.json", key, 1);

        awaitQueueDrained();
        assertThat(metric("trailwatch_ingest_dead_letters_total", "channel=\"records\"", "reason=\"invalid-field\""))
                .isEqualTo(before + n);
        assertStillIngests();
    }

    @Test
    void objectInAForeignBucket_isRefusedWithoutBeingFetched() throws Exception {
        // The object does not even exist: had it been fetched, the reason would be object-not-found.
        String key = newKey("eu-west-1");
        double before = metric("trailwatch_ingest_objects_total", "outcome=\"refused\"", "reason=\"bucket-not-allowed\"");

        send(Notifications.render("s3-object-created.json", Map.of("bucket", IngestResources.FOREIGN_BUCKET, "key", key)));

        DeadLetter letter = letter(deadLetter(Topics.DLQ_INGEST_OBJECTS, key));
        assertThat(letter.reason()).isEqualTo("bucket-not-allowed");
        assertThat(letter.source()).containsEntry("bucket", IngestResources.FOREIGN_BUCKET);
        awaitQueueDrained();
        assertThat(metric("trailwatch_ingest_objects_total", "outcome=\"refused\"", "reason=\"bucket-not-allowed\""))
                .isEqualTo(before + 1);
        assertStillIngests();
    }

    @Test
    void missingObject_isDeadLettered() throws Exception {
        String key = newKey("eu-west-1");

        notifyS3("s3-object-created.json", key, 10);

        DeadLetter letter = letter(deadLetter(Topics.DLQ_INGEST_OBJECTS, key));
        assertThat(letter.reason()).isEqualTo("object-not-found");
        awaitQueueDrained();
        assertStillIngests();
    }

    @Test
    void sqsBodyThatIsNoNotification_isDeadLetteredWithTheBody() throws Exception {
        String marker = "garbage-" + System.nanoTime();
        double before = metric("trailwatch_ingest_dead_letters_total", "channel=\"notifications\"", "reason=\"not-json\"");

        send("this is " + marker + ", not JSON");
        send("{\"unexpected\":\"" + marker + "-2\"}");

        ConsumerRecord<String, String> record = deadLetter(Topics.DLQ_INGEST_NOTIFICATIONS, marker + ",");
        DeadLetter letter = letter(record);
        assertThat(letter.reason()).isEqualTo("not-json");
        assertThat(letter.payload()).isEqualTo("this is " + marker + ", not JSON");
        assertThat(letter.source()).containsKey("sqsMessageId");
        assertThat(TopicReader.header(record, Headers.DLQ_REASON)).isEqualTo("not-json");
        assertThat(letter(deadLetter(Topics.DLQ_INGEST_NOTIFICATIONS, marker + "-2")).reason()).isEqualTo("unknown-envelope");
        awaitQueueDrained();
        assertThat(metric("trailwatch_ingest_dead_letters_total", "channel=\"notifications\"", "reason=\"not-json\""))
                .isEqualTo(before + 1);
        assertStillIngests();
    }

    private static void assertObjectDeadLettered(byte[] content, String reason) throws Exception {
        String key = newKey("eu-west-1");
        upload(key, content);
        double before = metric("trailwatch_ingest_dead_letters_total", "channel=\"objects\"", "reason=\"" + reason + "\"");

        notifyS3("s3-object-created.json", key, content.length);

        ConsumerRecord<String, String> record = deadLetter(Topics.DLQ_INGEST_OBJECTS, key);
        assertThat(SchemaCheck.violations("schemas/trailwatch.dlq.v1/v1.schema.json", record.value())).isEmpty();
        DeadLetter letter = letter(record);
        assertThat(letter.reason()).isEqualTo(reason);
        assertThat(letter.service()).isEqualTo("ingest");
        assertThat(letter.source()).containsEntry("bucket", IngestResources.BUCKET).containsEntry("key", key)
                .containsKey("sqsMessageId");
        assertThat(TopicReader.header(record, Headers.DLQ_REASON)).isEqualTo(reason);
        awaitQueueDrained();
        assertThat(metric("trailwatch_ingest_dead_letters_total", "channel=\"objects\"", "reason=\"" + reason + "\""))
                .isEqualTo(before + 1);
        assertThat(metric("trailwatch_ingest_objects_total", "outcome=\"failed\"", "reason=\"" + reason + "\""))
                .isGreaterThanOrEqualTo(1);
        assertStillIngests();
    }

    /** The next good file after a bad one still flows. */
    private static void assertStillIngests() {
        String key = newKey("eu-west-1");
        IngestPipelineIT.generated(key, 3);
        notifyS3("s3-object-created.json", key, 1);
        eventsOf(key, 3);
    }

    private static DeadLetter letter(ConsumerRecord<String, String> record) throws Exception {
        JsonNode tree = JSON.readTree(record.value());
        return JSON.treeToValue(tree, DeadLetter.class);
    }

    private static byte[] gzip(byte[] plain) throws Exception {
        var out = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(out)) {
            gz.write(plain);
        }
        return out.toByteArray();
    }
}

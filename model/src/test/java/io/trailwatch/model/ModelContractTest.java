package io.trailwatch.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The golden fixtures of every topic and version are the contract: they must keep deserializing into today's records,
 * and what today's records serialize must validate against the schema of the version they claim.
 */
class ModelContractTest {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    private static final Map<String, Class<?>> TOPICS = Map.of(
            Topics.EVENTS_V1, CloudTrailEvent.class,
            Topics.INGEST_LEDGER, IngestedObject.class,
            Topics.FINDINGS, Finding.class,
            Topics.DELIVERIES, Delivery.class,
            Topics.REMEDIATIONS, Remediation.class,
            Topics.INTEGRITY, IntegrityRecord.class,
            "trailwatch.dlq.v1", DeadLetter.class);

    @TestFactory
    Stream<DynamicTest> goldenFixtures_deserializeAndRoundTripWithinTheirSchema() throws Exception {
        return TOPICS.entrySet().stream().flatMap(topic -> fixtures(topic.getKey()).stream().map(file ->
                DynamicTest.dynamicTest(topic.getKey() + " :: " + file.getParent().getFileName() + "/" + file.getFileName(),
                        () -> {
                            String text = Files.readString(file);
                            String schema = "schemas/" + topic.getKey() + "/" + file.getParent().getFileName() + ".schema.json";
                            assertThat(SchemaCheck.violations(schema, text)).as("fixture is valid").isEmpty();

                            Object value = JSON.readValue(text, topic.getValue());
                            String written = JSON.writeValueAsString(value);
                            assertThat(SchemaCheck.violations(schema, written)).as("re-serialized is valid").isEmpty();
                            assertThat(JSON.readTree(written)).as("nothing lost in a round trip")
                                    .isEqualTo(JSON.readTree(text));
                        })));
    }

    @TestFactory
    Stream<DynamicTest> goldenRecordsOfTheEventsTopic_areValidCloudTrailRecords() throws Exception {
        return fixtures(Topics.EVENTS).stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () ->
                assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.EVENTS, 1), Files.readString(file))).isEmpty()));
    }

    @Test
    void eventsSchema_rejectsARecordWithoutItsIdentity() {
        String schema = SchemaCheck.schemaPath(Topics.EVENTS, 1);

        assertThat(SchemaCheck.violations(schema, "{\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventSource\":\"s\","
                + "\"eventName\":\"n\"}")).anySatisfy(v -> assertThat(v).contains("eventID"));
        assertThat(SchemaCheck.violations(schema, "{\"eventID\":\"e\",\"eventTime\":\"t\",\"eventSource\":\"s\","
                + "\"eventName\":\"\"}")).isNotEmpty();
        assertThat(SchemaCheck.violations(schema, "{\"eventID\":\"e\",\"eventTime\":\"t\",\"eventSource\":\"s\","
                + "\"eventName\":\"n\",\"fromTheFuture\":{\"x\":1}}")).isEmpty();
    }

    @Test
    void schema_rejectsAnEventWithoutItsIdentity() {
        String schema = SchemaCheck.schemaPath(Topics.EVENTS_V1, 1);

        assertThat(SchemaCheck.violations(schema, "{\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventSource\":\"s\","
                + "\"eventName\":\"n\",\"raw\":{}}")).anySatisfy(v -> assertThat(v).contains("eventId"));
        assertThat(SchemaCheck.violations(schema, "{\"eventId\":\"e\",\"eventTime\":\"t\",\"eventSource\":\"s\","
                + "\"eventName\":\"n\",\"raw\":{},\"readOnly\":\"yes\"}")).isNotEmpty();
    }

    @Test
    void event_keepsUnknownCloudTrailFieldsInRaw() throws IOException {
        JsonNode raw = JSON.readTree("{\"eventID\":\"e1\",\"brandNewField\":{\"x\":[1,2.50]}}");
        var event = new CloudTrailEvent("e1", Instant.parse("2026-01-01T00:00:00Z"), null, "s3.amazonaws.com",
                "GetObject", null, "111122223333", null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null, null, null, raw);

        JsonNode back = JSON.readTree(JSON.writeValueAsString(event)).get("raw");

        assertThat(back.get("brandNewField").get("x").get(1).decimalValue()).isEqualByComparingTo("2.50");
        assertThat(back).isEqualTo(raw);
    }

    @Test
    void event_ignoresFieldsAddedByALaterMinorVersion() throws IOException {
        var event = JSON.readValue("{\"eventId\":\"e1\",\"eventTime\":\"2026-01-01T00:00:00Z\",\"eventSource\":\"s\","
                + "\"eventName\":\"n\",\"raw\":{},\"fieldFromTheFuture\":42}", CloudTrailEvent.class);

        assertThat(event.eventId()).isEqualTo("e1");
    }

    @Test
    void ceSource_namesAccountAndRegion_orDashWhenUnknown() {
        var known = new CloudTrailEvent("e", Instant.EPOCH, null, "s", "n", "eu-west-1", "111122223333", null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        var unknown = new CloudTrailEvent("e", Instant.EPOCH, null, "s", "n", null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null);

        assertThat(known.ceSource()).isEqualTo("/aws/cloudtrail/111122223333/eu-west-1");
        assertThat(unknown.ceSource()).isEqualTo("/aws/cloudtrail/-/-");
    }

    @Test
    void ledgerKey_prefersVersionId_elseUnquotedEtag() {
        assertThat(IngestedObject.ledgerKey("b", "k/x.json.gz", "\"abc\"", null)).isEqualTo("s3://b/k/x.json.gz#abc");
        assertThat(IngestedObject.ledgerKey("b", "k", "abc", "v7")).isEqualTo("s3://b/k#v7");
        assertThat(IngestedObject.ledgerKey("b", "k", "abc", "null")).isEqualTo("s3://b/k#abc");
    }

    @Test
    void deadLetter_truncatesLongPayloads() {
        var dl = DeadLetter.of("ingest", "records", "r", "d", Instant.EPOCH, Map.of(), "x".repeat(70_000));

        assertThat(dl.payload()).hasSize(DeadLetter.MAX_PAYLOAD_CHARS);
        assertThat(dl.payloadTruncated()).isTrue();
        assertThat(DeadLetter.of("s", "c", "r", "d", Instant.EPOCH, null, "short").payloadTruncated()).isNull();
    }

    private static List<Path> fixtures(String topic) {
        try {
            Path root = Path.of(ModelContractTest.class.getClassLoader().getResource("golden/" + topic).toURI());
            try (Stream<Path> files = Files.walk(root)) {
                List<Path> list = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
                assertThat(list).as("golden fixtures of " + topic).isNotEmpty();
                return list;
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.trailwatch.detect.service.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.cloudtrail.EventMessages;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.detect.service.core.DetectMetrics;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On the events topic a log file's bucket and key come once, on its first record for the account; every record names
 * the file by its id. detect-service's findings still say which object their event was read from, whichever record of
 * the file made them, and no record can make another file's records name its object.
 */
class LogFilesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCOUNT = "111122223333";
    private static final String BUCKET = "trail-bucket";

    @TempDir
    Path tmp;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> events;
    private TestOutputTopic<String, byte[]> findings;
    private Instant at = Instant.parse("2026-06-01T00:00:00Z");
    private int trails;

    @BeforeEach
    void start() throws Exception {
        var topology = DetectTopology.build(new Engine(RulePack.builtIn(), Rule.Exceptions.NONE),
                new DetectTopology.Names(Topics.EVENTS, Topics.FINDINGS, Topics.DLQ_DETECT_EVENTS), Duration.ofDays(1),
                Duration.ofDays(90), Duration.ofMinutes(10), Duration.ofMinutes(15),
                new EventCopies.Settings(Duration.ofMinutes(30), Set.of("Management"), false), new DetectMetrics(registry));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "detect-log-files-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.toString());
        driver = new TopologyTestDriver(topology, props);
        events = driver.createInputTopic(Topics.EVENTS, new StringSerializer(), new ByteArraySerializer());
        findings = driver.createOutputTopic(Topics.FINDINGS, new StringDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void everyFindingOfALogFile_namesItsBucketAndKey_thoughOnlyTheFilesFirstRecordDid() throws Exception {
        String key = key("0805Z_a1");
        String id = EventMessages.logFileId(BUCKET, key);

        send(stopLogging(), id, BUCKET, key);
        for (int i = 0; i < 4; i++) {
            send(stopLogging(), id, null, null);
        }

        List<JsonNode> origins = origins();
        assertThat(origins).hasSize(5).allSatisfy(o -> {
            assertThat(o.path("bucket").asText()).isEqualTo(BUCKET);
            assertThat(o.path("key").asText()).isEqualTo(key);
            assertThat(o.path("logFile").asText()).isEqualTo(id);
            assertThat(o.path("accountCheck").asText()).isEqualTo(EventOrigin.VERIFIED);
        });
        assertThat(unknown()).isZero();
    }

    @Test
    void aFileWhoseRecordsComeAfterHundredsOfOthers_isStillKnown_fromTheStoreBehindTheFilesInMemory() throws Exception {
        String key = key("0805Z_a1");
        String id = EventMessages.logFileId(BUCKET, key);
        send(stopLogging(), id, BUCKET, key);
        for (int i = 0; i < 600; i++) {
            String other = key(String.format("0806Z_%04d", i));
            send(quiet(), EventMessages.logFileId(BUCKET, other), BUCKET, other);
        }

        send(stopLogging(), id, null, null);

        List<JsonNode> origins = origins();
        assertThat(origins).hasSize(2);
        assertThat(origins.get(1).path("key").asText()).isEqualTo(key);
        assertThat(unknown()).isZero();
    }

    @Test
    void aRecordWhoseIdIsNotItsNamesId_keepsItsOwnName_butLendsItToNoOtherRecord() throws Exception {
        String key = key("0805Z_a1");
        String id = EventMessages.logFileId(BUCKET, key);
        // a record that names another object under this file's id: ingest-service never writes one
        send(stopLogging(), id, "attacker-bucket", "AWSLogs/" + ACCOUNT + "/CloudTrail/eu-west-1/2026/06/01/forged.json.gz");
        send(stopLogging(), id, null, null);

        List<JsonNode> origins = origins();
        assertThat(origins).hasSize(2);
        assertThat(origins.get(0).path("bucket").asText()).isEqualTo("attacker-bucket");
        assertThat(origins.get(1).has("bucket")).as("the file is known by its id alone").isFalse();
        assertThat(origins.get(1).path("logFile").asText()).isEqualTo(id);
        assertThat(unknown()).isEqualTo(1.0);
    }

    @Test
    void recordsOfAFileWhoseFirstRecordWasNeverRead_areCounted_andTheirFindingsNameTheFileByItsIdAlone() throws Exception {
        String id = EventMessages.logFileId(BUCKET, key("0805Z_a1"));

        send(stopLogging(), id, null, null);
        send(stopLogging(), id, null, null);

        assertThat(origins()).hasSize(2).allSatisfy(o -> {
            assertThat(o.has("bucket")).isFalse();
            assertThat(o.has("key")).isFalse();
            assertThat(o.path("logFile").asText()).isEqualTo(id);
        });
        assertThat(unknown()).isEqualTo(2.0);
    }

    private void send(ObjectNode record, String logFile, String bucket, String key) {
        var headers = new RecordHeaders();
        headers.add(Headers.CE_ID, utf8(record.get("eventID").asText()));
        headers.add(Headers.LOG_FILE, utf8(logFile));
        if (bucket != null) {
            headers.add(Headers.S3_BUCKET, utf8(bucket));
            headers.add(Headers.S3_KEY, utf8(key));
        }
        headers.add(Headers.ACCOUNT_CHECK, utf8(EventOrigin.VERIFIED));
        at = at.plusMillis(50);
        events.pipeInput(new TestRecord<>(ACCOUNT, utf8(record.toString()), headers, at));
    }

    private List<JsonNode> origins() throws Exception {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (byte[] f : findings.readValuesToList()) {
            out.add(JSON.readTree(f).path("evidence").path("origin"));
        }
        return out;
    }

    private double unknown() {
        var counter = registry.find("trailwatch.detect.unknown_log_files").counter();
        return counter == null ? 0 : counter.count();
    }

    /** A trail stopped: a finding of its own for each trail. */
    private ObjectNode stopLogging() {
        ObjectNode r = base("cloudtrail.amazonaws.com", "StopLogging");
        r.putObject("requestParameters").put("name", "arn:aws:cloudtrail:eu-west-1:" + ACCOUNT + ":trail/trail-" + trails++);
        return r;
    }

    /** A call no rule reports. */
    private ObjectNode quiet() {
        return base("sts.amazonaws.com", "GetCallerIdentity").put("readOnly", true);
    }

    private ObjectNode base(String source, String name) {
        ObjectNode r = JSON.createObjectNode();
        r.put("eventVersion", "1.10");
        r.putObject("userIdentity").put("type", "IAMUser").put("principalId", "AIDAEXAMPLEUSERID1234")
                .put("arn", "arn:aws:iam::" + ACCOUNT + ":user/maria").put("accountId", ACCOUNT).put("userName", "maria");
        r.put("eventTime", at.toString());
        r.put("eventSource", source);
        r.put("eventName", name);
        r.put("awsRegion", "eu-west-1");
        r.put("sourceIPAddress", "203.0.113.77");
        r.put("userAgent", "aws-cli/2.15.0");
        r.put("eventID", java.util.UUID.nameUUIDFromBytes(utf8(name + trails + at)).toString());
        r.put("readOnly", false);
        r.put("eventType", "AwsApiCall");
        r.put("managementEvent", true);
        r.put("recipientAccountId", ACCOUNT);
        r.put("eventCategory", "Management");
        return r;
    }

    private static String key(String suffix) {
        return "AWSLogs/" + ACCOUNT + "/CloudTrail/eu-west-1/2026/06/01/" + ACCOUNT + "_CloudTrail_eu-west-1_20260601T" + suffix + ".json.gz";
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}

package io.trailwatch.detect.service.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Headers;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

/** detect-service against a real broker: events in, findings and dead letters out. */
@QuarkusTest
@QuarkusTestResource(value = DetectResources.class, restrictToAnnotatedClass = false)
class DetectPipelineIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    StreamsConfig streams;

    private Traffic traffic;
    private TopicReader findings;

    @BeforeEach
    void open() {
        String bootstrap = TestKafka.shared().bootstrapServers();
        traffic = new Traffic(bootstrap, Topics.EVENTS);
        findings = new TopicReader(bootstrap, Topics.FINDINGS);
    }

    @AfterEach
    void close() {
        traffic.close();
        findings.close();
    }

    @Test
    void theStreamThreadFetchesAMegabyteOfEvents_orWhatCameWithinTheCommitInterval_notEachEventAsItTricklesIn() {
        Map<String, Object> consumer = streams.getMainConsumerConfigs("trailwatch-detect", "detect", 0);
        long commitInterval = streams.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG);

        assertThat(String.valueOf(consumer.get(ConsumerConfig.FETCH_MIN_BYTES_CONFIG))).isEqualTo("1048576");
        assertThat(Long.parseLong(String.valueOf(consumer.get(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG))))
                .isPositive().isLessThanOrEqualTo(commitInterval);
    }

    @Test
    void aRiskyEvent_givesOneFinding_keyedByFindingId_withCloudEventsHeaders_andTheSchema() throws Exception {
        traffic.send(Traffic.call("pipe-delete-1", "100000000001", "cloudtrail", "DeleteTrail", "eu-west-1", "2026-03-02T10:00:00Z"));
        traffic.flush();

        Predicate<JsonNode> mine = f -> f.get("eventIds").get(0).asText().equals("pipe-delete-1");
        ConsumerRecord<String, String> r = await(mine).stream().filter(x -> mine.test(tree(x))).findFirst().orElseThrow();

        JsonNode f = JSON.readTree(r.value());
        assertThat(f.get("ruleId").asText()).isEqualTo("cloudtrail-delete-trail");
        assertThat(r.key()).isEqualTo(f.get("findingId").asText());
        assertThat(TopicReader.header(r, Headers.CE_ID)).isEqualTo(r.key());
        assertThat(TopicReader.header(r, Headers.CE_TYPE)).isEqualTo(Finding.CE_TYPE);
        assertThat(TopicReader.header(r, Headers.CE_SOURCE)).isEqualTo("/trailwatch/detect/cloudtrail-delete-trail");
        assertThat(TopicReader.header(r, Headers.SCHEMA_VERSION)).isEqualTo(Finding.SCHEMA_VERSION);
        assertThat(f.get("evidence").get("eventId").asText()).isEqualTo("pipe-delete-1");
        assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.FINDINGS, 1), r.value())).isEmpty();
        io.trailwatch.testsupport.Management.anonymous().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void lz4Events_areDecompressedNatively_evenThoughQuarkusLoadsTheLibraryWithItsOwnClassLoader() {
        // lz4-java only picks its native build by itself under the system class loader; a Quarkus application's is not
        assertThat(net.jpountz.lz4.LZ4Factory.class.getClassLoader()).isNotSameAs(ClassLoader.getSystemClassLoader());
        assertThat(io.trailwatch.messaging.NativeCompression.lz4()).isEqualTo("JNI");
    }

    @Test
    void aRedeliveredEvent_givesNoSecondFinding() throws Exception {
        var delete = Traffic.call("pipe-redeliver-1", "100000000002", "cloudtrail", "DeleteTrail", "eu-west-1", "2026-03-02T10:00:00Z");
        traffic.send(delete);
        traffic.send(delete);
        traffic.send(Traffic.call("pipe-redeliver-2", "100000000002", "cloudtrail", "DeleteTrail", "eu-west-1", "2026-03-02T10:05:00Z"));
        traffic.flush();

        await(f -> f.get("eventIds").get(0).asText().equals("pipe-redeliver-2"));

        assertThat(ids("pipe-redeliver-1")).hasSize(1);
    }

    @Test
    void firstUseAfterTheLearningPeriod_andABurst_fromTheStateOfEarlierEvents() throws Exception {
        String account = "100000000003";
        Instant day0 = Instant.parse("2026-03-01T00:00:00Z");
        traffic.send(Traffic.call("fu-1", account, "s3", "ListBuckets", "eu-west-1", day0.toString()));
        traffic.send(Traffic.call("fu-2", account, "ec2", "DescribeInstances", "eu-west-1", day0.plus(Duration.ofDays(3)).toString()));
        traffic.send(Traffic.call("fu-3", account, "ec2", "DescribeInstances", "eu-west-1", day0.plus(Duration.ofDays(8)).toString()));
        traffic.send(Traffic.call("fu-4", account, "kms", "ListKeys", "eu-west-1", day0.plus(Duration.ofDays(8)).toString()));
        traffic.send(Traffic.call("fu-5", account, "kms", "ListKeys", "ap-southeast-3", day0.plus(Duration.ofDays(9)).toString()));
        // someone trying what a key can do: denied on ten different actions, twice each
        List<String> actions = List.of("GetObject", "ListBuckets", "GetBucketPolicy", "PutObject", "DeleteObject",
                "GetBucketAcl", "ListObjectVersions", "PutBucketPolicy", "GetBucketLocation", "DeleteBucket");
        for (int i = 0; i < 20; i++) {
            traffic.send(Traffic.event("""
                    {"eventID":"deny-%d","eventTime":"%s","eventSource":"s3.amazonaws.com","eventName":"%s","awsRegion":"eu-west-1",
                     "eventType":"AwsApiCall","recipientAccountId":"%s","errorCode":"AccessDenied","sourceIPAddress":"192.0.2.50",
                     "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::%s:user/scanner"}}
                    """.formatted(i, day0.plus(Duration.ofDays(9)).plusSeconds(i * 10L), actions.get(i % actions.size()), account, account)));
        }
        traffic.flush();

        var all = await(f -> f.get("ruleId").asText().startsWith("failed-actions-burst")
                && f.get("accountId").asText().equals(account) && f.get("count").asInt() >= 5);

        var mine = all.stream().map(this::tree).filter(f -> f.get("accountId").asText().equals(account)).toList();
        assertThat(mine).filteredOn(f -> f.get("ruleId").asText().equals("first-use-service"))
                .extracting(f -> f.get("eventIds").get(0).asText()).containsExactly("fu-4");
        assertThat(mine).filteredOn(f -> f.get("ruleId").asText().equals("first-use-region"))
                .extracting(f -> f.get("eventIds").get(0).asText()).containsExactly("fu-5");
    }

    @Test
    void twoSecurityGroupsOpenedToTheWorld_inOneHour_areTwoFindings_eachGrowingOnItsOwn() throws Exception {
        String account = "100000000007";
        String modify = """
                {"eventID":"%s","eventTime":"%s","eventSource":"ec2.amazonaws.com","eventName":"ModifySecurityGroupRules",
                 "awsRegion":"eu-west-1","eventType":"AwsApiCall","recipientAccountId":"%s",
                 "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::%s:assumed-role/Operator/ana"},
                 "requestParameters":{"ModifySecurityGroupRulesRequest":{"GroupId":"%s","SecurityGroupRule":{
                   "SecurityGroupRuleId":"sgr-0123456789abcdef0","SecurityGroupRule":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIpv4":"0.0.0.0/0"}}}}}
                """;
        traffic.send(Traffic.event(modify.formatted("sg-a-1", "2026-03-02T10:05:00Z", account, account, "sg-0aaaaaaaaaaaaaaa1")));
        traffic.send(Traffic.event(modify.formatted("sg-b-1", "2026-03-02T10:20:00Z", account, account, "sg-0bbbbbbbbbbbbbbb2")));
        traffic.send(Traffic.event(modify.formatted("sg-a-2", "2026-03-02T10:40:00Z", account, account, "sg-0aaaaaaaaaaaaaaa1")));
        traffic.flush();

        Predicate<JsonNode> mine = f -> f.get("ruleId").asText().equals("security-group-ingress-open-to-world")
                && f.get("accountId").asText().equals(account);
        await(f -> mine.test(f) && f.get("count").asInt() == 2);
        var published = findings.drain(Duration.ofMillis(500)).stream().map(this::tree).filter(mine).toList();

        assertThat(published).extracting(f -> f.get("findingId").asText()).as("one finding per group").hasSizeGreaterThanOrEqualTo(2)
                .satisfies(ids -> assertThat(new java.util.HashSet<>(ids)).hasSize(2));
        assertThat(published).filteredOn(f -> f.get("evidence").get("eventId").asText().equals("sg-b-1"))
                .isNotEmpty().allSatisfy(f -> assertThat(f.get("count").asInt()).as("sg-b stands alone").isEqualTo(1));
        assertThat(published).filteredOn(f -> f.get("eventIds").toString().contains("sg-a-2"))
                .singleElement().satisfies(f -> assertThat(f.get("eventIds").toString()).contains("sg-a-1"));
    }

    @Test
    void undecodableEvents_goToTheDeadLetterTopic_andTheNextEventIsProcessed() throws Exception {
        try (TopicReader dlq = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.DLQ_DETECT_EVENTS)) {
            traffic.sendRaw("100000000004", "{not json");
            traffic.sendRaw("100000000004", "{\"eventID\":\"no-time\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"ListBuckets\"}");
            traffic.send(Traffic.call("after-poison", "100000000004", "cloudtrail", "DeleteTrail", "eu-west-1", "2026-03-02T10:00:00Z"));
            traffic.flush();

            await(f -> f.get("eventIds").get(0).asText().equals("after-poison"));
            var letters = dlq.awaitCount(2, WAIT);

            assertThat(letters).extracting(r -> TopicReader.header(r, Headers.DLQ_REASON)).containsOnly("invalid-event");
            assertThat(letters.get(0).value()).contains("{not json");
            for (var r : letters) {
                assertThat(SchemaCheck.violations("schemas/trailwatch.dlq.v1/v1.schema.json", r.value())).isEmpty();
            }
        }
        io.trailwatch.testsupport.Management.anonymous().get("/q/metrics").then().body(containsString("trailwatch_detect_dead_letters_total{reason=\"invalid-event\"}"));
    }

    @Test
    void consoleSignIn_fromOutsideTheAllowedCountries_withTheConfiguredDatabase() throws Exception {
        String login = """
                {"eventID":"%s","eventTime":"2026-03-02T08:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin",
                 "eventType":"AwsConsoleSignIn","recipientAccountId":"100000000005","sourceIPAddress":"%s",
                 "userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::100000000005:user/maria"},
                 "additionalEventData":{"MFAUsed":"Yes"},"responseElements":{"ConsoleLogin":"Success"}}
                """;
        traffic.send(Traffic.event(login.formatted("geo-au", "203.0.113.5")));
        traffic.send(Traffic.event(login.formatted("geo-nz", "198.51.100.5")));
        traffic.flush();

        await(f -> f.get("ruleId").asText().equals("console-login-geo"));

        assertThat(findings.drain(Duration.ofSeconds(1)).stream().map(this::tree)
                .filter(f -> f.get("ruleId").asText().equals("console-login-geo")).map(f -> f.get("eventIds").get(0).asText()))
                .containsExactly("geo-nz");
    }

    private List<ConsumerRecord<String, String>> await(Predicate<JsonNode> wanted) {
        return findings.awaitUntil(seen -> seen.stream().map(this::tree).anyMatch(wanted), WAIT);
    }

    private List<String> ids(String eventId) {
        return findings.seen().stream().map(this::tree).filter(f -> f.get("eventIds").toString().contains("\"" + eventId + "\""))
                .map(f -> f.get("findingId").asText()).toList();
    }

    private JsonNode tree(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.trailwatch.remediate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Headers;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.assertj.core.api.Assertions.assertThat;

/** remediate-service against a real broker and an HTTP server standing in for the Lambda Invoke API. */
@QuarkusTest
@QuarkusTestResource(value = RemediateResources.class, restrictToAnnotatedClass = false)
class RemediateIT {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private KafkaProducer<String, byte[]> producer;
    private TopicReader audit;

    @BeforeEach
    void open() {
        String bootstrap = TestKafka.shared().bootstrapServers();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(), new ByteArraySerializer());
        audit = new TopicReader(bootstrap, Topics.REMEDIATIONS);
    }

    @AfterEach
    void close() {
        producer.close();
        audit.close();
    }

    @Test
    void bearerTokensOfTheTrustedIdentityProvider_carryTheirRoles_andAnyOtherTokenIsRefused() {
        String operator = io.trailwatch.testsupport.Tokens.token("ana@example.com", List.of("operator"), java.time.Duration.ofMinutes(5));
        String viewer = io.trailwatch.testsupport.Tokens.token("ben@example.com", List.of("viewer"), java.time.Duration.ofMinutes(5));

        io.trailwatch.testsupport.Management.withToken(viewer).get("/kill-switch").then().statusCode(200);
        io.trailwatch.testsupport.Management.withToken(viewer).put("/kill-switch").then().statusCode(403);
        io.trailwatch.testsupport.Management.withToken(io.trailwatch.testsupport.Tokens.forged("eve", List.of("operator")))
                .put("/kill-switch").then().statusCode(401);
        io.trailwatch.testsupport.Management.withToken(io.trailwatch.testsupport.Tokens.token("eve", List.of("operator"),
                java.time.Duration.ofMinutes(-10))).put("/kill-switch").then().statusCode(401);
        io.trailwatch.testsupport.Management.withToken(io.trailwatch.testsupport.Tokens.tokenFor("another-application", "eve",
                List.of("operator"))).put("/kill-switch").then().statusCode(401);
        io.trailwatch.testsupport.Management.asViewer().get("/kill-switch").then().statusCode(200)
                .body("on", org.hamcrest.Matchers.equalTo(false));

        io.trailwatch.testsupport.Management.withToken(operator).put("/kill-switch").then().statusCode(200)
                .body("on", org.hamcrest.Matchers.equalTo(true));
        io.trailwatch.testsupport.Management.withToken(operator).delete("/kill-switch").then().statusCode(200)
                .body("on", org.hamcrest.Matchers.equalTo(false));
    }

    @Test
    void theKillSwitch_canOnlyBeTurnedByAnOperator_readByAViewer_andEveryRefusalIsCounted() {
        String metrics = io.trailwatch.testsupport.Management.metrics();
        io.trailwatch.testsupport.Management.anonymous().put("/kill-switch").then().statusCode(401);
        io.trailwatch.testsupport.Management.anonymous().delete("/kill-switch").then().statusCode(401);
        io.trailwatch.testsupport.Management.anonymous().auth().preemptive().basic("test-operator", "guessed").put("/kill-switch")
                .then().statusCode(401);
        io.trailwatch.testsupport.Management.asViewer().put("/kill-switch").then().statusCode(403);
        given().put("/kill-switch").then().statusCode(404);

        io.trailwatch.testsupport.Management.asViewer().get("/kill-switch").then().statusCode(200)
                .body("on", org.hamcrest.Matchers.equalTo(false));
        io.trailwatch.testsupport.Management.anonymous().get("/kill-switch").then().statusCode(401);
        String after = io.trailwatch.testsupport.Management.metrics();
        assertThat(refusals(after, "unauthenticated") - refusals(metrics, "unauthenticated")).isGreaterThanOrEqualTo(4);
        assertThat(refusals(after, "forbidden") - refusals(metrics, "forbidden")).isEqualTo(1);
    }

    private static double refusals(String metrics, String reason) {
        return metrics.lines().filter(l -> l.startsWith("trailwatch_management_refusals_total{") && l.contains("reason=\"" + reason + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void dryRun_recordsWhatItWouldDo_andDoesNotInvoke() throws Exception {
        publish(finding("dry-1", "it-dry", "111122223333"));

        JsonNode r = outcome("dry-1");

        assertThat(r.get("outcome").asText()).isEqualTo("dry-run");
        assertThat(r.get("reason").asText()).isEqualTo("remediation not enabled");
        assertThat(r.get("targets").get("trailName").asText()).isEqualTo("arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events");
        assertThat(calls("dry-fn")).isEmpty();
        assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.REMEDIATIONS, 1), r.toString())).isEmpty();
    }

    @Test
    void enabled_invokesWithTheExactPayload_once_evenWhenTheFindingComesAgain() throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/restart-fn/invocations"))
                .willReturn(okJson("{\"restarted\":\"management-events\"}")));
        Finding f = finding("restart-1", "it-restart", "111122223333");
        publish(f);
        publish(f);

        JsonNode r = outcome("restart-1");
        publish(finding("restart-2", "it-restart", "111122223333"));
        outcome("restart-2");

        assertThat(r.get("outcome").asText()).isEqualTo("invoked");
        assertThat(r.get("statusCode").asInt()).isEqualTo(200);
        assertThat(r.get("response").asText()).isEqualTo("{\"restarted\":\"management-events\"}");
        List<ServeEvent> calls = calls("restart-fn");
        assertThat(calls.stream().filter(e -> e.getRequest().getBodyAsString().contains("restart-1"))).as("once").hasSize(1);
        var req = calls.stream().filter(e -> e.getRequest().getBodyAsString().contains("restart-1")).findFirst().orElseThrow().getRequest();
        assertThat(req.getHeader("X-Amz-Invocation-Type")).isEqualTo("RequestResponse");
        JsonNode body = JSON.readTree(req.getBodyAsString());
        assertThat(JSON.treeToValue(body.get("finding"), Finding.class)).isEqualTo(f);
        assertThat(body.get("remediation").get("action").asText()).isEqualTo("restart-logging");
        assertThat(body.get("remediation").get("dryRun").asBoolean()).isFalse();
        assertThat(body.get("remediation").get("targets").get("trailName").asText())
                .isEqualTo("arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events");
        assertThat(audit.seen().stream().filter(x -> x.value().contains("\"restart-1\""))).as("one outcome").hasSize(1);
    }

    @Test
    void functionErrors_throttling_andTimeouts_areRecordedAsFailures() throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/fail-fn/invocations"))
                .willReturn(okJson("{\"errorMessage\":\"trail not found\"}").withHeader("X-Amz-Function-Error", "Unhandled")));
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/throttle-fn/invocations"))
                .willReturn(aResponse().withStatus(429).withHeader("x-amzn-ErrorType", "TooManyRequestsException")
                        .withBody("{\"Type\":\"User\",\"message\":\"Rate Exceeded.\"}")));
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/slow-fn/invocations"))
                .willReturn(okJson("{}").withFixedDelay(4000)));
        publish(finding("fail-1", "it-fail", "111122223333"));
        publish(finding("throttle-1", "it-throttle", "111122223333"));
        publish(finding("slow-1", "it-slow", "111122223333"));

        JsonNode failed = outcome("fail-1");
        JsonNode throttled = outcome("throttle-1");
        JsonNode slow = outcome("slow-1");

        assertThat(failed.get("outcome").asText()).isEqualTo("failed");
        assertThat(failed.get("functionError").asText()).isEqualTo("Unhandled");
        assertThat(failed.get("response").asText()).contains("trail not found");
        assertThat(throttled.get("outcome").asText()).isEqualTo("failed");
        assertThat(throttled.get("reason").asText()).isEqualTo("Lambda 429 TooManyRequestsException");
        assertThat(calls("throttle-fn")).as("the SDK retried the throttled call").hasSizeGreaterThan(1);
        assertThat(slow.get("outcome").asText()).isEqualTo("failed");
        assertThat(slow.get("reason").asText()).isEqualTo("timed out after PT1S");
    }

    @Test
    void theAccountAllowlist_andTheKillSwitch_hold() throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/guarded-fn/invocations")).willReturn(okJson("{}")));
        publish(finding("elsewhere-1", "it-guarded", "999988887777"));
        assertThat(outcome("elsewhere-1").get("reason").asText()).isEqualTo("account 999988887777 not allowlisted");
        Finding good = finding("forged-1", "it-guarded", "111122223333");
        publish(new Finding(good.findingId(), good.ruleId(), good.title(), good.description(), good.severity(), good.category(),
                good.mitre(), good.accountId(), good.region(), good.principal(), good.sourceIp(), good.eventSource(), good.eventName(),
                good.eventTime(), good.eventIds(), 1, null, null, good.evidence().withOrigin(null), good.runbook(), good.references()));
        assertThat(outcome("forged-1").get("reason").asText()).as("a finding whose event no log file vouches for")
                .startsWith("provenance unknown");

        io.trailwatch.testsupport.Management.asOperator().put("/kill-switch").then().statusCode(200);
        publish(finding("killed-1", "it-guarded", "111122223333"));
        JsonNode killed = outcome("killed-1");
        io.trailwatch.testsupport.Management.asOperator().delete("/kill-switch").then().statusCode(200);
        publish(finding("after-1", "it-guarded", "111122223333"));
        JsonNode after = outcome("after-1");

        assertThat(killed.get("outcome").asText()).isEqualTo("skipped");
        assertThat(killed.get("reason").asText()).isEqualTo("kill switch on");
        assertThat(after.get("outcome").asText()).isEqualTo("invoked");
        assertThat(calls("guarded-fn")).extracting(e -> JSON.readTree(e.getRequest().getBodyAsString()).get("finding").get("findingId").asText())
                .containsExactly("after-1");
        io.trailwatch.testsupport.Management.anonymous().get("/q/metrics").then().body(
                org.hamcrest.Matchers.containsString("trailwatch_remediate_outcomes_total{outcome=\"skipped\",remediation=\"guarded\"} 3.0"),
                org.hamcrest.Matchers.containsString("trailwatch_remediate_outcomes_total{outcome=\"invoked\",remediation=\"guarded\"} 1.0"));
    }

    @Test
    void aRemediationThatRequiresAValidatedDigest_waitsForTheDigest_isSkippedWhenItsLogFileWasChanged_orNoDigestCame()
            throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/proven-fn/invocations")).willReturn(okJson("{}")));
        Finding validated = finding("proven-1", "it-proven", "111122223333");
        Finding changed = finding("proven-2", "it-proven", "111122223333");
        Finding forged = finding("proven-3", "it-proven", "111122223333");
        publish(validated);
        publish(changed);
        publish(forged);

        // nothing runs before a digest vouched for its log file, however often it is looked at again (every second here)
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() -> calls("proven-fn").isEmpty()
                && audit.seen().stream().noneMatch(r -> r.value().contains("\"proven-")));

        integrity(List.of(uri(validated)), List.of());
        integrity(List.of(), List.of(new IntegrityRecord.Problem(IntegrityRecord.Problem.LOG_FILE_MODIFIED, "trail",
                changed.evidence().origin().key(), "the log file's SHA-256 is not the one the digest gives", "aa", "bb")));

        assertThat(outcome("proven-1").get("outcome").asText()).isEqualTo("invoked");
        JsonNode skipped = outcome("proven-2");
        assertThat(skipped.get("outcome").asText()).isEqualTo("skipped");
        assertThat(skipped.get("reason").asText()).startsWith("log file failed digest validation: log-file-modified");
        JsonNode unvouched = outcome("proven-3");
        assertThat(unvouched.get("outcome").asText()).as("a log file no digest lists (say, one a bucket writer dropped)")
                .isEqualTo("skipped");
        assertThat(unvouched.get("reason").asText()).startsWith("no CloudTrail digest validated its log file within PT20S");
        assertThat(calls("proven-fn")).extracting(e -> JSON.readTree(e.getRequest().getBodyAsString()).get("finding").get("findingId").asText())
                .containsExactly("proven-1");
        assertThat(audit.seen().stream().filter(r -> r.value().contains("\"proven-1\""))).as("one outcome each").hasSize(1);
        io.trailwatch.testsupport.Management.anonymous().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString(
                "trailwatch_remediate_deferrals_total{reason=\"awaiting-digest\",remediation=\"proven\"} 3.0"));
    }

    @Test
    void aFindingThatFindsTheCircuitOpen_isPutOffAndInvokedOnceItCloses_neverDropped() throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/flaky-fn/invocations"))
                .willReturn(okJson("{\"errorMessage\":\"not now\"}").withHeader("X-Amz-Function-Error", "Unhandled")));
        // the fourth finding's call succeeds whenever it is made: the open circuit, not the function, puts it off (a
        // stub changed after the deferral was seen raced the retry, which comes once the circuit's two seconds are up)
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/flaky-fn/invocations"))
                .withRequestBody(containing("\"flaky-4\"")).atPriority(1).willReturn(okJson("{}")));
        for (int i = 1; i <= 3; i++) {
            publish(finding("flaky-" + i, "it-flaky", "111122223333"));
            assertThat(outcome("flaky-" + i).get("outcome").asText()).isEqualTo("failed");
        }
        publish(finding("flaky-4", "it-flaky", "111122223333")); // three failures in a row: the circuit is open
        await().atMost(WAIT).until(() -> io.trailwatch.testsupport.Management.metrics().contains(
                "trailwatch_remediate_deferrals_total{reason=\"circuit-open\",remediation=\"flaky\"} 1.0"));

        JsonNode later = outcome("flaky-4");

        assertThat(later.get("outcome").asText()).isEqualTo("invoked");
        assertThat(audit.seen().stream().filter(r -> r.value().contains("\"flaky-4\""))).as("not recorded as skipped first").hasSize(1);
        assertThat(calls("flaky-fn")).hasSize(4);
    }

    @Test
    void turningTheKillSwitchOn_stopsInvocationsAlreadyQueued() throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/queued-fn/invocations")).willReturn(okJson("{}")));
        try {
            for (int i = 1; i <= 4; i++) { // one a second: three wait their turn behind the first
                publish(finding("queued-" + i, "it-queued", "111122223333"));
            }
            await().atMost(WAIT).until(() -> !calls("queued-fn").isEmpty());
            io.trailwatch.testsupport.Management.asOperator().put("/kill-switch").then().statusCode(200);
            io.trailwatch.testsupport.Management.anonymous().get("/q/health/ready").then()
                    .body("checks.find { it.name == 'remediate' }.data.killSwitch", org.hamcrest.Matchers.equalTo("on"));
            assertThat(io.trailwatch.testsupport.Management.metrics()).contains("trailwatch_remediate_kill_switch 1.0");

            List<String> outcomes = new java.util.ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                JsonNode r = outcome("queued-" + i);
                outcomes.add(r.get("outcome").asText() + (r.has("reason") ? ": " + r.get("reason").asText() : ""));
            }

            assertThat(calls("queued-fn")).as("only the invocation under way when it went on").hasSize(1);
            assertThat(outcomes).containsOnlyOnce("invoked").filteredOn(o -> !o.equals("invoked")).containsOnly("skipped: kill switch on");
        } finally {
            io.trailwatch.testsupport.Management.asOperator().delete("/kill-switch").then().statusCode(200);
        }
    }

    private static String uri(Finding f) {
        return "s3://" + f.evidence().origin().bucket() + "/" + f.evidence().origin().key();
    }

    /** An integrity record as ingest-service publishes it on validating a digest. */
    private void integrity(List<String> verified, List<IntegrityRecord.Problem> problems) throws Exception {
        var record = new IntegrityRecord("trail", "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/02/"
                + "111122223333_CloudTrail-Digest_eu-west-1_management-events_us-east-1_20260302T110000Z.json.gz",
                "111122223333", "eu-west-1", "management-events", java.time.Instant.parse("2026-03-02T10:00:00Z"),
                java.time.Instant.parse("2026-03-02T11:00:00Z"), "fp", problems.isEmpty() ? IntegrityRecord.VALID : IntegrityRecord.INVALID,
                false, false, null, verified.size() + problems.size(), verified.size(), problems, null,
                verified.isEmpty() ? null : verified, java.time.Instant.now());
        producer.send(new ProducerRecord<>(Topics.INTEGRITY, record.chain(), JSON.writeValueAsBytes(record))).get();
    }

    @Test
    void aRecordThatIsNoFinding_isDeadLetteredWithTheDocumentedHeaders_counted_andTheStreamGoesOn() throws Exception {
        RemediateResources.lambda.stubFor(post(urlEqualTo("/2015-03-31/functions/restart-fn/invocations")).willReturn(okJson("{}")));
        try (TopicReader dlq = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.DLQ_REMEDIATE_FINDINGS)) {
            producer.send(new ProducerRecord<>(Topics.FINDINGS, "poison", "{not a finding".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
            publish(finding("after-poison-1", "it-restart", "111122223333"));

            var letter = dlq.awaitCount(1, WAIT).get(0);
            assertThat(outcome("after-poison-1").get("outcome").asText()).as("the next finding is handled").isEqualTo("invoked");

            assertThat(TopicReader.header(letter, Headers.DLQ_REASON)).isEqualTo("invalid-finding");
            assertThat(TopicReader.header(letter, Headers.DLQ_SERVICE)).isEqualTo("remediate");
            assertThat(TopicReader.header(letter, Headers.CONTENT_TYPE)).isEqualTo(Headers.APPLICATION_JSON);
            assertThat(TopicReader.header(letter, Headers.SCHEMA_VERSION)).isEqualTo("1");
            assertThat(SchemaCheck.violations("schemas/trailwatch.dlq.v1/v1.schema.json", letter.value())).isEmpty();
            JsonNode value = JSON.readTree(letter.value());
            assertThat(value.get("payload").asText()).isEqualTo("{not a finding");
            assertThat(value.get("source").get("topic").asText()).isEqualTo(Topics.FINDINGS);
        }
        io.trailwatch.testsupport.Management.anonymous().get("/q/metrics").then().body(org.hamcrest.Matchers.containsString(
                "trailwatch_remediate_dead_letters_total{channel=\"findings\",reason=\"invalid-finding\"} 1.0"));
    }

    private JsonNode outcome(String findingId) {
        Predicate<JsonNode> mine = r -> r.get("findingId").asText().equals(findingId);
        return audit.awaitUntil(seen -> seen.stream().map(RemediateIT::tree).anyMatch(mine), WAIT).stream().map(RemediateIT::tree)
                .filter(mine).findFirst().orElseThrow();
    }

    private static List<ServeEvent> calls(String function) {
        return RemediateResources.lambda.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/2015-03-31/functions/" + function + "/invocations")).toList();
    }

    private void publish(Finding f) throws Exception {
        producer.send(new ProducerRecord<>(Topics.FINDINGS, f.findingId(), JSON.writeValueAsBytes(f))).get();
    }

    /** The golden StopLogging finding with another id, rule and account. */
    static Finding finding(String id, String ruleId, String account) throws Exception {
        Finding f;
        try (InputStream in = RemediateIT.class.getClassLoader().getResourceAsStream("golden/trailwatch.findings.v1/v1/stop-logging.json")) {
            f = JSON.readValue(in, Finding.class);
        }
        // each finding's event from a log file of its own
        return new Finding(id, ruleId, f.title(), f.description(), f.severity(), f.category(), f.mitre(), account, f.region(),
                f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(), List.of("ev-" + id), 1, null, null,
                f.evidence().withOrigin(new io.trailwatch.model.EventOrigin("trail", "AWSLogs/" + account
                        + "/CloudTrail/eu-west-1/2026/03/02/" + account + "_CloudTrail_eu-west-1_20260302T1005Z_" + id + ".json.gz",
                        io.trailwatch.model.EventOrigin.VERIFIED)), f.runbook(), f.references());
    }

    private static JsonNode tree(org.apache.kafka.clients.consumer.ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

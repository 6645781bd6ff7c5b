package io.trailwatch.console.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.specification.RequestSpecification;
import io.trailwatch.console.Fixtures;
import io.trailwatch.console.PostgreSql;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Topics;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

/** console-service against a real broker, its store, and stand-ins for the management APIs, over HTTP. */
@QuarkusTest
@QuarkusTestResource(value = ConsoleResources.class, restrictToAnnotatedClass = false)
class ConsoleIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    private KafkaProducer<String, byte[]> producer;
    private String account;

    @BeforeEach
    void open() {
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.shared().bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
        // an account of this test's own, so the shared store's other findings stay out of its filters
        account = Long.toString(100_000_000_000L + ThreadLocalRandom.current().nextLong(899_999_999_999L));
        ConsoleResources.management.resetAll();
    }

    @AfterEach
    void close() {
        producer.close();
    }

    @Test
    void findingsOnTheTopic_appearNewestFirst_withTheirCountsPerSeverity_andAFilterNarrowsBoth() throws Exception {
        publish(Fixtures.finding(id("crit"), "critical", account, "Root account used", T0));
        publish(Fixtures.finding(id("high1"), "high", account, "Trail stopped in prod", T0.plusSeconds(60)));
        publish(Fixtures.finding(id("high2"), "high", account, "Trail stopped in staging", T0.plusSeconds(120)));
        publish(Fixtures.finding(id("low"), "low", account, "A key was made", T0.plusSeconds(180)));
        awaitShown(id("low"));

        String page = viewer().queryParam("account", account).get("/findings").then().statusCode(200).extract().asString();
        assertThat(page).containsSubsequence("A key was made", "Trail stopped in staging", "Trail stopped in prod", "Root account used");
        assertThat(page).contains("critical <strong>1</strong>", "high <strong>2</strong>", "low <strong>1</strong>", "4 in all");

        String high = viewer().queryParam("account", account).queryParam("severity", "high").get("/findings").asString();
        assertThat(high).contains("Trail stopped in staging", "Trail stopped in prod").doesNotContain("Root account used", "A key was made");
        // the counts stay over every severity, so the others can be chosen next
        assertThat(high).contains("critical <strong>1</strong>", "2 in all");

        String text = viewer().queryParam("account", account).queryParam("q", "STAGING").get("/findings").asString();
        assertThat(text).contains("Trail stopped in staging").doesNotContain("Trail stopped in prod");

        // they are kept in the PostgreSQL database the console was given, with the offsets it read them to
        try (var c = java.sql.DriverManager.getConnection(ConsoleResources.databaseUrl, PostgreSql.USER, PostgreSql.PASSWORD);
             var s = c.prepareStatement("SELECT COUNT(*) FROM findings WHERE account_id = ?")) {
            s.setString(1, account);
            try (var rs = s.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(4);
            }
            try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM topic_offsets WHERE topic = '" + Topics.FINDINGS + "'")) {
                rs.next();
                assertThat(rs.getInt(1)).isPositive();
            }
            // PostgreSQL's own migration ran: the text filter's trigram index
            try (var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'findings_by_text'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void aFindingsPage_showsItsEvidence_withLinks_andItsDeliveriesAndRemediations() throws Exception {
        Finding f = Fixtures.finding(id("page"), "high", account, "Trail stopped", T0);
        publish(f);
        send(Topics.DELIVERIES, "slack|" + f.findingId(), Fixtures.deliveryOf(Fixtures.retrying(), f.findingId()));
        send(Topics.DELIVERIES, "slack|" + f.findingId(), Fixtures.deliveryOf(Fixtures.delivered(), f.findingId()));
        send(Topics.REMEDIATIONS, "r|" + f.findingId(), Fixtures.remediationOf(Fixtures.dryRun(), f.findingId()));
        await().atMost(WAIT).until(() -> viewer().get("/findings/" + f.findingId()).asString().contains("dry-run"));

        String page = viewer().get("/findings/" + f.findingId()).then().statusCode(200).extract().asString();
        assertThat(page).contains("Trail stopped", f.runbook().lines().findFirst().orElseThrow(), "StopLogging",
                "https://eu-west-1.console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/" + f.evidence().eventId());
        assertThat(page).containsSubsequence("Deliveries", "retrying", "delivered", "Remediations", "dry-run", "remediation not enabled");
        assertThat(page).contains("slack-secops", "1840 ms");
        viewer().get("/findings/no-such-finding").then().statusCode(404);
    }

    @Test
    void hostileStringsInARecord_areShownAsText_neverRunAsMarkup() throws Exception {
        String hostile = "<script>alert('x')</script><img src=x onerror=alert(1)>";
        publish(Fixtures.finding(id("xss"), "medium", account, hostile, T0));
        awaitShown(id("xss"));

        var response = viewer().queryParam("account", account).get("/findings");
        assertThat(response.asString()).doesNotContain("<script>alert", "<img src=x").contains("&lt;script&gt;alert(");
        assertThat(response.header("Content-Security-Policy")).contains("script-src 'self'");
        assertThat(viewer().get("/findings/" + id("xss")).asString()).doesNotContain("<script>alert");
    }

    @Test
    void theIntegrityPage_showsEachTrailsLastDigest_andItsProblems() throws Exception {
        IntegrityRecord deleted = Fixtures.deletedLogFile();
        IntegrityRecord mine = new IntegrityRecord(deleted.digestBucket(), deleted.digestKey(), account, deleted.region(),
                deleted.trailName(), deleted.digestStartTime(), deleted.digestEndTime(), deleted.publicKeyFingerprint(),
                deleted.status(), deleted.chainStart(), deleted.backfill(), deleted.previousDigestKey(), deleted.logFiles(),
                deleted.logFilesVerified(), deleted.problems(), deleted.notChecked(), deleted.verifiedLogFiles(), deleted.checkedAt());
        send(Topics.INTEGRITY, mine.chain(), mine);
        await().atMost(WAIT).until(() -> viewer().get("/integrity").asString().contains(account));

        String page = viewer().get("/integrity").asString();
        assertThat(page).contains(account, "invalid", "log-file-deleted");
        viewer().queryParam("chain", mine.chain()).get("/integrity/trail").then().statusCode(200)
                .body(containsString(deleted.digestKey()));
    }

    @Test
    void withoutCredentials_nothingIsShown_andAViewerReadsButCannotTurnTheKillSwitch() {
        given().redirects().follow(false).get("/findings").then().statusCode(401);
        given().get("/live").then().statusCode(401);
        given().auth().preemptive().basic("test-viewer", "wrong").get("/findings").then().statusCode(401);

        ConsoleResources.management.stubFor(get("/kill-switch").willReturn(okJson("{\"on\":false,\"configured\":false}")));
        viewer().get("/operations").then().statusCode(200).body(containsString("The kill switch is <strong"))
                .body(not(containsString("kill-switch-toggle")));
        viewer().header("Origin", origin()).formParam("action", "on").post("/operations/kill-switch").then().statusCode(403);
        ConsoleResources.management.verify(0, putRequestedFor(urlEqualTo("/kill-switch")));
    }

    @Test
    void bearerTokensOfTheTrustedIdentityProvider_carryTheirRoles_andAnyOtherTokenIsRefused() {
        String viewer = io.trailwatch.testsupport.Tokens.token("ben@example.com", List.of("viewer"), Duration.ofMinutes(5));
        String operator = io.trailwatch.testsupport.Tokens.token("ana@example.com", List.of("operator"), Duration.ofMinutes(5));
        ConsoleResources.management.stubFor(get("/kill-switch").willReturn(okJson("{\"on\":false,\"configured\":false}")));
        ConsoleResources.management.stubFor(put("/kill-switch").willReturn(okJson("{\"on\":true,\"configured\":false}")));

        given().auth().oauth2(viewer).get("/findings").then().statusCode(200);
        given().auth().oauth2(viewer).header("Origin", origin()).formParam("action", "on").post("/operations/kill-switch")
                .then().statusCode(403);
        given().auth().oauth2(operator).header("Origin", origin()).formParam("action", "on").redirects().follow(false)
                .post("/operations/kill-switch").then().statusCode(303);
        ConsoleResources.management.verify(1, putRequestedFor(urlEqualTo("/kill-switch")));

        given().auth().oauth2(io.trailwatch.testsupport.Tokens.forged("eve", List.of("operator"))).get("/findings").then().statusCode(401);
        given().auth().oauth2(io.trailwatch.testsupport.Tokens.token("eve", List.of("operator"), Duration.ofMinutes(-5)))
                .get("/findings").then().statusCode(401);
        given().auth().oauth2(io.trailwatch.testsupport.Tokens.tokenFor("another-application", "eve", List.of("operator")))
                .get("/findings").then().statusCode(401);
    }

    @Test
    void anOperator_turnsTheKillSwitchOn_throughRemediatesManagementApi_asTheConsolesOperator() {
        ConsoleResources.management.stubFor(get("/kill-switch").willReturn(okJson("{\"on\":false,\"configured\":false}")));
        ConsoleResources.management.stubFor(put("/kill-switch").willReturn(okJson("{\"on\":true,\"configured\":false}")));

        operator().header("Origin", origin()).formParam("action", "on").redirects().follow(false)
                .post("/operations/kill-switch").then().statusCode(303)
                .header("Location", containsString("The+kill+switch+is+on"));

        ConsoleResources.management.verify(1, putRequestedFor(urlEqualTo("/kill-switch"))
                .withBasicAuth(new com.github.tomakehurst.wiremock.client.BasicCredentials(
                        ConsoleResources.MANAGEMENT_USER, ConsoleResources.MANAGEMENT_PASSWORD)));
        // a form posted from another site, in an operator's browser, is refused
        operator().header("Origin", "https://attacker.example").formParam("action", "off").post("/operations/kill-switch")
                .then().statusCode(403);
        operator().formParam("action", "off").post("/operations/kill-switch").then().statusCode(403);
    }

    @Test
    void anOperator_startsABackfill_andSeesItsProgress() {
        ConsoleResources.management.stubFor(post("/backfill").willReturn(okJson("{\"id\":\"bf-1\",\"state\":\"running\"}").withStatus(202)));
        ConsoleResources.management.stubFor(get("/backfill").willReturn(okJson("[{\"id\":\"bf-1\",\"state\":\"running\","
                + "\"request\":{\"bucket\":\"logs\",\"prefix\":\"AWSLogs/\",\"from\":\"2026-03-01T00:00:00Z\",\"to\":\"2026-03-02T00:00:00Z\"},"
                + "\"listed\":40,\"matched\":12,\"ingested\":7,\"skipped\":1,\"failed\":0,\"startedAt\":\"2026-03-02T10:00:00Z\"}]")));

        operator().header("Origin", origin()).formParam("bucket", "logs").formParam("prefix", "AWSLogs/")
                .formParam("from", "2026-03-01T00:00").formParam("to", "2026-03-02T00:00").redirects().follow(false)
                .post("/operations/backfill").then().statusCode(303).header("Location", containsString("bf-1"));

        ConsoleResources.management.verify(1, postRequestedFor(urlEqualTo("/backfill"))
                .withRequestBody(matchingJsonPath("$.from", equalTo("2026-03-01T00:00:00Z")))
                .withRequestBody(matchingJsonPath("$.bucket", equalTo("logs"))));
        String page = operator().get("/operations").asString();
        assertThat(page).contains("bf-1", "running", "data-refresh=\"/operations/jobs\"");
        assertThat(operator().get("/operations/jobs").asString()).contains("<td class=\"num\">7</td>");
    }

    @Test
    void theLoginToken_opensASessionFromThisMachine_andNothingElseDoes() {
        var login = given().redirects().follow(false).queryParam("token", ConsoleResources.LOGIN_TOKEN).get("/login");
        login.then().statusCode(303).header("Location", containsString("/findings"));
        String cookie = login.getCookie("tw_console_session");
        assertThat(cookie).isNotBlank();
        assertThat(login.getDetailedCookie("tw_console_session").isHttpOnly()).isTrue();

        given().cookie("tw_console_session", cookie).get("/findings").then().statusCode(200);
        given().cookie("tw_console_session", cookie).get("/operations").then().statusCode(200)
                .body(not(containsString("a viewer")));
        given().cookie("tw_console_session", "forged").get("/findings").then().statusCode(401);
        given().redirects().follow(false).queryParam("token", "wrong-token-0123456789abcdefghijklmnop").get("/login")
                .then().statusCode(403);
        given().redirects().follow(false).get("/login").then().statusCode(403);
    }

    @Test
    void liveUpdates_tellTheOpenPage_whenFindingsArrive() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + RestAssured.port + "/live"))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("test-viewer:viewer-secret".getBytes(StandardCharsets.UTF_8)))
                .header("Accept", "text/event-stream").build();
        HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        CompletableFuture<String> event = CompletableFuture.supplyAsync(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (line.startsWith("data:") && line.length() > "data:".length()) {
                        return line;
                    }
                }
                return null;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Thread.sleep(1_500); // the watcher has looked once
        publish(Fixtures.finding(id("live"), "high", account, "Live", T0));
        assertThat(event.get(WAIT.toSeconds(), TimeUnit.SECONDS)).matches("data: ?[0-9]+");
        response.body().close();
    }

    private String id(String name) {
        return name + "-" + account;
    }

    private void awaitShown(String findingId) {
        await().atMost(WAIT).until(() -> viewer().get("/findings/" + findingId).statusCode() == 200);
    }

    private void publish(Finding f) throws Exception {
        send(Topics.FINDINGS, f.findingId(), f);
    }

    private void send(String topic, String key, Object value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, ModelJson.newMapper().writeValueAsBytes(value))).get();
    }

    private static String origin() {
        return "http://localhost:" + RestAssured.port;
    }

    private static RequestSpecification viewer() {
        return given().auth().preemptive().basic("test-viewer", "viewer-secret");
    }

    private static RequestSpecification operator() {
        return given().auth().preemptive().basic("test-operator", "operator-secret");
    }
}

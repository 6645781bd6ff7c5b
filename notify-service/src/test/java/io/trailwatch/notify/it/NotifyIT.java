package io.trailwatch.notify.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Headers;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.notify.core.Messages;
import io.trailwatch.notify.core.Signatures;
import io.trailwatch.notify.core.TestFindings;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** notify-service against a real broker, a real SMTP server and a real HTTP server. */
@QuarkusTest
@QuarkusTestResource(value = NotifyResources.class, restrictToAnnotatedClass = false)
class NotifyIT {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private KafkaProducer<String, byte[]> producer;
    private TopicReader deliveries;

    @BeforeEach
    void open() {
        String bootstrap = TestKafka.shared().bootstrapServers();
        producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), new StringSerializer(),
                new ByteArraySerializer());
        deliveries = new TopicReader(bootstrap, Topics.DELIVERIES);
    }

    @AfterEach
    void close() {
        producer.close();
        deliveries.close();
    }

    @Test
    void eachDestination_receivesExactlyTheExpectedPayload_andEveryOutcomeIsAudited() throws Exception {
        Finding f = TestFindings.finding("all-1", "it-all", "high", "cloudtrail-tampering", "111122223333", "eu-west-1");
        publish(f);

        var audit = awaitDeliveries(d -> d.get("findingId").asText().equals("all-1"), 3);

        assertThat(audit).extracting(d -> d.get("destination").asText() + ":" + d.get("status").asText())
                .containsExactlyInAnyOrder("slack:delivered", "hook:delivered", "mail:delivered");
        List<ServeEvent> slack = served("/slack", "all-1");
        assertThat(slack).hasSize(1);
        assertThat(JSON.readTree(slack.get(0).getRequest().getBodyAsString()))
                .isEqualTo(Messages.slack(f, "https://console.aws.amazon.com"));
        List<ServeEvent> hook = served("/hook", "all-1");
        assertThat(hook).hasSize(1);
        var req = hook.get(0).getRequest();
        long ts = Long.parseLong(req.getHeader(Signatures.TIMESTAMP_HEADER));
        assertThat(Signatures.verify(NotifyResources.HMAC_KEY, ts, req.getBody(), req.getHeader(Signatures.SIGNATURE_HEADER))).isTrue();
        JsonNode body = JSON.readTree(req.getBody());
        assertThat(body.get("kind").asText()).isEqualTo("finding");
        assertThat(JSON.treeToValue(body.get("finding"), Finding.class)).isEqualTo(f);
        List<MimeMessage> mails = mails("all-1");
        assertThat(mails).as("one per mailbox").hasSize(2);
        MimeMessage mail = mails.get(0);
        assertThat(java.util.Arrays.stream(mail.getAllRecipients()).map(Object::toString))
                .containsExactlyInAnyOrder("secops@example.com", "oncall@example.com");
        assertThat(mail.getSubject()).isEqualTo("[HIGH] CloudTrail logging was stopped (account 111122223333)");
        String text = part(mail, "text/plain");
        String html = part(mail, "text/html");
        assertThat(text).contains("HIGH: CloudTrail logging was stopped", "Who:   arn:aws:sts::111122223333:assumed-role/Operator/ana",
                "What:  cloudtrail.amazonaws.com StopLogging", "Where: account 111122223333, eu-west-1, from 203.0.113.77",
                "When:  2026-03-02T10:02:41Z", "name: arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events",
                "https://console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/ev-all-1", "1. Start logging again.");
        assertThat(html).contains("<h2>HIGH: CloudTrail logging was stopped</h2>", "<td>arn:aws:sts::111122223333:assumed-role/Operator/ana</td>",
                "href=\"https://console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/ev-all-1\"");
        for (JsonNode d : audit) {
            assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.DELIVERIES, 1), d.toString())).isEmpty();
        }
        io.trailwatch.testsupport.Management.anonymous().get("/q/metrics").then().body(
                org.hamcrest.Matchers.containsString("trailwatch_notify_deliveries_total{outcome=\"delivered\",type=\"slack\"}"),
                org.hamcrest.Matchers.containsString("trailwatch_notify_finding_to_delivery_seconds_count{type=\"email\"}"));
    }

    @Test
    void hostileValues_reachSlackEscaped_mailAsOneLineSubjectAndEscapedHtml_andWebhooksAsJson() throws Exception {
        Finding f;
        try (var in = getClass().getResourceAsStream("/fixtures/hostile-finding.json")) {
            f = JSON.readValue(in, Finding.class);
        }
        f = new Finding("hostile-1", "it-all", f.title(), f.description(), f.severity(), f.category(), f.mitre(), f.accountId(),
                f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(), f.eventIds(), 1, null, null,
                f.evidence(), f.runbook(), f.references());
        publish(f);

        awaitDeliveries(d -> d.get("findingId").asText().equals("hostile-1"), 3);

        String slack = served("/slack", "hostile-1").get(0).getRequest().getBodyAsString();
        assertThat(slack).doesNotContain("<!channel>", "<!here>", "<@U0ADMIN>", "<!subteam", "<https://evil", "<mailto:")
                .contains("&lt;!channel&gt;");
        JsonNode hook = JSON.readTree(served("/hook", "hostile-1").get(0).getRequest().getBody());
        assertThat(JSON.treeToValue(hook.get("finding"), Finding.class)).as("the webhook carries the finding as JSON").isEqualTo(f);
        MimeMessage mail = mails("hostile-1").get(0);
        assertThat(mail.getSubject()).doesNotContain("\r", "\n").startsWith("[HIGH] CloudTrail logging was stopped  Bcc:");
        assertThat(mail.getHeader("Bcc")).as("no header smuggled in through the subject").isNull();
        assertThat(part(mail, "text/html")).doesNotContain("<https://evil", "<!channel>").contains("&lt;!channel&gt;");
    }

    @Test
    void amazonSes_getsTheSameMail_throughItsApi() throws Exception {
        Finding f = TestFindings.finding("ses-1", "it-ses", "high", "cloudtrail-tampering", "111122223333", "eu-west-1");
        publish(f);

        var audit = awaitDeliveries(d -> d.get("findingId").asText().equals("ses-1"), 1);

        assertThat(audit.get(0).get("destinationType").asText()).isEqualTo("ses");
        assertThat(audit.get(0).get("status").asText()).isEqualTo("delivered");
        List<ServeEvent> calls = served("/v2/email/outbound-emails", "ses-1");
        assertThat(calls).hasSize(1);
        JsonNode req = JSON.readTree(calls.get(0).getRequest().getBodyAsString());
        assertThat(req.get("FromEmailAddress").asText()).isEqualTo("trailwatch@example.com");
        assertThat(req.get("Destination").get("ToAddresses").get(0).asText()).isEqualTo("secops@example.com");
        JsonNode simple = req.get("Content").get("Simple");
        assertThat(simple.get("Subject").get("Data").asText()).isEqualTo("[HIGH] CloudTrail logging was stopped (account 111122223333)");
        assertThat(simple.get("Body").get("Text").get("Data").asText()).contains("Who:   arn:aws:sts::111122223333:assumed-role/Operator/ana");
        assertThat(simple.get("Body").get("Html").get("Data").asText()).contains("<h2>HIGH: CloudTrail logging was stopped</h2>");
        assertThat(calls.get(0).getRequest().getHeader("Authorization")).as("signed with SigV4").startsWith("AWS4-HMAC-SHA256");
    }

    @Test
    void aRedeliveredOrGrownFinding_isNotDeliveredAgain_andTheSeverityFloorHolds() throws Exception {
        Finding f = TestFindings.finding("again-1", "it-floor", "critical", "c", "111122223333", "eu-west-1");
        publish(f);
        publish(f);
        publish(new Finding(f.findingId(), f.ruleId(), f.title(), f.description(), f.severity(), f.category(), f.mitre(),
                f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(),
                f.eventIds(), 2, null, null, f.evidence(), f.runbook(), f.references()));
        publish(TestFindings.finding("again-low", "it-floor", "high", "c", "111122223333", "eu-west-1"));
        publish(TestFindings.finding("again-2", "it-floor", "critical", "c", "444455556666", "eu-west-1"));

        awaitDeliveries(d -> d.get("findingId").asText().equals("again-2"), 1);

        assertThat(served("/hook", "again-1")).hasSize(1);
        assertThat(served("/hook", "again-low")).as("below the route's floor").isEmpty();
    }

    @Test
    void aStorm_isOneMessagePlusADigest() throws Exception {
        for (int i = 0; i < 10; i++) {
            publish(TestFindings.finding("storm-" + i, "it-storm", "high", "c", "222233334444", "eu-west-1"));
        }

        awaitDeliveries(d -> d.get("ruleId").asText().equals("it-storm") && d.get("status").asText().equals("digest")
                && d.get("accountId").asText().equals("222233334444"), 1);

        assertThat(deliveries.seen().stream().map(NotifyIT::tree)
                .filter(d -> d.get("accountId").asText().equals("222233334444") && d.get("ruleId").asText().equals("it-storm"))
                .map(d -> d.get("status").asText()))
                .containsExactlyInAnyOrder("delivered", "grouped", "grouped", "grouped", "grouped", "grouped", "grouped",
                        "grouped", "grouped", "grouped", "digest");
        List<ServeEvent> slack = served("/slack", "222233334444");
        assertThat(slack).hasSize(2);
        assertThat(slack.stream().map(e -> e.getRequest().getBodyAsString())).anyMatch(b -> b.contains("9 more like this"));
    }

    @Test
    void aStormOfThreeHundredLowFindingsAcrossAccounts_isAFewMessages_andACriticalOneOvertakesThem() throws Exception {
        for (int i = 0; i < 300; i++) { // one route change in each of 300 accounts
            producer.send(new ProducerRecord<>(Topics.FINDINGS, "paced-storm-" + i, JSON.writeValueAsBytes(TestFindings.finding(
                    "paced-storm-" + i, "it-paced-storm", "low", "c", String.format("%012d", 500000000000L + i), "eu-west-1"))));
        }
        producer.flush();
        // held at once; the few sent go out one every two seconds
        awaitDeliveries(d -> d.get("ruleId").asText().equals("it-paced-storm") && d.get("status").asText().equals("grouped"), 200);
        long sentBefore = NotifyResources.http.getAllServeEvents().stream().filter(e -> e.getRequest().getUrl().equals("/paced")).count();
        publish(TestFindings.finding("paced-root-1", "it-paced-root", "critical", "c", "111122223333", "eu-west-1"));

        awaitDeliveries(d -> d.get("ruleId").asText().equals("it-paced-storm") && d.get("status").asText().equals("digest"), 1);
        awaitDeliveries(d -> d.get("findingId").asText().equals("paced-root-1"), 1);

        List<ServeEvent> paced = new ArrayList<>(NotifyResources.http.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getUrl().equals("/paced")).toList());
        paced.sort((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()));
        List<String> sent = paced.stream().map(e -> e.getRequest().getBodyAsString())
                .map(b -> b.contains("paced-root-1") ? "critical" : b.contains("more like this") ? "digest" : "storm").toList();
        // five accounts' messages per window (3 seconds here; a slow machine may see the storm span two or three)
        assertThat(sent).as("a few messages for 300 findings, and the critical one once").containsOnlyOnce("critical")
                .hasSizeLessThanOrEqualTo(20).filteredOn("storm"::equals).hasSizeBetween(5, 15);
        // next after what was sent when it was published, the delivery waiting for its turn (one every two seconds)
        // then, and at most one more taken while it was on its way to notify (on a busy machine the storm's few
        // messages may all be out before it arrives)
        assertThat(sent.indexOf("critical")).as("sent before the storm messages still queued (%d sent before it arrived): %s",
                sentBefore, sent).isLessThanOrEqualTo((int) sentBefore + 2);
        assertThat(paced.get(sent.indexOf("digest")).getRequest().getBodyAsString()).containsPattern("[0-9]+ more like this across [0-9]+ accounts");

        // on the grouped topic, each window's first ten are whole (its digest shows them); the rest travel without
        // their evidence, most of a finding's bytes
        Map<String, List<ConsumerRecord<String, String>>> windows = new java.util.LinkedHashMap<>();
        try (var grouped = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.NOTIFY_GROUPED)) {
            grouped.drain(Duration.ofSeconds(2)).stream()
                    .filter(r -> TopicReader.header(r, "tw_finding").startsWith("paced-storm-"))
                    .forEach(r -> windows.computeIfAbsent(r.key() + "|" + TopicReader.header(r, "tw_window_end"),
                            k -> new ArrayList<>()).add(r));
        }
        assertThat(windows.values().stream().mapToInt(List::size).sum()).as("every finding held").isGreaterThanOrEqualTo(200);
        windows.forEach((window, records) -> {
            List<Boolean> whole = records.stream().map(r -> tree(r).has("evidence")).toList();
            assertThat(whole.subList(0, Math.min(10, whole.size()))).as(window + ": the first ten whole").containsOnly(true);
            // (a window the storm only began in may hold ten or fewer: then there is no rest)
            assertThat(whole.subList(Math.min(10, whole.size()), whole.size())).as(window + ": the rest without evidence")
                    .doesNotContain(true);
            assertThat(records).allSatisfy(r -> assertThat(tree(r).get("title").asText()).isNotEmpty());
        });
    }

    @Test
    void http429_honoursRetryAfter() throws Exception {
        NotifyResources.http.stubFor(post(urlEqualTo("/limited")).inScenario("limit").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("open"));
        NotifyResources.http.stubFor(post(urlEqualTo("/limited")).inScenario("limit").whenScenarioStateIs("open").willReturn(ok("ok")));
        publish(TestFindings.finding("limited-1", "it-limited", "high", "c", "111122223333", "eu-west-1"));

        var audit = awaitDeliveries(d -> d.get("findingId").asText().equals("limited-1"), 1);

        assertThat(audit.get(0).get("status").asText()).isEqualTo("delivered");
        assertThat(audit.get(0).get("attempts").asInt()).isEqualTo(2);
        assertThat(deliveries.seen().stream().map(NotifyIT::tree).filter(d -> d.get("findingId").asText().equals("limited-1")
                && d.get("status").asText().equals("retrying"))).singleElement()
                .satisfies(d -> assertThat(d.get("httpStatus").asInt()).isEqualTo(429));
        List<ServeEvent> calls = new ArrayList<>(served("/limited", "limited-1"));
        calls.sort((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()));
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).getRequest().getLoggedDate().getTime() - calls.get(0).getRequest().getLoggedDate().getTime())
                .as("waited as Retry-After said").isGreaterThanOrEqualTo(1900);
    }

    @Test
    void fiveHundredsThenRecovery_deliverEveryFindingOnce_andOneBrokenDestinationBlocksNoOther() throws Exception {
        NotifyResources.http.stubFor(post(urlEqualTo("/flaky")).willReturn(aResponse().withStatus(503)));
        for (int i = 0; i < 5; i++) {
            // one account each: the same rule and account would be a storm, grouped
            publish(TestFindings.finding("flaky-" + i, "it-flaky", "high", "c", "30000000000" + i, "eu-west-1"));
        }
        publish(TestFindings.finding("meanwhile", "it-storm", "high", "c", "999900001111", "eu-west-1"));
        awaitDeliveries(d -> d.get("findingId").asText().equals("meanwhile"), 1);
        assertThat(served("/flaky", "flaky-")).as("still failing").isNotEmpty()
                .allSatisfy(e -> assertThat(e.getResponse().getStatus()).isEqualTo(503));

        NotifyResources.http.stubFor(post(urlEqualTo("/flaky")).willReturn(ok()));
        var audit = awaitDeliveries(d -> d.get("findingId").asText().startsWith("flaky-"), 5);

        assertThat(audit).extracting(d -> d.get("status").asText()).containsOnly("delivered");

        for (int i = 0; i < 5; i++) {
            String id = "flaky-" + i;
            assertThat(served("/flaky", id).stream().filter(e -> e.getResponse().getStatus() == 200)).as(id).hasSize(1);
        }
    }

    @Test
    void aDestinationDownFarLongerThanItsRetryBudget_putsItsDeliveriesOff_theStreamMovesOn_andAllAreDeliveredOnceAfterRecovery()
            throws Exception {
        NotifyResources.http.stubFor(post(urlEqualTo("/outage")).willReturn(aResponse().withStatus(503)));
        int count = 60; // more than max-in-flight (25): held in memory, they would stop consumption
        for (int i = 0; i < count; i++) {
            // high, one account each: never grouped
            publish(TestFindings.finding("outage-" + i, "it-outage", "high", "c", String.format("%012d", 600000000000L + i), "eu-west-1"));
        }

        deliveries.awaitUntil(all -> all.stream().map(NotifyIT::tree).filter(d -> d.get("findingId").asText().startsWith("outage-")
                && d.get("status").asText().equals("retrying") && d.path("detail").asText().startsWith("destination down")).count() >= count, WAIT);
        publish(TestFindings.finding("outage-meanwhile", "it-storm", "high", "c", "999900002222", "eu-west-1"));
        awaitDeliveries(d -> d.get("findingId").asText().equals("outage-meanwhile"), 1);
        await().atMost(WAIT).untilAsserted(() -> assertThat(findingsLag()).as("every finding's offset committed during the outage").isZero());
        io.trailwatch.testsupport.Management.anonymous().get("/q/health/live").then().statusCode(200);
        io.trailwatch.testsupport.Management.anonymous().get("/q/metrics").then().body(
                org.hamcrest.Matchers.containsString("trailwatch_notify_destination_down{destination=\"outage\"} 1.0"));

        NotifyResources.http.stubFor(post(urlEqualTo("/outage")).willReturn(ok()));
        var audit = awaitDeliveries(d -> d.get("findingId").asText().startsWith("outage-") && !d.get("findingId").asText().equals("outage-meanwhile"), count);

        assertThat(audit).extracting(d -> d.get("status").asText()).containsOnly("delivered");
        for (int i = 0; i < count; i++) {
            String id = "outage-" + i;
            assertThat(served("/outage", "\"" + id + "\"").stream().filter(e -> e.getResponse().getStatus() == 200)).as(id).hasSize(1);
        }
    }

    /** How far notify's consumer group is behind on the findings topic. */
    private static long findingsLag() throws Exception {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                org.apache.kafka.clients.admin.AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.shared().bootstrapServers()))) {
            var committed = admin.listConsumerGroupOffsets("trailwatch-notify").partitionsToOffsetAndMetadata().get();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new java.util.HashMap<>();
            committed.keySet().stream().filter(tp -> tp.topic().equals(Topics.FINDINGS))
                    .forEach(tp -> latest.put(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()));
            var ends = admin.listOffsets(latest).all().get();
            long lag = 0;
            for (var e : ends.entrySet()) {
                lag += e.getValue().offset() - committed.get(e.getKey()).offset();
            }
            return committed.isEmpty() ? Long.MAX_VALUE : lag;
        }
    }

    @Test
    void permanentFailures_landInTheDeadLetterTopic_withTheReason_andADestinationDownPastRetryFor_too() throws Exception {
        NotifyResources.http.stubFor(post(urlEqualTo("/broken")).willReturn(aResponse().withStatus(400).withBody("invalid_payload")));
        NotifyResources.http.stubFor(post(urlEqualTo("/dead")).willReturn(aResponse().withStatus(503)));
        try (TopicReader dlq = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.DLQ_NOTIFY_DELIVERIES);
             TopicReader bad = new TopicReader(TestKafka.shared().bootstrapServers(), Topics.DLQ_NOTIFY_FINDINGS)) {
            publish(TestFindings.finding("broken-1", "it-broken", "high", "c", "111122223333", "eu-west-1"));
            publish(TestFindings.finding("dead-1", "it-dead", "high", "c", "111122223333", "eu-west-1"));
            producer.send(new ProducerRecord<>(Topics.FINDINGS, "x", "{not a finding".getBytes(StandardCharsets.UTF_8)));

            var letters = dlq.awaitUntil(s -> s.stream().filter(r -> r.key().endsWith("broken-1") || r.key().endsWith("dead-1")).count() >= 2, WAIT);
            var poison = bad.awaitCount(1, WAIT);

            assertThat(letters.stream().filter(r -> r.key().equals("broken|broken-1")).map(r -> TopicReader.header(r, Headers.DLQ_REASON)))
                    .containsExactly("refused");
            assertThat(letters.stream().filter(r -> r.key().equals("dead|dead-1")).map(r -> TopicReader.header(r, Headers.DLQ_REASON)))
                    .containsExactly("retries-exhausted");
            assertThat(served("/broken", "broken-1")).as("a 400 is not retried").hasSize(1);
            assertThat(poison.get(0).value()).contains("{not a finding");
            for (var r : letters) {
                assertThat(SchemaCheck.violations("schemas/trailwatch.dlq.v1/v1.schema.json", r.value())).isEmpty();
                assertThat(r.value()).doesNotContain("127.0.0.1").as("no destination URL in dead letters");
            }
        }
        var audit = awaitDeliveries(d -> d.get("findingId").asText().equals("dead-1"), 1);
        assertThat(audit.get(0).get("status").asText()).isEqualTo("dead-lettered");
    }

    private void publish(Finding f) throws Exception {
        producer.send(new ProducerRecord<>(Topics.FINDINGS, f.findingId(), JSON.writeValueAsBytes(f))).get();
    }

    /** Final outcomes (not the 'retrying' record of each failed attempt) matching {@code which}, once there are n. */
    private List<JsonNode> awaitDeliveries(Predicate<JsonNode> outcome, int n) {
        Predicate<JsonNode> which = outcome.and(d -> !d.get("status").asText().equals("retrying"));
        List<ConsumerRecord<String, String>> seen = deliveries.awaitUntil(all -> all.stream().map(NotifyIT::tree).filter(which).count() >= n, WAIT);
        return seen.stream().map(NotifyIT::tree).filter(which).toList();
    }

    private static List<ServeEvent> served(String path, String containing) {
        return NotifyResources.http.getAllServeEvents().stream().filter(e -> e.getRequest().getUrl().equals(path))
                .filter(e -> e.getRequest().getBodyAsString().contains(containing)).toList();
    }

    private static List<MimeMessage> mails(String containing) {
        List<MimeMessage> out = new ArrayList<>();
        for (MimeMessage m : NotifyResources.smtp.getReceivedMessages()) {
            try {
                if (part(m, "text/plain").contains(containing)) {
                    out.add(m);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    private static String part(MimeMessage m, String type) throws Exception {
        Object content = m.getContent();
        if (content instanceof String s) {
            return s;
        }
        return find((Multipart) content, type);
    }

    private static String find(Multipart mp, String type) throws Exception {
        for (int i = 0; i < mp.getCount(); i++) {
            BodyPart p = mp.getBodyPart(i);
            if (p.getContent() instanceof Multipart inner) {
                String s = find(inner, type);
                if (s != null) {
                    return s;
                }
            } else if (p.isMimeType(type)) {
                return p.getContent().toString();
            }
        }
        return null;
    }

    private static JsonNode tree(ConsumerRecord<String, String> r) {
        try {
            return JSON.readTree(r.value());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

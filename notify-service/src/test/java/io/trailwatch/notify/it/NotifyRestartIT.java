package io.trailwatch.notify.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.trailwatch.model.ModelJson;
import io.trailwatch.notify.core.TestFindings;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.ServiceProcess;
import io.trailwatch.devkit.TopicReader;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service as a process, stopped (SIGTERM, as in a rolling restart) while deliveries are under way and
 * started again: every finding reaches the webhook exactly once.
 */
class NotifyRestartIT {

    private static final String FINDINGS = "restart-it.findings.v1";
    private static final String CRASH_FINDINGS = "crash-it.findings.v1";
    private static final int COUNT = 40;

    private final List<Process> processes = new ArrayList<>();
    private WireMockServer http;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (http != null) {
            http.stop();
        }
    }

    @Test
    void stoppedMidStream_andStartedAgain_deliversEveryFindingExactlyOnce() throws Exception {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, FINDINGS, "restart-it.deliveries.v1", "restart-it.dlq.deliveries", "restart-it.dlq.findings");
        http = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        http.start();
        http.stubFor(post("/hook").willReturn(ok().withFixedDelay(150)));

        Process first = start("first", restarting());
        try (var producer = producer()) {
            for (int i = 0; i < COUNT; i++) {
                publish(producer, FINDINGS, TestFindings.finding("restart-" + i, "it-restart", "high", "c",
                        "40000000" + String.format("%04d", i), "eu-west-1"));
            }
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> delivered().size() >= 8);
        first.destroy();
        assertThat(first.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        int beforeRestart = delivered().size();
        start("second", restarting());

        await().atMost(Duration.ofSeconds(120)).until(() -> delivered().stream().distinct().count() >= COUNT);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> delivered().size() == COUNT);

        assertThat(beforeRestart).as("stopped mid-stream").isLessThan(COUNT);
        Map<String, Long> perFinding = delivered().stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
        assertThat(perFinding).hasSize(COUNT).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }

    @Test
    void killedMidStorm_theStormsDigestIsStillSent_andEveryFindingIsCountedExactlyOnce() throws Exception {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, CRASH_FINDINGS, "crash-it.deliveries.v1", "crash-it.dlq.deliveries", "crash-it.dlq.findings");
        http = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        http.start();
        http.stubFor(post("/hook").willReturn(ok()));
        int half = 40;

        Process first = start("crash-first", crashing());
        try (var producer = producer(); var audit = new TopicReader(kafka.bootstrapServers(), "crash-it.deliveries.v1")) {
            for (int i = 0; i < half; i++) {
                publish(producer, CRASH_FINDINGS, stormFinding(i));
            }
            audit.awaitUntil(all -> all.stream().filter(r -> r.value().contains("\"grouped\"")).count() >= half / 2, Duration.ofSeconds(120));
            // the storm's first finding, sent alone, is in the ledger: a crash between the webhook's 200 and that record
            // would send it again (at least once, as for any destination), and the restarted replica would hold it
            try (var ledger = new TopicReader(kafka.bootstrapServers(), "crash-it.notify.ledger.v1")) {
                ledger.awaitUntil(all -> all.stream().anyMatch(r -> r.value().contains("\"status\":\"delivered\"")), Duration.ofSeconds(60));
            }
            first.destroyForcibly(); // a crash: no graceful stop, no digest sent on the way out
            assertThat(first.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            for (int i = half; i < 2 * half; i++) {
                publish(producer, CRASH_FINDINGS, stormFinding(i));
            }
        }
        start("crash-second", crashing());

        await().atMost(Duration.ofSeconds(150)).until(() -> accountedFor() >= 2 * half);
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() -> accountedFor() == 2 * half);

        List<String> sentAlone = hookBodies().stream().filter(b -> b.contains("\"kind\":\"finding\""))
                .map(b -> tree(b).get("finding").get("findingId").asText()).toList();
        List<com.fasterxml.jackson.databind.JsonNode> digests = hookBodies().stream().filter(b -> b.contains("\"kind\":\"digest\""))
                .map(NotifyRestartIT::tree).toList();
        assertThat(digests).as("the storm's digest, though the replica that held its findings died").isNotEmpty();
        assertThat(sentAlone).as("none sent twice").doesNotHaveDuplicates();
        for (var d : digests) {
            d.get("sample").forEach(id -> assertThat(sentAlone).as("in a digest and sent alone").doesNotContain(id.asText()));
        }
    }

    /** Findings sent alone, plus those each digest counts. */
    private int accountedFor() {
        int n = 0;
        for (String b : hookBodies()) {
            var json = tree(b);
            n += json.get("kind").asText().equals("digest") ? json.get("more").asInt() : 1;
        }
        return n;
    }

    private List<String> hookBodies() {
        return http.getAllServeEvents().stream().filter(e -> e.getResponse().getStatus() == 200)
                .map(e -> e.getRequest().getBodyAsString()).toList();
    }

    private static com.fasterxml.jackson.databind.JsonNode tree(String json) {
        try {
            return ModelJson.newMapper().readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One rule in one account: a storm, one message and the rest held for its digest. */
    private static io.trailwatch.model.Finding stormFinding(int i) {
        return TestFindings.finding("crash-" + i, "it-crash", "medium", "c", "555566667777", "eu-west-1");
    }

    /** A window long enough to outlast the crash and the restart; a dead replica's partitions handed over quickly. */
    private static Map<String, String> crashing() {
        Map<String, String> props = new java.util.HashMap<>();
        props.put("mp.messaging.incoming.findings.topic", CRASH_FINDINGS);
        props.put("mp.messaging.incoming.findings.group.id", "notify-crash-it");
        props.put("mp.messaging.incoming.findings.session.timeout.ms", "8000");
        props.put("mp.messaging.incoming.findings.heartbeat.interval.ms", "2000");
        props.put("mp.messaging.incoming.deferred.session.timeout.ms", "8000");
        props.put("trailwatch.notify.grouping.window", "40s");
        props.put("mp.messaging.outgoing.deliveries.topic", "crash-it.deliveries.v1");
        props.put("mp.messaging.outgoing.ledger.topic", "crash-it.notify.ledger.v1");
        props.put("mp.messaging.outgoing.dlq-deliveries.topic", "crash-it.dlq.deliveries");
        props.put("mp.messaging.outgoing.dlq-findings.topic", "crash-it.dlq.findings");
        props.put("mp.messaging.outgoing.grouped.topic", "crash-it.notify.grouped.v1");
        props.put("trailwatch.notify.grouping.group", "notify-crash-it-digests");
        props.put("mp.messaging.incoming.deferred.topic", "crash-it.notify.deferred.v1");
        props.put("mp.messaging.incoming.deferred.group.id", "notify-crash-it-deferred");
        return props;
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestKafka.shared().bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static void publish(KafkaProducer<String, byte[]> producer, String topic, io.trailwatch.model.Finding f) throws Exception {
        producer.send(new ProducerRecord<>(topic, f.findingId(), ModelJson.newMapper().writeValueAsBytes(f))).get();
    }

    @Test
    void aMisconfiguredService_doesNotStart_andNamesEveryKey() throws Exception {
        Map<String, String> props = new java.util.HashMap<>();
        props.put("kafka.bootstrap.servers", TestKafka.shared().bootstrapServers());
        props.put("trailwatch.notify.destinations.chat.type", "slack"); // no url
        props.put("trailwatch.notify.destinations.siem.type", "webhook");
        props.put("trailwatch.notify.destinations.siem.url", "https://siem.example.com/in"); // no hmac-key
        props.put("trailwatch.notify.routes.all.destinations", "chat,siem");
        Process p = ServiceProcess.start(props, "notify-misconfigured-it.log");
        processes.add(p);

        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the start fails, before any finding").isTrue();
        assertThat(p.exitValue()).isNotZero();
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("target", "notify-misconfigured-it.log")))
                .contains("trailwatch.notify.destinations.chat.url is required for a destination of type slack")
                .contains("trailwatch.notify.destinations.siem.hmac-key is required for a destination of type webhook");
    }

    /** The findingIds the webhook accepted, once per accepted request. */
    private List<String> delivered() {
        List<String> out = new ArrayList<>();
        for (ServeEvent e : http.getAllServeEvents()) {
            String id = e.getRequest().getHeader("X-Trailwatch-Delivery");
            if (id != null && e.getResponse().getStatus() == 200) {
                out.add(id);
            }
        }
        return out;
    }

    private static Map<String, String> restarting() {
        Map<String, String> props = new java.util.HashMap<>();
        props.put("mp.messaging.incoming.findings.topic", FINDINGS);
        props.put("mp.messaging.incoming.findings.group.id", "notify-restart-it");
        props.put("trailwatch.notify.grouping.window", "0"); // every finding a message of its own
        props.put("mp.messaging.outgoing.deliveries.topic", "restart-it.deliveries.v1");
        props.put("mp.messaging.outgoing.ledger.topic", "restart-it.notify.ledger.v1");
        props.put("mp.messaging.outgoing.dlq-deliveries.topic", "restart-it.dlq.deliveries");
        props.put("mp.messaging.outgoing.dlq-findings.topic", "restart-it.dlq.findings");
        props.put("mp.messaging.outgoing.grouped.topic", "restart-it.notify.grouped.v1");
        props.put("trailwatch.notify.grouping.group", "notify-restart-it-digests");
        props.put("mp.messaging.incoming.deferred.topic", "restart-it.notify.deferred.v1");
        props.put("mp.messaging.incoming.deferred.group.id", "notify-restart-it-deferred");
        return props;
    }

    private Process start(String name, Map<String, String> specific) throws IOException {
        Map<String, String> props = new java.util.HashMap<>(specific);
        props.put("kafka.bootstrap.servers", TestKafka.shared().bootstrapServers());
        props.put("trailwatch.notify.destinations.hook.type", "webhook");
        props.put("trailwatch.notify.destinations.hook.url", "http://127.0.0.1:" + http.port() + "/hook");
        props.put("trailwatch.notify.destinations.hook.hmac-key", "restart-key");
        props.put("trailwatch.notify.destinations.hook.rate-per-second", "20");
        props.put("trailwatch.notify.routes.all.destinations", "hook");
        Process p = ServiceProcess.start(props, "notify-restart-it-" + name + ".log");
        processes.add(p);
        return p;
    }
}

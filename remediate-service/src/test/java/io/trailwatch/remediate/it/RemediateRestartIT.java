package io.trailwatch.remediate.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.trailwatch.model.ModelJson;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.ServiceProcess;
import io.trailwatch.testsupport.TestKafka;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The packaged service stopped (SIGTERM) mid-stream and started again: each finding's function runs exactly once. */
class RemediateRestartIT {

    private static final String FINDINGS = "restart-it.remediate.findings.v1";
    private static final int COUNT = 24;

    private final List<Process> processes = new ArrayList<>();
    private WireMockServer lambda;

    @AfterEach
    void stop() {
        processes.forEach(Process::destroyForcibly);
        if (lambda != null) {
            lambda.stop();
        }
    }

    @Test
    void stoppedMidStream_andStartedAgain_invokesOncePerFinding() throws Exception {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, FINDINGS, "restart-it.remediations.v1");
        lambda = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        lambda.start();
        lambda.stubFor(post("/2015-03-31/functions/restart-fn/invocations").willReturn(okJson("{}").withFixedDelay(150)));

        Process first = start("first");
        try (var producer = new KafkaProducer<String, byte[]>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < COUNT; i++) {
                var f = RemediateIT.finding("rr-" + i, "it-restart", "111122223333");
                producer.send(new ProducerRecord<>(FINDINGS, f.findingId(), ModelJson.newMapper().writeValueAsBytes(f)));
            }
        }
        await().atMost(Duration.ofSeconds(120)).until(() -> invoked().size() >= 5);
        first.destroy();
        assertThat(first.waitFor(60, TimeUnit.SECONDS)).isTrue();
        int beforeRestart = invoked().size();
        start("second");

        await().atMost(Duration.ofSeconds(120)).until(() -> invoked().stream().distinct().count() >= COUNT);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> invoked().size() == COUNT);

        assertThat(beforeRestart).as("stopped mid-stream").isLessThan(COUNT);
        assertThat(invoked().stream().collect(Collectors.groupingBy(s -> s, Collectors.counting())))
                .hasSize(COUNT).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    }

    /** The findingIds the function was invoked for, once per invocation. */
    private List<String> invoked() {
        List<String> out = new ArrayList<>();
        for (var e : lambda.getAllServeEvents()) {
            try {
                out.add(ModelJson.newMapper().readTree(e.getRequest().getBodyAsString()).get("finding").get("findingId").asText());
            } catch (Exception ex) {
                throw new IllegalStateException(ex);
            }
        }
        return out;
    }

    @Test
    void aMisconfiguredService_doesNotStart_andNamesTheKey() throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("kafka.bootstrap.servers", TestKafka.shared().bootstrapServers());
        p.put("trailwatch.remediate.remediations.restart.function", "trailwatch-restart-logging");
        p.put("trailwatch.remediate.remediations.restart.rate-per-second", "0");
        Process process = ServiceProcess.start(p, "remediate-misconfigured-it.log");
        processes.add(process);

        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("the start fails").isTrue();
        assertThat(process.exitValue()).isNotZero();
        assertThat(java.nio.file.Files.readString(java.nio.file.Path.of("target", "remediate-misconfigured-it.log")))
                .contains("trailwatch.remediate.remediations.restart.rate-per-second");
    }

    private Process start(String name) throws Exception {
        Map<String, String> p = new HashMap<>();
        p.put("kafka.bootstrap.servers", TestKafka.shared().bootstrapServers());
        p.put("mp.messaging.incoming.findings.topic", FINDINGS);
        p.put("mp.messaging.incoming.findings.group.id", "remediate-restart-it");
        p.put("mp.messaging.outgoing.remediations.topic", "restart-it.remediations.v1");
        p.put("mp.messaging.outgoing.ledger.topic", "restart-it.remediate.ledger.v1");
        p.put("trailwatch.remediate.control-topic", "restart-it.remediate.control.v1");
        p.put("trailwatch.remediate.enabled", "true");
        p.put("trailwatch.remediate.allowed-accounts", "111122223333");
        p.put("trailwatch.remediate.lambda.endpoint", "http://127.0.0.1:" + lambda.port());
        p.put("trailwatch.remediate.lambda.static-credentials", "test:test");
        p.put("trailwatch.remediate.remediations.restart.rule-ids", "it-restart");
        p.put("trailwatch.remediate.remediations.restart.function", "restart-fn");
        p.put("trailwatch.remediate.remediations.restart.enabled", "true");
        p.put("trailwatch.remediate.remediations.restart.rate-per-second", "20");
        Process process = ServiceProcess.start(p, "remediate-restart-it-" + name + ".log");
        processes.add(process);
        return process;
    }
}

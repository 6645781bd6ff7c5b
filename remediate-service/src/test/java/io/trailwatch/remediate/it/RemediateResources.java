package io.trailwatch.remediate.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.testsupport.TestKafka;

import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * The real components remediate-service talks to, once per test JVM: the shared broker and an HTTP server (WireMock)
 * standing in for the Lambda Invoke API through the SDK's endpoint override. Remediations match rule ids, so each
 * test has its own.
 */
public class RemediateResources implements QuarkusTestResourceLifecycleManager {

    static WireMockServer lambda;

    @Override
    public Map<String, String> start() {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, Topics.FINDINGS, Topics.REMEDIATIONS, Topics.INTEGRITY);
        kafka.createTopics(Topics.DLQ_REMEDIATE_FINDINGS);
        lambda = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        lambda.start();
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.putAll(io.trailwatch.testsupport.Tokens.config()); // bearer tokens of the tests' identity provider
        c.put("trailwatch.remediate.enabled", "true");
        c.put("trailwatch.remediate.allowed-accounts", "111122223333");
        c.put("trailwatch.remediate.lambda.endpoint", "http://127.0.0.1:" + lambda.port());
        c.put("trailwatch.remediate.lambda.static-credentials", "test:test");
        // three failures in a row open a function's circuit for two seconds; a finding that finds it open is put off
        c.put("trailwatch.remediate.circuit-breaker.failures", "3");
        c.put("trailwatch.remediate.circuit-breaker.open-for", "2s");
        c.put("trailwatch.remediate.circuit-breaker.retry-for", "2m");
        // what is put off comes back after a second; a log file's digest is waited for 20 seconds
        c.put("trailwatch.remediate.deferral.recheck-every", "1s");
        c.put("trailwatch.remediate.digest.max-wait", "20s");
        remediation(c, "restart-logging", "it-restart", "restart-fn", true);
        remediation(c, "dry", "it-dry", "dry-fn", false);
        remediation(c, "failing", "it-fail", "fail-fn", true);
        remediation(c, "throttled", "it-throttle", "throttle-fn", true);
        remediation(c, "slow", "it-slow", "slow-fn", true);
        c.put("trailwatch.remediate.remediations.slow.timeout", "1s");
        remediation(c, "guarded", "it-guarded", "guarded-fn", true);
        remediation(c, "proven", "it-proven", "proven-fn", true);
        c.put("trailwatch.remediate.remediations.proven.require-validated-digest", "true");
        remediation(c, "flaky", "it-flaky", "flaky-fn", true);
        remediation(c, "queued", "it-queued", "queued-fn", true);
        c.put("trailwatch.remediate.remediations.queued.rate-per-second", "1");
        return c;
    }

    private static void remediation(Map<String, String> c, String name, String ruleId, String function, boolean enabled) {
        c.put("trailwatch.remediate.remediations." + name + ".rule-ids", ruleId);
        c.put("trailwatch.remediate.remediations." + name + ".function", function);
        c.put("trailwatch.remediate.remediations." + name + ".enabled", Boolean.toString(enabled));
        c.put("trailwatch.remediate.remediations." + name + ".rate-per-second", "50");
    }

    @Override
    public void stop() {
        if (lambda != null) {
            lambda.stop();
        }
    }
}

package io.trailwatch.remediate.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.trailwatch.messaging.aws.AwsClientConfig;
import io.trailwatch.model.Topics;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * remediate-service's settings, {@code trailwatch.remediate.*}; every key is documented in docs/configuration.md and
 * checked at start (a wrong value stops the start with a message naming the key). Safe by default: nothing is invoked
 * until {@code enabled} is true globally and on the remediation, and only in {@code allowed-accounts}.
 */
@ConfigMapping(prefix = "trailwatch.remediate")
public interface RemediateConfig {

    /** Invocations allowed at all; false: every remediation is a dry run. */
    @WithDefault("false")
    boolean enabled();

    /** The kill switch on from start-up (the control topic can also turn it on, for every replica at once). */
    @WithDefault("false")
    boolean killSwitch();

    /** The compacted topic the kill switch lives on. */
    @WithDefault(Topics.REMEDIATE_CONTROL)
    @NotBlank
    String controlTopic();

    /** The accounts remediation may act in; a finding of any other account is skipped. Empty: none. */
    Optional<List<String>> allowedAccounts();

    /** Remediations by name. */
    Map<String, Remediation> remediations();

    /** The Lambda client. */
    Lambda lambda();

    /** Per-function circuit breaker. */
    @WithName("circuit-breaker")
    Breaker circuitBreaker();

    /** How a function is invoked: Lambda's invocation types, less DryRun (a dry run invokes nothing here). */
    enum InvocationType { RequestResponse, Event }

    /** One remediation: which findings, which function. An empty list matches everything. */
    interface Remediation {
        Optional<List<String>> ruleIds();

        Optional<List<String>> categories();

        Optional<List<String>> accounts();

        Optional<List<String>> regions();

        /** The Lambda function name or ARN. */
        @NotBlank
        String function();

        /** RequestResponse (waits for the function's answer) or Event (asynchronous). */
        @WithDefault("RequestResponse")
        InvocationType invocationType();

        /** Invoke for real; false: dry run (recorded, not invoked). */
        @WithDefault("false")
        boolean enabled();

        /** Invocations per second of this function at most; above zero. */
        @WithDefault("2")
        @Positive
        double ratePerSecond();

        /** The whole invocation, SDK retries included, takes at most this long. */
        @WithDefault("30s")
        Duration timeout();
    }

    /** The Lambda client: region, and for tests an endpoint and static credentials. */
    interface Lambda extends AwsClientConfig {
    }

    /** Consecutive failures of a function open its circuit for a while: findings are skipped, not piled on. */
    interface Breaker {
        /** Failures in a row that open the circuit; at least 1. */
        @WithDefault("5")
        @Min(1)
        int failures();

        /** How long the circuit stays open before one trial invocation goes through. */
        @WithDefault("60s")
        Duration openFor();
    }
}

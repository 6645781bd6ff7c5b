package io.trailwatch.remediate.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * remediate-service's settings, {@code trailwatch.remediate.*}; every key is documented in docs/configuration.md.
 * Safe by default: nothing is invoked until {@code enabled} is true globally and on the remediation, and only in
 * {@code allowed-accounts}.
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
    @WithDefault("trailwatch.remediate.control.v1")
    String controlTopic();

    /** The accounts remediation may act in; a finding of any other account is skipped. Empty: none. */
    Optional<List<String>> allowedAccounts();

    /** Remediations by name. */
    Map<String, Remediation> remediations();

    /** The Lambda client. */
    Lambda lambda();

    /** Per-function circuit breaker. */
    Breaker circuitBreaker();

    /** One remediation: which findings, which function. An empty list matches everything. */
    interface Remediation {
        Optional<List<String>> ruleIds();

        Optional<List<String>> categories();

        Optional<List<String>> accounts();

        Optional<List<String>> regions();

        /** The Lambda function name or ARN. */
        String function();

        /** RequestResponse (waits for the function's answer) or Event (asynchronous). */
        @WithDefault("RequestResponse")
        String invocationType();

        /** Invoke for real; false: dry run (recorded, not invoked). */
        @WithDefault("false")
        boolean enabled();

        /** Invocations per second of this function at most. */
        @WithDefault("2")
        double ratePerSecond();

        /** The whole invocation, SDK retries included, takes at most this long. */
        @WithDefault("30s")
        Duration timeout();
    }

    /** The Lambda client: region, and for tests an endpoint and static credentials. */
    interface Lambda {
        @WithDefault("us-east-1")
        String region();

        Optional<URI> endpoint();

        /** {@code accessKeyId:secretAccessKey}; unset in AWS, where the default credential chain applies. */
        Optional<String> staticCredentials();
    }

    /** Consecutive failures of a function open its circuit for a while: findings are skipped, not piled on. */
    interface Breaker {
        @WithDefault("5")
        int failures();

        @WithDefault("60s")
        Duration openFor();
    }
}

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

    /** Waiting for CloudTrail digests, for remediations that require a validated one. */
    Digest digest();

    /** Remediations put off (awaiting a digest, a circuit open) and looked at again later. */
    Deferral deferral();

    /** The ledger of remediations done. */
    LedgerSettings ledger();

    /**
     * Findings under way at most (planned, queued on invokers, being invoked); past it, consumption pauses until one
     * finishes, so a slow function never fills memory. At least 1.
     */
    @WithDefault("1000")
    @Min(1)
    int maxInFlight();

    /** The ledger of remediations done, so none runs twice for a finding. */
    interface LedgerSettings {
        /**
         * How long a remediation is remembered, in memory and on the topic (compacted, then deleted after this): longer
         * than the findings topic keeps a finding, so no finding that can still be replayed runs twice. 0: forever.
         */
        @WithDefault("35d")
        Duration retention();
    }

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

        /**
         * Invoke only once a CloudTrail digest validated the log file the finding's event came from (ingest-service
         * must validate digests: trailwatch.ingest.integrity); until then the remediation is held, for at most
         * {@code trailwatch.remediate.digest.max-wait}. Slower by up to an hour or two, proof against forged log files.
         */
        @WithDefault("false")
        boolean requireValidatedDigest();
    }

    /** Waiting for CloudTrail digests. */
    interface Digest {
        /**
         * How long a remediation waits for a digest to validate its log file before it is skipped. CloudTrail
         * delivers a digest about an hour after the hour it covers; the default leaves room for a late one.
         */
        @WithDefault("2h")
        Duration maxWait();

        /** ingest-service's integrity topic, read by every replica over the last {@code max-wait} and an hour. */
        @WithDefault(Topics.INTEGRITY)
        @NotBlank
        String topic();
    }

    /** Remediations put off, on a topic of their own, each looked at again {@code recheck-every} after it was put off. */
    interface Deferral {
        /** How long a remediation put off waits before it is looked at again; above zero. */
        @WithDefault("1m")
        Duration recheckEvery();

        /** Partitions of the deferred topic when the service creates it. */
        @WithDefault("6")
        @Min(1)
        int partitions();

        /** How long the deferred topic keeps a record: longer than any wait. */
        @WithDefault("7d")
        Duration retention();
    }

    /** The Lambda client: region, and for tests an endpoint and static credentials. */
    interface Lambda extends AwsClientConfig {
    }

    /** Consecutive failures of a function open its circuit for a while: findings are put off, not piled on. */
    interface Breaker {
        /** Failures in a row that open the circuit; at least 1. */
        @WithDefault("5")
        @Min(1)
        int failures();

        /** How long the circuit stays open before one trial invocation goes through. */
        @WithDefault("60s")
        Duration openFor();

        /**
         * A finding that finds the circuit open is put off and tried again later, for this long; then it is recorded
         * as failed (and stays in the audit topic for an operator).
         */
        @WithDefault("24h")
        Duration retryFor();
    }
}

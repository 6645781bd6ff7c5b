package io.trailwatch.notify.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.trailwatch.messaging.aws.AwsClientConfig;
import io.trailwatch.model.Severity;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Positive;
import org.hibernate.validator.constraints.time.DurationMin;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * notify-service's settings, {@code trailwatch.notify.*}; every key is documented in docs/configuration.md and checked
 * at start: a wrong value, or a key a destination's type needs and lacks ({@link NotifyChecks}), stops the start with
 * a message naming the key. Secrets (webhook URLs, HMAC keys, SMTP credentials) belong in the environment, from
 * Kubernetes Secrets.
 */
@ConfigMapping(prefix = "trailwatch.notify")
public interface NotifyConfig {

    /** Where notifications can go, by name (the name appears in metrics, logs and deliveries; the URL never does). */
    Map<String, Destination> destinations();

    /** Which findings go where, by name. A finding matching several routes goes once to each destination named. */
    Map<String, Route> routes();

    /** How storms are grouped. */
    Grouping grouping();

    /** The ledger of deliveries made. */
    LedgerSettings ledger();

    /**
     * Findings under way at most (routed, queued on couriers, being delivered); past it, consumption pauses until one
     * finishes, so a slow destination never fills memory. At least 1.
     */
    @WithDefault("1000")
    @jakarta.validation.constraints.Min(1)
    int maxInFlight();

    /** The ledger of deliveries made, so none is sent twice. */
    interface LedgerSettings {
        /**
         * How long a delivery is remembered, in memory and on the topic (compacted, then deleted after this): longer
         * than the findings topic keeps a finding, so no finding that can still be replayed is sent twice. 0: forever.
         */
        @WithDefault("35d")
        Duration retention();
    }

    /** How failed deliveries are retried. */
    Retry retry();

    /** Amazon SES, for destinations of type ses. */
    Ses ses();

    /** The AWS console's address, for links to the event in CloudTrail's event history. */
    @WithDefault("https://console.aws.amazon.com")
    @NotBlank
    String consoleUrl();

    /** One destination. */
    interface Destination {
        /** slack, webhook, email (SMTP) or ses (Amazon SES's API). */
        Type type();

        /** slack, webhook: the URL to POST to (a secret: it carries Slack's token). */
        Optional<String> url();

        /** webhook: the key of the HMAC-SHA256 signature (a secret). */
        Optional<String> hmacKey();

        /** email, ses: the recipients. */
        Optional<List<String>> to();

        /** ses: the sender (a verified identity); email uses quarkus.mailer.from. */
        Optional<String> from();

        /** Messages per second at most, above zero (Slack allows about one per webhook). */
        @WithDefault("1")
        @Positive
        double ratePerSecond();

        /** Messages allowed at once above the rate; at least 1. */
        @WithDefault("3")
        @Min(1)
        int burst();

        /** Timeout of one attempt. */
        @WithDefault("10s")
        @DurationMin(millis = 1)
        Duration timeout();

        /**
         * Deliveries under way at once (1 to 64), within the rate: a slow answer holds up one of them, not the queue.
         * 1 by default: in order, one at a time (Slack asks for that per webhook); raise it for a receiver that takes
         * deliveries in parallel.
         */
        @io.quarkus.runtime.annotations.ConfigDocDefault("1")
        java.util.OptionalInt concurrency();

        /** {@link #concurrency()}, or 1. */
        default int concurrencyOrDefault() {
            return concurrency().orElse(1);
        }
    }

    /** The kinds of destination. */
    enum Type { SLACK, WEBHOOK, EMAIL, SES }

    /** The SES client: region, and for tests or SES-compatible servers an endpoint and static credentials. */
    interface Ses extends AwsClientConfig {
    }

    /** One route: what it matches, where it sends. An empty list matches everything. */
    interface Route {
        /** The lowest severity that matches: info, low, medium, high or critical. */
        @WithDefault("info")
        Severity minSeverity();

        Optional<List<String>> categories();

        Optional<List<String>> ruleIds();

        Optional<List<String>> accounts();

        Optional<List<String>> regions();

        /** Destination names. */
        @NotEmpty
        List<String> destinations();
    }

    /** Storm grouping. */
    interface Grouping {
        /**
         * Findings of the same rule and account within this window of the first become one digest message per
         * destination ("N more like this"); 0 turns grouping off.
         */
        @WithDefault("5m")
        @DurationMin(millis = 0)
        Duration window();

        /**
         * Within a window, a rule's first findings in this many accounts are sent, one message each; its findings in
         * any further account are held into one digest for the rule ("N more like this across K accounts"). High and
         * critical findings are never held across accounts. At least 1.
         */
        @WithDefault("10")
        @jakarta.validation.constraints.Min(1)
        int accounts();

        /** Partitions of the grouped topic (held findings, {@code mp.messaging.outgoing.grouped.topic}) when the service creates it. */
        @WithDefault("6")
        @jakarta.validation.constraints.Min(1)
        int partitions();

        /**
         * How long the grouped topic keeps a held finding: longer than a window plus {@code circuit-breaker.retry-for},
         * so a digest waiting out an outage is still there to be sent.
         */
        @WithDefault("7d")
        @DurationMin(minutes = 1)
        Duration retention();

        /** The consumer group of the replicas' digest assemblers (each window's digest is sent by one replica). */
        @WithDefault("trailwatch-notify-digests")
        @NotBlank
        String group();
    }

    /** A destination down: its circuit, and how long its deliveries are put off. */
    CircuitBreaker circuitBreaker();

    /** Deliveries put off while their destination is down. */
    Deferral deferral();

    /** A destination's circuit. */
    interface CircuitBreaker {
        /**
         * A delivery that spent its retry budget opens its destination's circuit: for this long its deliveries are put
         * off without an attempt; then one delivery goes through as a probe (a single attempt), and its success closes
         * the circuit.
         */
        @WithDefault("30s")
        @DurationMin(millis = 1)
        Duration openFor();

        /**
         * A delivery put off while its destination is down is tried again every {@code deferral.recheck-every}, for
         * this long after it was first put off; then it is dead-lettered. Digests wait as long.
         */
        @WithDefault("24h")
        @DurationMin(millis = 1)
        Duration retryFor();
    }

    /** The deferred topic ({@code mp.messaging.incoming.deferred.topic}). */
    interface Deferral {
        /** A delivery put off comes back this long after it was put off (and so does a digest not yet sent). */
        @WithDefault("1m")
        @DurationMin(millis = 1)
        Duration recheckEvery();

        /** Partitions of the deferred topic when the service creates it. */
        @WithDefault("6")
        @jakarta.validation.constraints.Min(1)
        int partitions();

        /** How long the deferred topic keeps a record: longer than any wait. */
        @WithDefault("7d")
        @DurationMin(minutes = 1)
        Duration retention();
    }

    /** Retries. */
    interface Retry {
        /** The first back-off; it doubles per attempt, with jitter. */
        @WithDefault("1s")
        @DurationMin(millis = 1)
        Duration initialBackoff();

        /** The longest back-off (and the longest Retry-After honoured); at least the first. */
        @WithDefault("60s")
        @DurationMin(millis = 1)
        Duration maxBackoff();

        /**
         * How long a delivery may keep trying; a delivery that spends it opens its destination's circuit and is put off
         * ({@code circuit-breaker.*}), a refusal (4xx other than 408 and 429) is dead-lettered at once.
         */
        @WithDefault("5m")
        @DurationMin(millis = 1)
        Duration budget();
    }
}

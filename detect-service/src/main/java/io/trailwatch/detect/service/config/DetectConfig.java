package io.trailwatch.detect.service.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.hibernate.validator.constraints.time.DurationMin;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * detect-service's settings, {@code trailwatch.detect.*}; every key is documented in docs/configuration.md and checked
 * at start (a wrong value stops the start with a message naming the key; a rule, list or country database that does
 * not load, too). Kafka Streams' own settings are {@code kafka-streams.*} and {@code quarkus.kafka-streams.*}.
 */
@ConfigMapping(prefix = "trailwatch.detect")
public interface DetectConfig {

    /** A directory of extra rules (trailwatch YAML or Sigma), added to the built-in pack. */
    Optional<Path> rulesDir();

    /** A country database for console-login-geo: a .mmdb file, a .csv range file or a directory of them. */
    Optional<Path> geoDatabase();

    /** Named lists rules refer to, e.g. {@code trailwatch.detect.lists.trusted-accounts=111122223333,444455556666}. */
    Map<String, List<String>> lists();

    /** Exceptions added to every rule. */
    Exceptions exceptions();

    /** How long a finding of a rule without dedup is remembered, so that a redelivered event does not repeat it. */
    @WithDefault("1d")
    @DurationMin(seconds = 1)
    Duration remember();

    /**
     * How long first-use state is kept without being seen again: a value not seen for this long is new again, and a key
     * (an account, a principal) not seen for this long learns again. Bounds the state by what was active in the period.
     */
    @WithDefault("90d")
    @DurationMin(seconds = 1)
    Duration forget();

    /**
     * Off-heap memory for the detector's RocksDB stores, shared by all of them: block cache, index and filter blocks and
     * memtables (up to half) together. At least 16M.
     */
    @WithDefault("64M")
    io.quarkus.runtime.configuration.MemorySize stateMemory();

    /**
     * How far ahead of the wall clock an event's time may move the stream's time, by which windows close and state
     * expires. A record dated later (a forged log file, a broken clock) still gets its findings, and is counted in
     * {@code trailwatch_detect_future_dated_events_total}.
     */
    @WithDefault("15m")
    @DurationMin(seconds = 0)
    Duration maxClockSkew();

    /** How often state whose windows have closed is dropped (on the largest event time seen). */
    @WithDefault("10m")
    @DurationMin(seconds = 1)
    Duration expireEvery();

    /**
     * The two copies of an event, EventBridge's and its log file's (docs/near-real-time.md): whichever comes second is
     * skipped.
     */
    Copies copies();

    /** Topic names. */
    TopicNames topics();

    interface Copies {
        /**
         * How long an event's id is remembered to recognize its other copy: longer than a log file can come after its
         * EventBridge event, or the other way round. 0 turns the check off (a deployment without the near-real-time
         * path then saves a state write per management event that changes something).
         */
        @WithDefault("1d")
        @DurationMin(seconds = 0)
        Duration window();

        /**
         * The event categories EventBridge carries for the trail (its rule's pattern): a log file's copy of an event of
         * these is remembered in case its EventBridge copy comes later. Add {@code Data} when the trail logs data events
         * and the rule takes them.
         */
        @WithDefault("Management")
        Set<String> categories();

        /**
         * Whether EventBridge carries read-only management events too (the rule's state is
         * {@code ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS}); by default it carries those that change something.
         */
        @WithDefault("false")
        boolean readOnly();
    }

    /** Principals, roles, accounts and networks no rule fires for. */
    interface Exceptions {
        /** Principal ARNs or user names. */
        Optional<List<String>> principals();

        /** Session issuer (role) ARNs. */
        Optional<List<String>> roleArns();

        /** Account ids (the account the event happened in). */
        Optional<List<String>> accounts();

        /** CIDR blocks of callers' source addresses. */
        Optional<List<String>> sourceCidrs();
    }

    /** Where events come from and findings and dead letters go. */
    interface TopicNames {
        @WithDefault(io.trailwatch.model.Topics.EVENTS)
        @NotBlank
        String events();

        @WithDefault(io.trailwatch.model.Topics.FINDINGS)
        @NotBlank
        String findings();

        @WithDefault("trailwatch.dlq.detect.events")
        @NotBlank
        String deadLetters();

        /** Partitions of the findings and dead-letter topics when the service creates them (they are missing). */
        @WithDefault("6")
        @Min(1)
        int partitions();
    }
}

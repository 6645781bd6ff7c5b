package io.trailwatch.console.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.trailwatch.model.Topics;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * console-service's settings, {@code trailwatch.console.*}; every key is documented in docs/configuration.md and
 * checked at start (a wrong value stops the start with a message naming the key). The store itself is Quarkus'
 * datasource ({@code quarkus.datasource.*}, ADR 0008).
 */
@ConfigMapping(prefix = "trailwatch.console")
public interface ConsoleConfig {

    /**
     * How long findings stay in the store after the console last received them (a grown finding's new version counts),
     * with their deliveries and remediations; integrity records by when they were checked. Not by event time, so the
     * findings of a backfill of old trails stay as long as any. Deleted once an hour. 0: forever.
     */
    @WithDefault("90d")
    Duration retention();

    /**
     * Where the embedded database keeps its file ({@code console.mv.db}), when the store is the embedded one
     * ({@code quarkus.datasource.jdbc.url} refers to it).
     */
    @WithDefault("./data")
    @NotBlank
    String dataDir();

    /** Findings per page. */
    @WithDefault("50")
    @Min(10)
    @Max(500)
    int pageSize();

    /** The topics the console reads. */
    TopicNames topics();

    /** How the topics are read into the store. */
    Reading reading();

    /**
     * A login token: {@code /login?token=<it>} from a loopback address signs the browser in as an operator (a session
     * cookie); it works for as long as this configuration does, from this machine only. {@code ./trailwatch local}
     * makes one per run and prints the link; leave it unset anywhere else.
     */
    Optional<@Pattern(regexp = "[A-Za-z0-9_-]{32,}", message = "must be at least 32 URL-safe characters") String> loginToken();

    /** How long a browser session (from the login token) lasts without a request. */
    @WithDefault("8h")
    Duration sessionIdle();

    /** The other services' management APIs, for the operations page (operators only). */
    Management management();

    /** Topic names: the defaults are the public topics (docs/topics.md). */
    interface TopicNames {
        @WithDefault(Topics.FINDINGS)
        @NotBlank
        String findings();

        @WithDefault(Topics.DELIVERIES)
        @NotBlank
        String deliveries();

        @WithDefault(Topics.REMEDIATIONS)
        @NotBlank
        String remediations();

        @WithDefault(Topics.INTEGRITY)
        @NotBlank
        String integrity();
    }

    /** Reading the topics. */
    interface Reading {
        /**
         * The consumer group's prefix; the store's id follows it, so replicas sharing a database share the
         * partitions, and a new database reads the topics from the beginning (ADR 0008).
         */
        @WithDefault("trailwatch-console")
        @NotBlank
        String groupPrefix();

        /** Records per poll, written in one transaction. */
        @WithDefault("500")
        @Min(1)
        @Max(10000)
        int maxPollRecords();

        /** How long to wait before trying again when the database refuses a write. */
        @WithDefault("2s")
        Duration retryAfter();
    }

    /** The management APIs the operations page calls, with credentials of an operator of theirs. */
    interface Management {
        /** remediate-service's management interface, e.g. {@code http://trailwatch-remediate:9000}; unset: no kill switch. */
        Optional<URI> remediateUrl();

        /** ingest-service's management interface; unset: no backfill. */
        Optional<URI> ingestUrl();

        /** The user the console calls them as (an operator there). */
        Optional<String> user();

        /** Its password. */
        Optional<String> password();

        /** How long a call may take. */
        @WithDefault("10s")
        Duration timeout();
    }
}

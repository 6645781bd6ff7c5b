package io.trailwatch.ingest.config;

import io.quarkus.runtime.annotations.ConfigDocDefault;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Everything ingest-service is configured with, under {@code trailwatch.ingest}. Validated at start-up: a service
 * with a bad configuration does not start. Kafka topic names are set on the channels ({@code mp.messaging.*}).
 */
@ConfigMapping(prefix = "trailwatch.ingest")
public interface IngestConfig {

    /** The SQS queue S3 notifications arrive on. */
    Sqs sqs();

    /**
     * CloudTrail events through EventBridge, the near-real-time path. They are taken from whichever queue they arrive
     * on; this names a queue of their own, polled apart from the S3 notifications so that a backlog of log files never
     * holds them up.
     */
    NearRealTime nearRealTime();

    /** AWS access. */
    Aws aws();

    /** The buckets, key prefixes and accounts this deployment may read. Nothing else is ever fetched. */
    Sources sources();

    /** Objects processed at once. */
    @WithDefault("4")
    @Min(1)
    @Max(256)
    int concurrency();

    /** Limits against hostile files. */
    Caps caps();

    /**
     * How long to wait for Kafka to acknowledge an object's records before leaving its notification for redelivery.
     */
    @WithDefault("2m")
    Duration publishTimeout();

    /** Events awaiting Kafka acknowledgement at once, across all objects; the reader waits beyond this. */
    @WithDefault("4096")
    @Min(16)
    int maxUnacknowledgedEvents();

    /** Backfill: ingest objects listed under a prefix through the same pipeline and ledger. */
    Backfill backfill();

    /** The ledger of completed objects. */
    Ledger ledger();

    /** Continuous validation of CloudTrail digest files (log file integrity). */
    Integrity integrity();

    interface Sqs {
        /** Whether to poll SQS at all (off for a backfill-only replica). */
        @WithDefault("true")
        boolean enabled();

        /** The queue URL. Required when polling is enabled. */
        Optional<String> queueUrl();

        /** Long-poll wait per receive, in seconds (0 to 20). */
        @WithDefault("20")
        @Min(0)
        @Max(20)
        int waitTimeSeconds();

        /** Messages per receive (1 to 10). */
        @WithDefault("10")
        @Min(1)
        @Max(10)
        int maxMessages();

        /**
         * Visibility timeout given to received messages, extended while their objects are still being processed.
         */
        @WithDefault("2m")
        Duration visibilityTimeout();

        /** How soon a message whose objects failed transiently becomes visible again. */
        @WithDefault("30s")
        Duration retryDelay();
    }

    interface NearRealTime {
        /**
         * The queue an EventBridge rule sends CloudTrail events to, when it is not {@code sqs.queue-url}. Polled without
         * waiting for object slots, ten messages at a time.
         */
        Optional<String> queueUrl();

        /**
         * The largest CloudTrail record to take from an EventBridge event; a larger one is dead-lettered
         * ({@code event-too-large}). EventBridge itself sends at most 256 KiB per event.
         */
        @WithDefault("262144")
        @Min(1024)
        long maxEventBytes();

        /**
         * How many messages of CloudTrail events (through EventBridge) may await Kafka's acknowledgement at once, per
         * queue: the poll loop receives the next messages while earlier ones are acknowledged, and waits only when this
         * many are. A loop that waited for each receive's acknowledgements took ten messages per linger and round trip,
         * and fell minutes behind at a hundred events a second.
         */
        @WithDefault("100")
        @Min(10)
        int maxMessagesInFlight();
    }

    interface Aws {
        /** The region of the queue and buckets. */
        @WithDefault("us-east-1")
        String region();

        /** Endpoint override for S3 (an S3-compatible server); the AWS endpoint when absent. */
        Optional<URI> s3Endpoint();

        /** Path-style S3 addressing, as S3-compatible servers need. */
        @WithDefault("false")
        boolean s3PathStyle();

        /** Endpoint override for SQS; the AWS endpoint when absent. */
        Optional<URI> sqsEndpoint();

        /**
         * Static credentials for S3/SQS-compatible servers, as {@code accessKeyId:secretAccessKey}. Leave unset in
         * AWS: the default credentials chain (IRSA, instance profile, environment) is used.
         */
        @ConfigDocDefault("the AWS default credentials chain")
        Optional<String> staticCredentials();

        /** Endpoint override for the CloudTrail API (ListPublicKeys); AWS's regional endpoints when absent. */
        Optional<URI> cloudtrailEndpoint();

        /** Timeout of one S3 or SQS API call (not of streaming a whole object). */
        @WithDefault("30s")
        Duration apiCallTimeout();
    }

    interface Sources {
        /** Buckets that may be read. */
        @NotEmpty
        Set<String> buckets();

        /** Key prefixes that may be read; any when absent. */
        Optional<List<String>> keyPrefixes();

        /** Accounts whose files may be read (from the key layout) and whose EventBridge events are taken; any when absent. */
        Optional<Set<String>> accounts();

        /**
         * The account that owns the buckets (12 digits). Sent as {@code expectedBucketOwner} on every S3 call: S3
         * then refuses to serve a bucket owned by anyone else (a deleted bucket's name taken over, a look-alike), and
         * such an object becomes a dead letter and a critical {@code cloudtrail-integrity-bucket-owner-mismatch}
         * finding. Strongly recommended in production.
         */
        Optional<@Pattern(regexp = "\\d{12}", message = "must be a 12-digit AWS account id") String> expectedBucketOwner();

        /**
         * Keys matching this regular expression (searched, not matched whole) are not logs and are skipped without
         * being read. Digests in CloudTrail's layout are validated (see {@code integrity}), never ingested; other keys
         * under {@code CloudTrail-Digest/} are skipped.
         */
        @WithDefault("(^|/)CloudTrail-Digest/|_CloudTrail-Digest_|(^|/)ConfigWritabilityCheckFile$|\\.sig$|/$")
        String skipKeyPattern();
    }

    interface Caps {
        /** The most bytes one log file may decompress to. */
        @WithDefault("2147483648")
        @Min(1024)
        long maxDecompressedBytes();

        /**
         * The most bytes one record may take; a larger record is dead-lettered and its siblings published. This plus
         * 64 KiB must fit {@code mp.messaging.outgoing.events.max.request.size} (checked at start-up). CloudTrail
         * itself omits request parameters over about 100 KB, so real records stay far below.
         */
        @WithDefault("1048576")
        @Min(1024)
        long maxRecordBytes();
    }

    interface Ledger {
        /** Partitions of the compacted ledger topic when the service creates it. */
        @WithDefault("6")
        @Min(1)
        int partitions();

        /**
         * How long an ingested object is remembered, in memory and on the topic (compacted, then deleted after this):
         * longer than SQS keeps a message (14 days at most). A backfill over older objects publishes their events
         * again (consumers deduplicate on eventID). 0: forever.
         */
        @WithDefault("35d")
        java.time.Duration retention();
    }

    interface Integrity {
        /**
         * Whether digest files are validated as they arrive: signature, chain and every log file's SHA-256. Problems
         * become critical {@code cloudtrail-tampering} findings. Needs {@code cloudtrail:ListPublicKeys} unless the keys
         * are configured.
         */
        @WithDefault("true")
        boolean enabled();

        /**
         * A JSON file of CloudTrail public keys, as {@code aws cloudtrail list-public-keys} prints them (one output, or
         * an array of outputs of several regions): for offline use, or to avoid the API call. Looked up first.
         */
        Optional<java.nio.file.Path> publicKeysFile();

        /** Whether keys not in the file are fetched with CloudTrail ListPublicKeys in the digest's region. */
        @WithDefault("true")
        boolean fetchPublicKeys();

        /** The most bytes a digest file may decompress to. */
        @WithDefault("67108864")
        @Min(1024)
        long maxDigestBytes();
    }

    interface Backfill {
        /** Objects a backfill processes at once. */
        @WithDefault("4")
        @Min(1)
        @Max(64)
        int concurrency();

        /** The longest time range one backfill may span; a longer request is refused (400). */
        @WithDefault("400d")
        Duration maxRange();

        /** Backfills running at once; a further request is refused (429) until one has finished. */
        @WithDefault("4")
        @Min(1)
        @Max(64)
        int maxRunning();

        /** How long a finished backfill's progress can be read; then it is forgotten. */
        @WithDefault("24h")
        Duration keepFinished();
    }
}

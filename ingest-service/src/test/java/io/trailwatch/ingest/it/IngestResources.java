package io.trailwatch.ingest.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.trailwatch.model.Topics;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.devkit.CloudTrailApiServer;
import io.trailwatch.devkit.CloudTrailDigests;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.S3Server;
import io.trailwatch.devkit.SqsServer;
import io.trailwatch.testsupport.TestKafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts the real components ingest-service talks to, once per test JVM: a Kafka broker, an S3 server and an SQS
 * server, with the bucket, a foreign bucket and the queue. The service is configured against them.
 */
public class IngestResources implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "cloudtrail-logs";
    public static final String FOREIGN_BUCKET = "someone-elses-bucket";
    public static final String QUEUE = "trailwatch-ingest-it";
    /** Small enough that a test's gzip bomb trips it quickly. */
    public static final long MAX_DECOMPRESSED = 64L * 1024 * 1024;

    @Override
    public Map<String, String> start() {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(Topics.EVENTS, Topics.DLQ_INGEST_NOTIFICATIONS, Topics.DLQ_INGEST_OBJECTS, Topics.DLQ_INGEST_RECORDS);
        kafka.createTopics(3, Topics.INGEST_LEDGER);
        kafka.createTopics(Topics.INTEGRITY, Topics.FINDINGS);
        S3Server s3 = S3Server.shared();
        s3.createBucket(BUCKET);
        s3.createBucket(FOREIGN_BUCKET);
        SqsServer sqs = SqsServer.shared();
        String queueUrl = sqs.createQueue(QUEUE, 10);

        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        config.putAll(io.trailwatch.testsupport.Tokens.config()); // bearer tokens of the tests' identity provider
        config.put("trailwatch.ingest.sqs.queue-url", queueUrl);
        config.put("trailwatch.ingest.aws.s3-endpoint", s3.endpoint().toString());
        config.put("trailwatch.ingest.aws.s3-path-style", "true");
        config.put("trailwatch.ingest.aws.sqs-endpoint", sqs.endpoint().toString());
        config.put("trailwatch.ingest.aws.static-credentials", S3Server.ACCESS_KEY + ":" + S3Server.SECRET_KEY);
        config.put("trailwatch.ingest.sources.buckets", BUCKET);
        // CloudTrail's public keys: eu-west-1's from a file (as `aws cloudtrail list-public-keys` prints it), every
        // other region's from the ListPublicKeys API.
        config.put("trailwatch.ingest.integrity.public-keys-file", keysFile().toString());
        config.put("trailwatch.ingest.aws.cloudtrail-endpoint", CloudTrailApiServer.shared().endpoint().toString());
        config.put("trailwatch.ingest.caps.max-decompressed-bytes", String.valueOf(MAX_DECOMPRESSED));
        config.put("trailwatch.ingest.caps.max-record-bytes", String.valueOf(256 * 1024));
        // Fail fast while the broker is down, so the outage test sees a redelivery within seconds.
        for (String channel : new String[]{"events", "ledger", "dlq-notifications", "dlq-objects", "dlq-records",
                "integrity", "findings"}) {
            config.put("mp.messaging.outgoing." + channel + ".max.block.ms", "4000");
            config.put("mp.messaging.outgoing." + channel + ".delivery.timeout.ms", "8000");
            config.put("mp.messaging.outgoing." + channel + ".request.timeout.ms", "3000");
        }
        return config;
    }

    /** The region whose public key the service reads from a file. */
    public static final String FILE_KEY_REGION = "eu-west-1";

    private static Path keysFile() {
        var key = (RSAPublicKey) CloudTrailDigests.signingKey(FILE_KEY_REGION).getPublic();
        ObjectNode entry = CloudTrailDigests.publicKeyEntry(key, Instant.parse("2026-01-01T00:00:00Z"),
                Instant.parse("2027-01-01T00:00:00Z"));
        entry.put("ValidityStartTime", "2026-01-01T00:00:00+00:00");
        entry.put("ValidityEndTime", "2027-01-01T00:00:00+00:00");
        try {
            Path file = Files.createDirectories(Path.of("target")).resolve("cloudtrail-public-keys.json");
            Files.writeString(file, CloudTrailDigests.listPublicKeys(entry));
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // Shared components stop with the JVM.
    }
}

package io.trailwatch.ingest.inbound;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Map;

/**
 * Keeps the {@link Ledger} of ingested objects in step with its compacted topic from start-up on (the SQS poller
 * waits until it was read to its end), so objects completed by other replicas are known too.
 */
@ApplicationScoped
public class LedgerReader {

    private final Ledger ledger;
    private final Map<String, Object> connection; // brokers, TLS, SASL
    private final String topic;
    private final int partitions;
    private LedgerFollower follower;

    LedgerReader(Ledger ledger,
                 @io.smallrye.common.annotation.Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                 @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic") String topic,
                 IngestConfig config) {
        this.ledger = ledger;
        this.connection = KafkaConnection.of(kafkaConfig);
        this.topic = topic;
        this.partitions = config.ledger().partitions();
    }

    void start(@Observes StartupEvent ignored) {
        follower = LedgerFollower.start(ledger, connection, topic, partitions);
    }

    void stop(@Observes ShutdownEvent ignored) {
        if (follower != null) {
            follower.close();
        }
    }
}

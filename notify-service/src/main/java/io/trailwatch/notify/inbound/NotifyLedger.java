package io.trailwatch.notify.inbound;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trailwatch.model.Topics;
import io.trailwatch.model.kafka.CompactedKeys;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What was already delivered where: the compacted ledger topic ({@link CompactedKeys}), read to its end before the
 * first finding is handled, then followed. Key: {@code <destination>|<findingId>}.
 */
@ApplicationScoped
public class NotifyLedger {

    private static final Logger LOG = Logger.getLogger(NotifyLedger.class);

    @jakarta.inject.Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig; // kafka.* settings: brokers, TLS, SASL

    @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic", defaultValue = Topics.NOTIFY_LEDGER)
    String topic;

    private CompactedKeys keys;

    void start(@Observes StartupEvent start) {
        keys();
    }

    void stop(@Observes ShutdownEvent stop) {
        keys().close();
    }

    private synchronized CompactedKeys keys() {
        if (keys == null) {
            keys = new CompactedKeys(io.trailwatch.model.kafka.KafkaConnection.of(kafkaConfig), topic, 6, LOG::info);
        }
        return keys;
    }

    /** Completes once the ledger was read to its end. */
    public CompletableFuture<Void> ready() {
        return keys().ready();
    }

    public boolean contains(String key) {
        return keys().contains(key);
    }

    /** Notes a delivery this replica made (its ledger record is on its way). */
    public void add(String key) {
        keys().add(key);
    }
}

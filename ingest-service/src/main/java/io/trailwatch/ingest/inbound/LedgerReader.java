package io.trailwatch.ingest.inbound;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.ingest.core.Ledger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Reads the compacted ledger topic into the {@link Ledger}: to its end at start-up (the SQS poller waits for that),
 * then follows it, so objects completed by other replicas are known too. A plain consumer with no group: every
 * replica reads every partition, and there is nothing to commit.
 */
@ApplicationScoped
public class LedgerReader {

    private static final Logger LOG = Logger.getLogger(LedgerReader.class);

    private final Ledger ledger;
    private final Map<String, Object> connection; // brokers, TLS, SASL
    private final String topic;
    private final int partitions;
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    LedgerReader(Ledger ledger,
                 @io.smallrye.common.annotation.Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                 @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic") String topic,
                 IngestConfig config) {
        this.ledger = ledger;
        this.connection = io.trailwatch.model.kafka.KafkaConnection.of(kafkaConfig);
        this.topic = topic;
        this.partitions = config.ledger().partitions();
    }

    void start(@Observes StartupEvent ignored) {
        running = true;
        thread = new Thread(this::run, "ledger-reader");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        var c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void run() {
        while (running) {
            try {
                ensureTopic();
                follow();
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                LOG.warnf("Reading the ledger topic %s failed, retrying: %s", topic, e.getMessage());
                sleep(2000);
            }
        }
    }

    private void follow() {
        Map<String, Object> config = new java.util.HashMap<>(connection);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (var c = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            List<TopicPartition> assigned = c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(assigned);
            c.seekToBeginning(assigned);
            Map<TopicPartition, Long> end = c.endOffsets(assigned, Duration.ofSeconds(30));
            long started = System.nanoTime();
            while (running) {
                for (var record : c.poll(Duration.ofMillis(500))) {
                    if (record.key() == null) {
                        continue;
                    }
                    if (record.value() == null) {
                        ledger.remove(record.key());
                    } else {
                        ledger.add(record.key());
                    }
                }
                if (!ledger.isLoaded() && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    ledger.markLoaded();
                    LOG.infof("Ledger loaded: %d objects already ingested, in %d ms", ledger.size(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                }
            }
        } finally {
            consumer = null;
        }
    }

    /** The ledger topic must be compacted; create it so if it does not exist yet. */
    private void ensureTopic() throws InterruptedException {
        Map<String, Object> config = new java.util.HashMap<>(connection);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(config)) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.empty())
                    .configs(Map.of("cleanup.policy", "compact")))).all().get(30, TimeUnit.SECONDS);
            LOG.infof("Created the compacted ledger topic %s", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create ledger topic " + topic + ": " + e.getCause().getMessage(), e);
            }
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer in time", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

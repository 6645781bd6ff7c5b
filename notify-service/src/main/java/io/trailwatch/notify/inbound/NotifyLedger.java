package io.trailwatch.notify.inbound;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trailwatch.model.Topics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * What was already delivered where: the compacted ledger topic, read to its end before the first finding is handled,
 * then followed (other replicas' deliveries matter after a rebalance). Key: {@code <destination>|<findingId>}.
 * Created, compacted, when missing.
 */
@ApplicationScoped
public class NotifyLedger {

    private static final Logger LOG = Logger.getLogger(NotifyLedger.class);

    private final Set<String> done = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean running = true;
    private Thread follower;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrap;

    @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic", defaultValue = Topics.NOTIFY_LEDGER)
    String topic;

    void start(@Observes StartupEvent start) {
        createIfMissing();
        follower = new Thread(this::follow, "notify-ledger");
        follower.setDaemon(true);
        follower.start();
    }

    void stop(@Observes ShutdownEvent stop) {
        running = false;
    }

    /** Completes once the ledger was read to its end. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public boolean contains(String key) {
        return done.contains(key);
    }

    /** Notes a delivery this replica made (its ledger record is on its way). */
    public void add(String key) {
        done.add(key);
    }

    private void follow() {
        while (running) {
            try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false, ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                    new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts);
                while (running) {
                    for (var r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.key() != null) {
                            if (r.value() == null) {
                                done.remove(r.key());
                            } else {
                                done.add(r.key());
                            }
                        }
                    }
                    if (!ready.isDone() && parts.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                        LOG.infof("ledger read: %d deliveries known", done.size());
                        ready.complete(null);
                    }
                }
            } catch (RuntimeException e) {
                LOG.warnf("ledger %s unreadable (%s); retrying", topic, e.toString());
                try {
                    Thread.sleep(2000); // retry back-off while the broker is away
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void createIfMissing() {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap, "request.timeout.ms", 10_000,
                "default.api.timeout.ms", 15_000))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(6), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                LOG.warnf("could not create %s: %s", topic, e.getCause().toString());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warnf("could not create %s: %s", topic, e.toString());
        }
    }
}

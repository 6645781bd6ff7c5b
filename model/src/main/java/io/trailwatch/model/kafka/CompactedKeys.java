package io.trailwatch.model.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * The live keys of a compacted ledger topic (what was already done), read to its end once and then followed on a
 * thread of its own, so a replica also learns what others did before a rebalance hands it their partitions. A
 * tombstone removes a key. Creates the topic, compacted, when it is missing.
 */
public final class CompactedKeys implements AutoCloseable {

    private final Map<String, Object> connection;
    private final String topic;
    private final Consumer<String> log;
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private volatile boolean running = true;
    private final Thread follower;

    /**
     * @param log where to say what happened (the ledger's size once read, trouble reaching the broker)
     */
    public CompactedKeys(String bootstrap, String topic, int partitions, Consumer<String> log) {
        this(KafkaConnection.plain(bootstrap), topic, partitions, log);
    }

    /**
     * Follows a compacted topic, creating it when missing.
     *
     * @param connection brokers and security settings ({@link KafkaConnection#of})
     */
    public CompactedKeys(Map<String, Object> connection, String topic, int partitions, Consumer<String> log) {
        this.connection = Map.copyOf(connection);
        this.topic = topic;
        this.log = log;
        createIfMissing(partitions);
        follower = new Thread(this::follow, "ledger-" + topic);
        follower.setDaemon(true);
        follower.start();
    }

    /** Completes once the topic was read to its end. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public boolean contains(String key) {
        return keys.contains(key);
    }

    /** Notes a key this replica wrote (its record is on its way). */
    public void add(String key) {
        keys.add(key);
    }

    /** Notes a tombstone this replica wrote. */
    public void remove(String key) {
        keys.remove(key);
    }

    /** The connection settings plus a client's own. */
    private Map<String, Object> with(Object... keyValues) {
        Map<String, Object> config = new java.util.HashMap<>(connection);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private void follow() {
        while (running) {
            try (var consumer = new KafkaConsumer<>(with(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"), new StringDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> parts = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                        .map(p -> new TopicPartition(topic, p.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = consumer.endOffsets(parts);
                while (running) {
                    for (var r : consumer.poll(Duration.ofMillis(500))) {
                        if (r.key() != null) {
                            if (r.value() == null) {
                                keys.remove(r.key());
                            } else {
                                keys.add(r.key());
                            }
                        }
                    }
                    if (!ready.isDone() && parts.stream().allMatch(p -> consumer.position(p) >= end.get(p))) {
                        log.accept("ledger " + topic + " read: " + keys.size() + " keys");
                        ready.complete(null);
                    }
                }
            } catch (RuntimeException e) {
                log.accept("ledger " + topic + " unreadable (" + e + "); retrying");
                try {
                    Thread.sleep(2000); // retry back-off while the broker is away
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void createIfMissing(int partitions) {
        try (Admin admin = Admin.create(with("request.timeout.ms", 10_000, "default.api.timeout.ms", 15_000))) {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                log.accept("could not create " + topic + ": " + e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.accept("could not create " + topic + ": " + e);
        }
    }

    @Override
    public void close() {
        running = false;
    }
}

package io.trailwatch.messaging.ledger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Keeps a {@link Ledger} in step with its compacted topic: creates the topic, compacted, when it is missing; reads it
 * from the beginning to its end (then the ledger is ready) and follows it on a thread of its own, so a replica also
 * learns what others did before a rebalance hands it their partitions. A plain consumer with no group: every replica
 * reads every partition, and there is nothing to commit. Trouble reaching the broker is logged and retried.
 */
public final class LedgerFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LedgerFollower.class);
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final Ledger ledger;
    private final Map<String, Object> connection;
    private final String topic;
    private final int partitions;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile KafkaConsumer<String, byte[]> consumer;

    /**
     * Starts following.
     *
     * @param connection brokers and security settings ({@link io.trailwatch.messaging.KafkaConnection#of})
     * @param partitions partitions of the topic when it has to be created
     */
    public static LedgerFollower start(Ledger ledger, Map<String, Object> connection, String topic, int partitions) {
        var follower = new LedgerFollower(ledger, connection, topic, partitions);
        follower.thread.start();
        return follower;
    }

    private LedgerFollower(Ledger ledger, Map<String, Object> connection, String topic, int partitions) {
        this.ledger = ledger;
        this.connection = Map.copyOf(connection);
        this.topic = topic;
        this.partitions = partitions;
        this.thread = new Thread(this::run, "ledger-" + topic);
        this.thread.setDaemon(true);
    }

    /** Whether the follower is still following (false once closed, or if its thread died). */
    public boolean isAlive() {
        return thread.isAlive();
    }

    private void run() {
        while (running) {
            try {
                createIfMissing();
                follow();
            } catch (WakeupException e) {
                return;
            } catch (Exception e) {
                if (!running) {
                    return;
                }
                LOG.warnf("Reading the ledger topic %s failed, retrying in %s: %s", topic, RETRY, e.toString());
                try {
                    Thread.sleep(RETRY.toMillis()); // the broker is away: try again shortly
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void follow() {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        try (var c = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer = c;
            if (!running) {
                return;
            }
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
                if (!ledger.isReady() && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    ledger.markReady();
                    LOG.infof("Ledger %s read: %d keys, in %d ms", topic, ledger.size(),
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
                }
            }
        } finally {
            consumer = null;
        }
    }

    private void createIfMissing() throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(config)) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(topic)) {
                return;
            }
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                    .all().get(30, TimeUnit.SECONDS);
            LOG.infof("Created the compacted ledger topic %s", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Stops following. */
    @Override
    public void close() {
        running = false;
        var c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }
}

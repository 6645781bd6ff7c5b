package io.trailwatch.messaging.ledger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Reads a whole topic, every partition, on a thread of its own and hands each record to a {@link Target}: from the
 * beginning, or from a while ago ({@code lookback}); then follows it. Once it has read to the end it had at the start,
 * the target is told ({@link Target#caughtUp}). A plain consumer with no group: every replica reads everything, and
 * there is nothing to commit. Creates the topic when it is missing and a definition was given. Trouble reaching the
 * broker is logged and retried; anything else the loop throws is logged and retried too, never a silent stop.
 */
public final class TopicFollower implements AutoCloseable {

    /** Where the records go. Called on the follower's thread only. */
    public interface Target {
        /** One record; its value is null for a tombstone. */
        void accept(ConsumerRecord<String, byte[]> record);

        /** The topic was read to the end it had when following started (called once per start). */
        void caughtUp();

        /** After every poll (about twice a second), records or not: for housekeeping such as expiry. */
        default void polled() {
        }

        /**
         * Whether {@link #accept} reads record values. When not, a record's value is an empty array (null for a
         * tombstone) and its bytes are never copied out of the fetched batch: a follower of keys and headers makes no
         * garbage of the values, which on the ledger and grouped topics are whole deliveries and findings.
         */
        default boolean readsValues() {
            return true;
        }
    }

    /** Values as present (an empty array) or absent (null), never copied. */
    static final class Presence implements Deserializer<byte[]> {
        private static final byte[] PRESENT = new byte[0];

        @Override
        public byte[] deserialize(String topic, byte[] data) {
            return data == null ? null : PRESENT;
        }

        @Override
        public byte[] deserialize(String topic, Headers headers, ByteBuffer data) {
            return data == null ? null : PRESENT;
        }
    }

    private static final Logger LOG = Logger.getLogger(TopicFollower.class);
    private static final Duration RETRY = Duration.ofSeconds(2);

    private final Target target;
    private final Map<String, Object> connection;
    private final String topic;
    private final NewTopic definition;
    private final Duration lookback;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastPoll = System.nanoTime();
    private volatile KafkaConsumer<String, byte[]> consumer;

    /**
     * Starts following.
     *
     * @param connection brokers and security settings ({@link io.trailwatch.messaging.KafkaConnection#of})
     * @param definition the topic as it is created when missing; null: wait for someone else to create it
     * @param lookback   how far back to start; null: from the beginning
     */
    public static TopicFollower start(Target target, Map<String, Object> connection, String topic, NewTopic definition,
                                      Duration lookback, Clock clock) {
        var follower = new TopicFollower(target, connection, topic, definition, lookback, clock);
        follower.thread.start();
        return follower;
    }

    private TopicFollower(Target target, Map<String, Object> connection, String topic, NewTopic definition,
                          Duration lookback, Clock clock) {
        this.target = target;
        this.connection = Map.copyOf(connection);
        this.topic = topic;
        this.definition = definition;
        this.lookback = lookback;
        this.clock = clock;
        this.thread = new Thread(this::run, "follow-" + topic);
        this.thread.setDaemon(true);
    }

    /** Whether the follower is still following (false once closed, or if its thread died). */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** How long ago it last polled the broker (or tried to): a follower stuck elsewhere shows here. */
    public Duration sinceLastPoll() {
        return Duration.ofNanos(System.nanoTime() - lastPoll);
    }

    private void run() {
        while (running) {
            try {
                if (definition != null) {
                    createIfMissing(connection, definition);
                }
                follow();
            } catch (WakeupException e) {
                return;
            } catch (Throwable e) {
                if (!running) {
                    return;
                }
                LOG.warnf("Following the topic %s failed, retrying in %s: %s", topic, RETRY, e.toString());
                try {
                    Thread.sleep(RETRY.toMillis()); // the broker is away: try again shortly
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                lastPoll = System.nanoTime();
            }
        }
    }

    private void follow() {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        Deserializer<byte[]> values = target.readsValues() ? new ByteArrayDeserializer() : new Presence();
        try (var c = new KafkaConsumer<>(config, new StringDeserializer(), values)) {
            consumer = c;
            if (!running) {
                return;
            }
            var partitions = c.partitionsFor(topic, Duration.ofSeconds(30));
            if (partitions == null || partitions.isEmpty()) {
                throw new IllegalStateException("the topic " + topic + " does not exist (yet)");
            }
            List<TopicPartition> assigned = partitions.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            c.assign(assigned);
            seekToStart(c, assigned);
            Map<TopicPartition, Long> end = c.endOffsets(assigned, Duration.ofSeconds(30));
            boolean caughtUp = false;
            while (running) {
                lastPoll = System.nanoTime();
                for (var record : c.poll(Duration.ofMillis(500))) {
                    if (record.key() != null) {
                        target.accept(record);
                    }
                }
                if (!caughtUp && end.entrySet().stream().allMatch(e -> c.position(e.getKey()) >= e.getValue())) {
                    caughtUp = true;
                    target.caughtUp();
                }
                target.polled();
            }
        } finally {
            consumer = null;
        }
    }

    private void seekToStart(KafkaConsumer<String, byte[]> c, List<TopicPartition> assigned) {
        if (lookback == null) {
            c.seekToBeginning(assigned);
            return;
        }
        long since = clock.millis() - lookback.toMillis();
        Map<TopicPartition, Long> times = new HashMap<>();
        assigned.forEach(p -> times.put(p, since));
        Map<TopicPartition, OffsetAndTimestamp> offsets = c.offsetsForTimes(times, Duration.ofSeconds(30));
        for (TopicPartition p : assigned) {
            OffsetAndTimestamp at = offsets.get(p);
            if (at == null) {
                c.seekToEnd(List.of(p)); // nothing that recent
            } else {
                c.seek(p, at.offset());
            }
        }
    }

    /**
     * Creates the topic as defined unless it exists, on a thread of its own, trying again every few seconds while the
     * broker is away; completes once the topic exists.
     */
    public static java.util.concurrent.CompletableFuture<Void> ensureExists(Map<String, Object> connection, NewTopic definition) {
        var done = new java.util.concurrent.CompletableFuture<Void>();
        Thread t = new Thread(() -> {
            while (!done.isDone()) {
                try {
                    createIfMissing(connection, definition);
                    done.complete(null);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception e) {
                    LOG.warnf("Creating the topic %s failed, retrying in %s: %s", definition.name(), RETRY, e.toString());
                    try {
                        Thread.sleep(RETRY.toMillis());
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }, "create-" + definition.name());
        t.setDaemon(true);
        t.start();
        return done;
    }

    /** Creates the topic as defined unless it exists. */
    public static void createIfMissing(Map<String, Object> connection, NewTopic definition)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (Admin admin = Admin.create(config)) {
            if (admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(definition.name())) {
                return;
            }
            admin.createTopics(List.of(definition)).all().get(30, TimeUnit.SECONDS);
            LOG.infof("Created the topic %s (%s)", definition.name(), definition.configs());
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

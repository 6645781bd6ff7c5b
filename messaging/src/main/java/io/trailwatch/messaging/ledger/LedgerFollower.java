package io.trailwatch.messaging.ledger;

import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Keeps a {@link Ledger} in step with its topic ({@link TopicFollower}): creates the topic when it is missing,
 * compacted, and for a ledger with a retention also deleted after it ({@code cleanup.policy=compact,delete}); reads it
 * from the beginning to its end (then the ledger is ready) and follows it, so a replica also learns what others did
 * before a rebalance hands it their partitions. Once a minute it has the ledger forget keys past the retention.
 */
public final class LedgerFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LedgerFollower.class);
    private static final Duration EXPIRY_EVERY = Duration.ofMinutes(1);

    private final TopicFollower follower;

    private LedgerFollower(TopicFollower follower) {
        this.follower = follower;
    }

    /**
     * Starts following.
     *
     * @param connection brokers and security settings ({@link io.trailwatch.messaging.KafkaConnection#of})
     * @param partitions partitions of the topic when it has to be created
     */
    public static LedgerFollower start(Ledger ledger, Map<String, Object> connection, String topic, int partitions) {
        long started = System.nanoTime();
        var definition = new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(topicConfig(ledger.retention()));
        long[] lastExpiry = {System.currentTimeMillis()};
        return new LedgerFollower(TopicFollower.start(new TopicFollower.Target() {
            @Override
            public void accept(ConsumerRecord<String, byte[]> record) {
                if (record.value() == null) {
                    ledger.remove(record.key());
                } else {
                    ledger.add(record.key(), record.timestamp());
                }
            }

            @Override
            public boolean readsValues() {
                return false; // a key, and whether it is a tombstone
            }

            @Override
            public void polled() {
                long now = System.currentTimeMillis();
                if (now - lastExpiry[0] > EXPIRY_EVERY.toMillis()) {
                    lastExpiry[0] = now;
                    int gone = ledger.expire(now);
                    if (gone > 0) {
                        LOG.debugf("Ledger %s: %d keys past the retention of %s forgotten", topic, gone, ledger.retention());
                    }
                }
            }

            @Override
            public void caughtUp() {
                if (!ledger.isReady()) {
                    ledger.markReady();
                    LOG.infof("Ledger %s read: %d keys, in %d ms", topic, ledger.size(),
                            Duration.ofNanos(System.nanoTime() - started).toMillis());
                }
            }
        }, connection, topic, definition, null, Clock.systemUTC()));
    }

    /**
     * The ledger topic's configuration: compacted; with a retention, also deleted after it, so the topic stays as
     * bounded as the ledger in memory.
     */
    public static Map<String, String> topicConfig(Duration retention) {
        if (retention.isZero()) {
            return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);
        }
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()));
    }

    /** Whether the follower is still following (false once closed, or if its thread died). */
    public boolean isAlive() {
        return follower.isAlive();
    }

    /**
     * Whether it is following: its thread is alive and polled the broker (or tried to) within {@code quiet}. A
     * follower stuck elsewhere, or dead, leaves its ledger stale; health checks report it.
     */
    public boolean isFollowing(Duration quiet) {
        return follower.isAlive() && follower.sinceLastPoll().compareTo(quiet) < 0;
    }

    /** Stops following. */
    @Override
    public void close() {
        follower.close();
    }
}

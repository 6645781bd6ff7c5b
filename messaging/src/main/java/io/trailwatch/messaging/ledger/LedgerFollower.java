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
 * Keeps a {@link Ledger} in step with its compacted topic ({@link TopicFollower}): creates the topic, compacted, when
 * it is missing; reads it from the beginning to its end (then the ledger is ready) and follows it, so a replica also
 * learns what others did before a rebalance hands it their partitions.
 */
public final class LedgerFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LedgerFollower.class);

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
        var definition = new NewTopic(topic, Optional.of(partitions), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
        return new LedgerFollower(TopicFollower.start(new TopicFollower.Target() {
            @Override
            public void accept(ConsumerRecord<String, byte[]> record) {
                if (record.value() == null) {
                    ledger.remove(record.key());
                } else {
                    ledger.add(record.key());
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

package io.trailwatch.detect.service.inbound;

import io.trailwatch.detect.service.config.DetectConfig;
import io.trailwatch.detect.service.core.DetectMetrics;
import io.trailwatch.detect.engine.Engine;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;

/**
 * The whole service as one Kafka Streams topology: events in, one {@link DetectProcessor} per partition with its
 * state store (first-seen values, threshold counts, findings made), the eventIDs of the copies window
 * ({@link EventCopies}) and the log files by id ({@link LogFiles}), findings and dead letters out. The store's
 * changelog topic carries the state across restarts and rebalances; with exactly-once processing, state, findings and
 * offsets commit together, so a crash never repeats or loses a finding. Events are keyed by account, so all of an
 * account's events, and its first-seen state, live on one partition.
 */
public final class DetectTopology {

    /** The processor's state store; its changelog topic is {@code <application.id>-detector-state-changelog}. */
    public static final String STORE = "detector-state";
    /** The eventIDs of the copies window ({@link EventCopies}); changelog {@code <application.id>-event-copies-changelog}. */
    public static final String COPIES_STORE = "event-copies";
    /** The log files of the events, by id ({@link LogFiles}); changelog {@code <application.id>-log-files-changelog}. */
    public static final String LOG_FILES_STORE = "log-files";
    static final String SOURCE = "events";
    static final String PROCESSOR = "detect";
    static final String FINDINGS_SINK = "findings";
    static final String DEAD_LETTER_SINK = "dead-letters";

    private DetectTopology() {
    }

    /** The topology for an engine and settings; what the service runs and what tests run directly. */
    /** The topics the topology reads and writes. */
    public record Names(String events, String findings, String deadLetters) {

        public static Names of(DetectConfig.TopicNames config) {
            return new Names(config.events(), config.findings(), config.deadLetters());
        }
    }

    public static Topology build(Engine engine, Names topics, Duration remember, Duration forget,
                                 Duration expireEvery, Duration maxClockSkew, EventCopies.Settings copies, DetectMetrics metrics) {
        Topology t = new Topology();
        boolean checkCopies = !copies.window().isZero();
        t.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.events());
        t.addProcessor(PROCESSOR, () -> new DetectProcessor(engine, remember, forget, expireEvery, maxClockSkew,
                checkCopies ? copies : null, metrics), SOURCE);
        t.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.String())
                .withCachingEnabled().withLoggingEnabled(java.util.Map.of()), PROCESSOR);
        t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(LOG_FILES_STORE, LogFiles.KEEP, LogFiles.KEEP, false),
                Serdes.String(), Serdes.String()).withLoggingEnabled(java.util.Map.of()), PROCESSOR);
        if (checkCopies) {
            t.addStateStore(Stores.windowStoreBuilder(Stores.persistentWindowStore(COPIES_STORE, copies.window(), copies.window(), false),
                    Serdes.String(), Serdes.String()).withLoggingEnabled(java.util.Map.of()), PROCESSOR);
        }
        t.addSink(FINDINGS_SINK, topics.findings(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        t.addSink(DEAD_LETTER_SINK, topics.deadLetters(), new StringSerializer(), new ByteArraySerializer(), PROCESSOR);
        return t;
    }
}

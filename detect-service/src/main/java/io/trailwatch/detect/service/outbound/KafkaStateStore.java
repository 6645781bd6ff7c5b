package io.trailwatch.detect.service.outbound;

import io.trailwatch.detect.engine.StateStore;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/** The detector's state in a Kafka Streams key-value store, which a changelog topic backs. */
public final class KafkaStateStore implements StateStore {

    private static final StringSerializer KEYS = new StringSerializer();
    static final int BATCH = 1000;

    private final KeyValueStore<String, String> store;

    public KafkaStateStore(KeyValueStore<String, String> store) {
        this.store = store;
    }

    @Override
    public String get(String key) {
        return store.get(key);
    }

    @Override
    public void put(String key, String value) {
        store.put(key, value);
    }

    @Override
    public void delete(String key) {
        store.delete(key);
    }

    /**
     * Visits the prefix's entries in batches of {@value #BATCH}: each batch is read, its iterator closed, then handed to
     * the action (which may delete), and the next batch starts after the last key. A sweep over millions of first-seen
     * entries holds one batch in memory, never all of them, and never deletes under an open iterator.
     */
    @Override
    public void scan(String prefix, BiConsumer<String, String> action) {
        List<Map.Entry<String, String>> batch = new ArrayList<>(BATCH);
        String after = null;
        do {
            batch.clear();
            try (KeyValueIterator<String, String> it = after == null ? store.prefixScan(prefix, KEYS)
                    : store.range(after + Character.MIN_VALUE, null)) {
                while (batch.size() < BATCH && it.hasNext()) {
                    var kv = it.next();
                    if (!kv.key.startsWith(prefix)) {
                        break;
                    }
                    batch.add(Map.entry(kv.key, kv.value));
                }
            }
            batch.forEach(e -> action.accept(e.getKey(), e.getValue()));
            after = batch.isEmpty() ? null : batch.get(batch.size() - 1).getKey();
        } while (batch.size() == BATCH);
    }
}

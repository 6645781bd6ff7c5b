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

    @Override
    public void scan(String prefix, BiConsumer<String, String> action) {
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store.prefixScan(prefix, KEYS)) {
            it.forEachRemaining(kv -> entries.add(Map.entry(kv.key, kv.value)));
        }
        entries.forEach(e -> action.accept(e.getKey(), e.getValue()));
    }
}

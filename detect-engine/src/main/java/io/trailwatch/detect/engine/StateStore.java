package io.trailwatch.detect.engine;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;

/**
 * Where a {@link Detector} keeps what it must remember between events: threshold counts, first-seen values, the
 * findings already made. Keys and values are strings (values are numbers, the compact form of what grows, or JSON), so
 * the same detector runs on a map in memory (the offline command, tests) or on a Kafka Streams store with a changelog
 * topic (detect-service).
 */
public interface StateStore {

    /** The value, or null. */
    String get(String key);

    void put(String key, String value);

    void delete(String key);

    /** Every entry whose key starts with {@code prefix}; the action may delete the entry it is given. */
    void scan(String prefix, BiConsumer<String, String> action);

    /** A store in memory, sorted by key. Not thread-safe. */
    static StateStore inMemory() {
        return new StateStore() {
            private final TreeMap<String, String> map = new TreeMap<>();

            @Override
            public String get(String key) {
                return map.get(key);
            }

            @Override
            public void put(String key, String value) {
                map.put(key, value);
            }

            @Override
            public void delete(String key) {
                map.remove(key);
            }

            @Override
            public void scan(String prefix, BiConsumer<String, String> action) {
                for (Map.Entry<String, String> e : new TreeMap<>(map.subMap(prefix, prefix + Character.MAX_VALUE)).entrySet()) {
                    action.accept(e.getKey(), e.getValue());
                }
            }
        };
    }
}

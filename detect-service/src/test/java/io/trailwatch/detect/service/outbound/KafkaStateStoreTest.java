package io.trailwatch.detect.service.outbound;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaStateStoreTest {

    private final TreeMap<String, String> data = new TreeMap<>();
    private int openIterators;
    private int iteratorsOpened;

    @Test
    void aSweepThatDeletesEveryEntry_visitsEachOnce_inBatches_neverUnderAnOpenIterator() {
        for (int i = 0; i < 2_500; i++) {
            data.put("s|rule|%05d".formatted(i), Integer.toString(i));
        }
        data.put("o|rule|a", "1");
        data.put("t|rule|z", "1");
        var store = new KafkaStateStore(store());

        List<String> visited = new ArrayList<>();
        store.scan("s|", (k, v) -> {
            assertThat(openIterators).as("no iterator is open while the action runs").isZero();
            visited.add(k);
            store.delete(k);
        });

        assertThat(visited).hasSize(2_500).doesNotHaveDuplicates().isSorted();
        assertThat(data).as("only the other prefixes are left").containsOnlyKeys("o|rule|a", "t|rule|z");
        assertThat(iteratorsOpened).as("three batches of at most %d, then none left", KafkaStateStore.BATCH).isEqualTo(3);
    }

    @Test
    void aSweepThatKeepsEntries_stillMovesOnAfterEachBatch() {
        for (int i = 0; i < 1_000; i++) {
            data.put("f|%04d".formatted(i), "x");
        }
        data.put("g|next", "x");
        List<String> visited = new ArrayList<>();

        new KafkaStateStore(store()).scan("f|", (k, v) -> visited.add(k));

        assertThat(visited).hasSize(1_000).doesNotHaveDuplicates();
    }

    /** A key-value store over a sorted map whose iterators are live views: deleting under one would throw. */
    @SuppressWarnings("unchecked")
    private KeyValueStore<String, String> store() {
        return (KeyValueStore<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[]{KeyValueStore.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "get" -> data.get((String) args[0]);
                    case "put" -> data.put((String) args[0], (String) args[1]);
                    case "delete" -> data.remove((String) args[0]);
                    case "prefixScan" -> iterator(data.tailMap((String) args[0], true));
                    case "range" -> iterator(args[1] == null ? data.tailMap((String) args[0], true)
                            : data.subMap((String) args[0], true, (String) args[1], true));
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private KeyValueIterator<String, String> iterator(NavigableMap<String, String> view) {
        Iterator<Map.Entry<String, String>> it = view.entrySet().iterator();
        openIterators++;
        iteratorsOpened++;
        return new KeyValueIterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public KeyValue<String, String> next() {
                var e = it.next();
                return KeyValue.pair(e.getKey(), e.getValue());
            }

            @Override
            public void close() {
                openIterators--;
            }

            @Override
            public String peekNextKey() {
                throw new UnsupportedOperationException();
            }
        };
    }
}

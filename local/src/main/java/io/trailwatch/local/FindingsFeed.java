package io.trailwatch.local;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The findings topic as {@code ./trailwatch local} shows it: each finding once, and how many there are. A grouped
 * finding is published again as it grows, with the same findingId (the record's key), and detect-service writes in
 * transactions, whose commit markers take offsets of their own: neither the records nor the offsets are findings.
 */
final class FindingsFeed {

    private final Consumer<String, String> consumer;
    private final Set<String> seen = new HashSet<>();

    /** @param consumer assigned to the findings topic, reading committed records only */
    FindingsFeed(Consumer<String, String> consumer) {
        this.consumer = consumer;
    }

    /** The JSON of the findings first seen among the records that came within {@code timeout}, in their order. */
    List<String> poll(Duration timeout) {
        List<String> first = new ArrayList<>();
        for (ConsumerRecord<String, String> r : consumer.poll(timeout)) {
            if (r.value() != null && seen.add(r.key() != null ? r.key() : r.value())) {
                first.add(r.value());
            }
        }
        return first;
    }

    /** The findings seen so far, each once however often it was published. */
    int count() {
        return seen.size();
    }
}

package io.trailwatch.devkit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Reads a topic from the beginning, as a test inspects what a service published. Keeps what it read, so a test can
 * wait for a condition over everything seen so far. Close it.
 */
public final class TopicReader implements AutoCloseable {

    private final KafkaConsumer<String, String> consumer;
    private final List<ConsumerRecord<String, String>> seen = new ArrayList<>();

    public TopicReader(String bootstrapServers, String topic) {
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                new StringDeserializer(), new StringDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls until the records seen so far satisfy the condition, or fails after the timeout. */
    public List<ConsumerRecord<String, String>> awaitUntil(Predicate<List<ConsumerRecord<String, String>>> done,
                                                           Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(seen)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " with " + seen.size() + " records seen");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
        }
        return List.copyOf(seen);
    }

    /** Polls until at least n records were seen. */
    public List<ConsumerRecord<String, String>> awaitCount(int n, Duration timeout) {
        return awaitUntil(r -> r.size() >= n, timeout);
    }

    /** Reads everything there is now (polling until a quiet period passes) and returns all records seen. */
    public List<ConsumerRecord<String, String>> drain(Duration quiet) {
        long quietUntil = System.nanoTime() + quiet.toNanos();
        while (System.nanoTime() < quietUntil) {
            var batch = consumer.poll(Duration.ofMillis(100));
            if (!batch.isEmpty()) {
                batch.forEach(seen::add);
                quietUntil = System.nanoTime() + quiet.toNanos();
            }
        }
        return List.copyOf(seen);
    }

    /** Everything seen so far. */
    public List<ConsumerRecord<String, String>> seen() {
        return List.copyOf(seen);
    }

    /** The value of a header as text, or null. */
    public static String header(ConsumerRecord<String, String> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}

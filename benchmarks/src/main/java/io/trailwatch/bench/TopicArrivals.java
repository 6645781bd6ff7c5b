package io.trailwatch.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Headers;
import io.trailwatch.model.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When events reach the events topic and findings the findings topic, as a consumer that reads only committed records
 * sees them (so a finding counts once detect-service's transaction committed it): the stages of a latency bench between
 * its send and the Slack receipt. Starts at the topics' ends; an event is known by its {@code ce_id}, a finding by its
 * {@code accountId}, each by the first time it was seen. Times are {@link System#nanoTime()}.
 */
final class TopicArrivals implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Map<String, Long> events = new ConcurrentHashMap<>();
    private final Map<String, Long> findings = new ConcurrentHashMap<>();
    private final Thread reader;
    private volatile boolean running = true;

    TopicArrivals(String bootstrapServers) {
        consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.EVENTS, Topics.FINDINGS)) {
            consumer.partitionsFor(topic, Duration.ofSeconds(30))
                    .forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // the ends now, before anything timed is sent
        reader = new Thread(this::read, "topic-arrivals");
        reader.setDaemon(true);
        reader.start();
    }

    /** When the event with this {@code ce_id} was first seen on the events topic; null if it was not. */
    Long event(String eventId) {
        return events.get(eventId);
    }

    /** When the first finding in this account was seen committed on the findings topic; null if none was. */
    Long finding(String accountId) {
        return findings.get(accountId);
    }

    private void read() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (r.topic().equals(Topics.EVENTS)) {
                        Header id = r.headers().lastHeader(Headers.CE_ID);
                        if (id != null) {
                            events.putIfAbsent(new String(id.value(), StandardCharsets.UTF_8), now);
                        }
                    } else if (r.value() != null) {
                        String account = accountOf(r.value());
                        if (account != null) {
                            findings.putIfAbsent(account, now);
                        }
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() ends the reader
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private static String accountOf(byte[] finding) {
        try {
            JsonNode account = JSON.readTree(finding).get("accountId");
            return account == null || !account.isTextual() ? null : account.textValue();
        } catch (IOException notJson) {
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        reader.join(10_000);
    }
}

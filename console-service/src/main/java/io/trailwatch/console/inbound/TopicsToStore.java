package io.trailwatch.console.inbound;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.trailwatch.console.config.ConsoleConfig;
import io.trailwatch.console.store.Store;
import io.trailwatch.console.store.Store.Read;
import io.trailwatch.console.store.Store.TopicPart;
import io.trailwatch.messaging.DeadLetters;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * Reads the findings, deliveries, remediations and integrity topics into the {@link Store} on a thread of its own
 * (ADR 0008): each poll is one transaction with the next offset of every partition in it, and each partition starts
 * where the store says (or at the beginning), so a restart repeats and loses nothing. The consumer group is named after
 * the store. A record that is not what its topic documents is dead-lettered ({@code trailwatch.dlq.console.<topic>})
 * and counted, and the rest of its poll is written; so is a record the database refuses to store. While the database
 * refuses writes, the same records are read and tried again every {@code reading.retry-after}, never skipped.
 */
public final class TopicsToStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TopicsToStore.class);
    private static final String SERVICE = "console";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = ModelJson.newMapper();

    /**
     * What to read and how.
     *
     * @param findings      the findings topic
     * @param deliveries    the deliveries topic
     * @param remediations  the remediations topic
     * @param integrity     the integrity topic
     * @param groupPrefix   the consumer group's name before the store's id
     * @param maxPollRecords records per poll, and so per transaction
     * @param retryAfter    the wait before a write the store refused is tried again
     */
    public record Settings(String findings, String deliveries, String remediations, String integrity,
                           String groupPrefix, int maxPollRecords, Duration retryAfter) {
        /** The settings as configured. */
        public static Settings of(ConsoleConfig config) {
            var t = config.topics();
            var r = config.reading();
            return new Settings(t.findings(), t.deliveries(), t.remediations(), t.integrity(), r.groupPrefix(),
                    r.maxPollRecords(), r.retryAfter());
        }
    }

    private final Store store;
    private final Settings topics;
    private final Duration retryAfter;
    private final KafkaConsumer<String, byte[]> consumer;
    private final KafkaProducer<String, byte[]> deadLetters;
    private final MeterRegistry registry;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastPoll = System.nanoTime();
    private volatile boolean storeAvailable = true;

    /**
     * Starts reading.
     *
     * @param connection brokers and security settings ({@link io.trailwatch.messaging.KafkaConnection#of})
     */
    public static TopicsToStore start(Store store, Map<String, Object> connection, Settings settings,
                                      MeterRegistry registry, Clock clock) throws SQLException {
        var reader = new TopicsToStore(store, connection, settings, registry, clock);
        reader.thread.start();
        return reader;
    }

    private TopicsToStore(Store store, Map<String, Object> connection, Settings settings, MeterRegistry registry,
                          Clock clock) throws SQLException {
        this.store = store;
        this.topics = settings;
        this.retryAfter = settings.retryAfter();
        this.registry = registry;
        this.clock = clock;
        String group = settings.groupPrefix() + "-" + store.id();
        Map<String, Object> c = new HashMap<>(connection);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxPollRecords());
        // topics created after the console started (a fresh platform) are found within seconds, not five minutes
        c.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 10_000);
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, "trailwatch-console-store");
        this.consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        Map<String, Object> p = new HashMap<>(connection);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000); // a missing dead-letter topic must not hold the reader long
        this.deadLetters = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        this.thread = new Thread(this::run, "console-topics-to-store");
        this.thread.setDaemon(true);
        LOG.infof("reading %s, %s, %s and %s into the store as consumer group %s", topics.findings(),
                topics.deliveries(), topics.remediations(), topics.integrity(), group);
    }

    /** Whether the reader polls (within the last two minutes) and the store takes its writes. */
    public boolean healthy() {
        return running && thread.isAlive() && storeAvailable
                && System.nanoTime() - lastPoll < Duration.ofMinutes(2).toNanos();
    }

    private void run() {
        consumer.subscribe(List.of(topics.findings(), topics.deliveries(), topics.remediations(), topics.integrity()),
                new FromTheStore());
        while (running) {
            try {
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(500));
                lastPoll = System.nanoTime();
                if (records.isEmpty()) {
                    continue;
                }
                Store.Batch batch = batch(records);
                try {
                    write(batch, records);
                    storeAvailable = true;
                    commitQuietly(batch.nextOffsets());
                } catch (SQLException | RuntimeException e) {
                    // nothing is held across polls: the same records are read again after the wait, and the store's
                    // offsets skip whatever a replica (or this one) wrote meanwhile
                    storeAvailable = false;
                    registry.counter("trailwatch.console.store_failures").increment();
                    LOG.errorf("the store refused a batch (%s); reading it again in %s", e.getMessage(), retryAfter);
                    rewind(records);
                    sleep(retryAfter);
                }
            } catch (WakeupException e) {
                // closing
            } catch (RuntimeException e) {
                LOG.errorf(e, "reading the topics into the store failed; trying again in %s", retryAfter);
                sleep(retryAfter);
            }
        }
        consumer.close(Duration.ofSeconds(5));
        deadLetters.close(Duration.ofSeconds(5));
    }

    /**
     * Writes the batch; when the database refuses its data (SQLState class 22 or 23: a value it cannot take, a
     * constraint), writes it record by record instead, dead-letters each record it refuses and writes the offsets
     * past them, so one unstorable record never holds the topic back. Any other failure is thrown (and retried).
     */
    private void write(Store.Batch batch, ConsumerRecords<String, byte[]> records) throws SQLException {
        try {
            store.write(batch);
        } catch (SQLException e) {
            if (!dataError(e)) {
                throw e;
            }
            LOG.warnf("the store refused the data of a batch (%s); writing it record by record", e.getMessage());
            for (Read<?> read : reads(batch)) {
                try {
                    store.write(single(read));
                } catch (SQLException refused) {
                    if (!dataError(refused)) {
                        throw refused;
                    }
                    ConsumerRecord<String, byte[]> record = find(records, read);
                    if (record != null) {
                        deadLetter(record, new Decoder.Refused("unstorable", "the database refused it: " + refused.getMessage()));
                    }
                }
            }
            store.write(new Store.Batch(List.of(), List.of(), List.of(), List.of(), batch.nextOffsets()));
        }
    }

    /** Class 22 (data exception) or 23 (integrity constraint violation): the data, not the database, is the problem. */
    static boolean dataError(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23"));
    }

    private static List<Read<?>> reads(Store.Batch batch) {
        List<Read<?>> all = new ArrayList<>();
        all.addAll(batch.findings());
        all.addAll(batch.deliveries());
        all.addAll(batch.remediations());
        all.addAll(batch.integrity());
        return all;
    }

    /** One record with its partition's offset after it: the store skips it when it was written before. */
    @SuppressWarnings("unchecked")
    private static Store.Batch single(Read<?> read) {
        Map<TopicPart, Long> none = Map.of(new TopicPart(read.topic(), read.partition()), read.offset() + 1);
        if (read.value() instanceof Finding) {
            return new Store.Batch(List.of((Read<Finding>) read), List.of(), List.of(), List.of(), none);
        } else if (read.value() instanceof Delivery) {
            return new Store.Batch(List.of(), List.of((Read<Delivery>) read), List.of(), List.of(), none);
        } else if (read.value() instanceof Remediation) {
            return new Store.Batch(List.of(), List.of(), List.of((Read<Remediation>) read), List.of(), none);
        }
        return new Store.Batch(List.of(), List.of(), List.of(), List.of((Read<IntegrityRecord>) read), none);
    }

    private static ConsumerRecord<String, byte[]> find(ConsumerRecords<String, byte[]> records, Read<?> read) {
        for (ConsumerRecord<String, byte[]> r : records.records(new TopicPartition(read.topic(), read.partition()))) {
            if (r.offset() == read.offset()) {
                return r;
            }
        }
        return null;
    }

    /** Seeks every partition of a poll back to its first record in it, so the next poll reads them again. */
    private void rewind(ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            if (consumer.assignment().contains(tp)) {
                consumer.seek(tp, records.records(tp).get(0).offset());
            }
        }
    }

    /** Seeks each partition assigned to where the store says it goes on, or to the beginning. */
    private final class FromTheStore implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            Map<String, Map<Integer, Long>> byTopic = new HashMap<>();
            for (TopicPartition tp : partitions) {
                Map<Integer, Long> offsets = byTopic.computeIfAbsent(tp.topic(), this::offsets);
                Long next = offsets.get(tp.partition());
                if (next == null) {
                    consumer.seekToBeginning(List.of(tp));
                } else {
                    consumer.seek(tp, next);
                }
            }
            LOG.infof("reading %d partitions from where the store is", partitions.size());
        }

        private Map<Integer, Long> offsets(String topic) {
            while (running) {
                try {
                    Map<Integer, Long> offsets = store.offsets(topic);
                    storeAvailable = true;
                    return offsets;
                } catch (SQLException e) {
                    storeAvailable = false;
                    LOG.warnf("the store refused to say where %s goes on (%s); asking again in %s", topic, e.getMessage(), retryAfter);
                    sleep(retryAfter);
                }
            }
            return Map.of();
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // nothing held: every poll was written before the next
        }
    }

    /** The poll as a batch: decoded records by topic, dead letters sent, the next offset of every partition. */
    private Store.Batch batch(ConsumerRecords<String, byte[]> records) {
        List<Read<Finding>> findings = new ArrayList<>();
        List<Read<Delivery>> deliveries = new ArrayList<>();
        List<Read<Remediation>> remediations = new ArrayList<>();
        List<Read<IntegrityRecord>> integrity = new ArrayList<>();
        Map<TopicPart, Long> next = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            next.put(new TopicPart(r.topic(), r.partition()), r.offset() + 1);
            if (r.value() == null) {
                continue; // a tombstone: nothing to show
            }
            try {
                String t = r.topic();
                if (t.equals(topics.findings())) {
                    findings.add(read(r, Decoder.finding(r.value())));
                } else if (t.equals(topics.deliveries())) {
                    deliveries.add(read(r, Decoder.delivery(r.value())));
                } else if (t.equals(topics.remediations())) {
                    remediations.add(read(r, Decoder.remediation(r.value())));
                } else if (t.equals(topics.integrity())) {
                    integrity.add(read(r, Decoder.integrity(r.value())));
                }
                counter("trailwatch.console.records", "Records read from a topic into the store", r.topic()).increment();
            } catch (Decoder.Refused refused) {
                deadLetter(r, refused);
            }
        }
        return new Store.Batch(findings, deliveries, remediations, integrity, next);
    }

    private static <T> Read<T> read(ConsumerRecord<String, byte[]> r, T value) {
        return new Read<>(r.topic(), r.partition(), r.offset(), r.timestamp(), value);
    }

    private void deadLetter(ConsumerRecord<String, byte[]> r, Decoder.Refused refused) {
        String channel = channel(r.topic());
        Map<String, String> source = new LinkedHashMap<>();
        source.put("topic", r.topic());
        source.put("partition", Integer.toString(r.partition()));
        source.put("offset", Long.toString(r.offset()));
        DeadLetter letter = DeadLetter.of(SERVICE, channel, refused.reason, refused.getMessage(), clock.instant(), source,
                new String(r.value(), StandardCharsets.UTF_8));
        LOG.warnf("dead-lettered %s-%d@%d: %s", r.topic(), r.partition(), r.offset(), refused.getMessage());
        try {
            deadLetters.send(new ProducerRecord<>(Topics.dlq(SERVICE, channel), null, r.key(),
                    JSON.writeValueAsBytes(letter), DeadLetters.headers(letter))).get();
        } catch (ExecutionException | com.fasterxml.jackson.core.JsonProcessingException e) {
            // the record is still skipped: it can never be shown, and holding the topic back for it would hide the rest
            LOG.errorf(e, "the dead letter of %s-%d@%d was not written", r.topic(), r.partition(), r.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        registry.counter("trailwatch.console.dead_letters", "topic", r.topic(), "reason", refused.reason).increment();
    }

    /** The dead-letter channel of a topic: findings, deliveries, remediations or integrity. */
    private String channel(String topic) {
        if (topic.equals(topics.deliveries())) {
            return "deliveries";
        } else if (topic.equals(topics.remediations())) {
            return "remediations";
        } else if (topic.equals(topics.integrity())) {
            return "integrity";
        }
        return "findings";
    }

    /** Tells the group too where the store is, so consumer-lag tools see the console's progress. */
    private void commitQuietly(Map<TopicPart, Long> next) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        next.forEach((tp, offset) -> offsets.put(new TopicPartition(tp.topic(), tp.partition()), new OffsetAndMetadata(offset)));
        consumer.commitAsync(offsets, (o, e) -> {
            if (e != null) {
                LOG.debugf("committing the group's offsets failed (the store has them): %s", e.getMessage());
            }
        });
    }

    private Counter counter(String name, String description, String topic) {
        return Counter.builder(name).description(description).tag("topic", topic).register(registry);
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

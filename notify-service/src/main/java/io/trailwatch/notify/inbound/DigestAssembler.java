package io.trailwatch.notify.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.HeldFinding;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Assembles storm digests from the grouped topic, where every held finding is a record keyed by its window, and sends
 * each once its window has ended. The topic is the state: the assembler is one consumer of a group, so each window
 * belongs to the replica that owns its partition; it commits a partition's offset only up to the first record of a
 * window whose digest is not yet sent. A crash or a rebalance hands the partition to another replica, which reads the
 * windows again from there and sends their digests: nothing held is lost. A digest sent but not yet committed when a
 * replica dies is sent again by the next one (at least once); a finding held twice (redelivered after a crash) is
 * counted once.
 * <p>
 * Digests go out only once the partition was read to the end it had when it was assigned, so a window is never sent
 * half read. When {@code send} says not yet (the destination is down), the digest is tried again {@code retryEvery}
 * later, and its records stay uncommitted. Memory is bounded by the windows open: each keeps a sample of ten, up to a
 * thousand accounts and ten thousand finding ids.
 * <p>
 * A window's findings are read (their JSON decoded) only while its digest shows them: the sample of ten, whose first
 * is what the digest says the others are like. The rest are counted from their records' headers (finding and
 * account), so under a storm of thousands the assembler decodes ten per window, not every one, and a record whose
 * finding does not read is still counted when the digest would not have shown it. Those records carry the finding
 * without its evidence ({@link HeldFinding#value}).
 */
public final class DigestAssembler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DigestAssembler.class);
    private static final ObjectMapper JSON = ModelJson.newMapper();
    static final int MAX_ACCOUNTS = 1000;
    static final int MAX_IDS = 10_000;

    /** One window's digest in the making. */
    private static final class Window {
        final TopicPartition partition;
        final long firstOffset;
        final HeldFinding key;
        /** The first findings held, the first of them what the digest says the others are like. */
        final List<Finding> sample = new ArrayList<>();
        final Set<String> accounts = new HashSet<>();
        final Set<String> ids = new HashSet<>();
        int held;
        boolean sending;
        Instant retryAt = Instant.MIN;

        Window(TopicPartition partition, long firstOffset, HeldFinding key) {
            this.partition = partition;
            this.firstOffset = firstOffset;
            this.key = key;
        }

        /**
         * Counts a held finding, reading it only when the digest shows it or its account is not in the headers; false
         * when it had to be read and did not read (then it is not counted).
         */
        boolean add(HeldFinding h, Supplier<Finding> read) {
            boolean remembered = ids.size() < MAX_IDS;
            if (remembered && !ids.add(h.findingId())) {
                return true; // held twice (a redelivery after a crash): counted once
            }
            boolean shown = sample.size() < Grouper.SAMPLE;
            String account = h.accountId();
            if (shown || account == null) {
                Finding f = read.get();
                if (f == null) {
                    if (remembered) {
                        ids.remove(h.findingId());
                    }
                    return false;
                }
                account = String.valueOf(f.accountId());
                if (shown) {
                    sample.add(f);
                }
            }
            held++;
            if (accounts.size() < MAX_ACCOUNTS) {
                accounts.add(account);
            }
            return true;
        }

        Grouper.Digest digest() {
            return new Grouper.Digest(key.destination(), key.route(), sample.get(0), held, List.copyOf(sample), Math.max(1, accounts.size()),
                    key.held().end());
        }
    }

    private record Done(String id, boolean sent) {
    }

    private final Map<String, Object> config;
    private final String topic;
    private final Function<Grouper.Digest, CompletableFuture<Boolean>> send;
    private final Duration retryEvery;
    private final Clock clock;
    private final Map<String, Window> windows = new LinkedHashMap<>();
    private final Map<TopicPartition, Long> readTo = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final ConcurrentLinkedQueue<Done> done = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long lastPoll = System.nanoTime();
    private volatile int open;
    private volatile KafkaConsumer<String, byte[]> consumer;

    /**
     * @param connection brokers and security settings ({@link io.trailwatch.messaging.KafkaConnection#of})
     * @param group      the consumer group of all replicas' assemblers
     * @param send       sends a digest: true when that is the end of it (sent, or refused for good and dead-lettered),
     *                   false to try again later
     */
    public static DigestAssembler start(Map<String, Object> connection, String topic, String group,
                                        Function<Grouper.Digest, CompletableFuture<Boolean>> send, Duration retryEvery, Clock clock) {
        Map<String, Object> config = new HashMap<>(connection);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "trailwatch-notify-digests");
        // a replica that died hands its windows over within this, not Kafka's default 45 seconds
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 3_000);
        var assembler = new DigestAssembler(config, topic, send, retryEvery, clock);
        assembler.thread.start();
        return assembler;
    }

    private DigestAssembler(Map<String, Object> config, String topic, Function<Grouper.Digest, CompletableFuture<Boolean>> send,
                            Duration retryEvery, Clock clock) {
        this.config = config;
        this.topic = topic;
        this.send = send;
        this.retryEvery = retryEvery;
        this.clock = clock;
        this.thread = new Thread(this::run, "notify-digests");
        this.thread.setDaemon(true);
    }

    /** How long ago the loop last polled: more than a minute or two means it stopped (liveness). */
    public Duration sinceLastPoll() {
        return thread.isAlive() ? Duration.ofNanos(System.nanoTime() - lastPoll) : Duration.ofDays(365);
    }

    /** Windows this replica is assembling now. */
    public int openWindows() {
        return open;
    }

    private void run() {
        while (running) {
            try (var c = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
                consumer = c;
                c.subscribe(List.of(topic), new Rebalance(c));
                while (running) {
                    lastPoll = System.nanoTime();
                    for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                        read(r);
                    }
                    settle();
                    sendDue();
                    commit(c, c.assignment());
                    open = windows.size();
                }
            } catch (WakeupException e) {
                // closing
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Throwable e) {
                LOG.errorf(e, "assembling digests from %s failed; starting again", topic);
                windows.clear(); // read again from the committed offsets
                readTo.clear();
                committed.clear();
                pause();
            }
        }
    }

    private void read(ConsumerRecord<String, byte[]> r) {
        var held = HeldFinding.of(r.headers());
        if (held.isEmpty() || r.value() == null) {
            LOG.warnf("skipped %s-%d@%d: not a held finding", r.topic(), r.partition(), r.offset());
            return;
        }
        var tp = new TopicPartition(r.topic(), r.partition());
        String id = held.get().destination() + "|" + held.get().held().window() + "|" + held.get().held().end();
        Window w = windows.computeIfAbsent(id, k -> new Window(tp, r.offset(), held.get()));
        if (!w.add(held.get(), () -> finding(r))) {
            LOG.warnf("skipped %s-%d@%d: its finding does not read", r.topic(), r.partition(), r.offset());
            if (w.held == 0) {
                windows.remove(id);
            }
        }
    }

    private static Finding finding(ConsumerRecord<String, byte[]> r) {
        try {
            return JSON.readValue(r.value(), Finding.class);
        } catch (Exception e) {
            return null;
        }
    }

    private void settle() {
        for (Done d; (d = done.poll()) != null; ) {
            Window w = windows.get(d.id());
            if (w == null) {
                continue; // its partition went to another replica meanwhile
            }
            if (d.sent()) {
                windows.remove(d.id());
            } else {
                w.sending = false;
                w.retryAt = clock.instant().plus(retryEvery);
            }
        }
    }

    private void sendDue() {
        Instant now = clock.instant();
        for (var e : windows.entrySet()) {
            Window w = e.getValue();
            if (w.sending || now.isBefore(w.key.held().end()) || now.isBefore(w.retryAt) || !readToEnd(w.partition)) {
                continue;
            }
            w.sending = true;
            String id = e.getKey();
            CompletableFuture<Boolean> sent;
            try {
                sent = send.apply(w.digest());
            } catch (RuntimeException ex) {
                sent = CompletableFuture.failedFuture(ex);
            }
            sent.whenComplete((ok, ex) -> {
                if (ex != null) {
                    LOG.warnf("digest of %s not sent: %s", id, ex.toString());
                }
                done.add(new Done(id, ex == null && Boolean.TRUE.equals(ok)));
            });
        }
    }

    private boolean readToEnd(TopicPartition tp) {
        Long end = readTo.get(tp);
        if (end == null) {
            return false;
        }
        if (end < 0) {
            return true;
        }
        if (consumer.position(tp) >= end) {
            readTo.put(tp, -1L);
            return true;
        }
        return false;
    }

    /** Commits each partition up to its first window not yet sent (or all it read). */
    private void commit(KafkaConsumer<String, byte[]> c, Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : partitions) {
            long upTo = c.position(tp);
            for (Window w : windows.values()) {
                if (w.partition.equals(tp)) {
                    upTo = Math.min(upTo, w.firstOffset);
                }
            }
            if (!Long.valueOf(upTo).equals(committed.get(tp))) {
                offsets.put(tp, new OffsetAndMetadata(upTo));
            }
        }
        if (!offsets.isEmpty()) {
            c.commitSync(offsets);
            offsets.forEach((tp, o) -> committed.put(tp, o.offset()));
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        private final KafkaConsumer<String, byte[]> c;

        Rebalance(KafkaConsumer<String, byte[]> c) {
            this.c = c;
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            try {
                settle();
                commit(c, partitions);
            } catch (RuntimeException e) {
                LOG.warnf("offsets of %s not committed at a rebalance: %s", partitions, e.toString());
            }
            forget(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            forget(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            c.endOffsets(partitions).forEach(readTo::put);
        }

        private void forget(Collection<TopicPartition> partitions) {
            windows.values().removeIf(w -> partitions.contains(w.partition));
            partitions.forEach(tp -> {
                readTo.remove(tp);
                committed.remove(tp);
            });
        }
    }

    private void pause() {
        try {
            Thread.sleep(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        var c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

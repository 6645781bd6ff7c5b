package io.trailwatch.messaging.ledger;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * What was already done, by key: the live keys of a ledger topic, as a {@link LedgerFollower} reads them (every
 * replica's work, a tombstone forgetting a key) plus what this replica just did. Bounded in time like its topic
 * (compacted and deleted after {@code retention}): a key older than the retention is forgotten ({@link #expire}), so
 * memory stays flat over months of uptime; what it guarded against by then (a redelivery, a replay of the same
 * finding) is that much older than any SQS redelivery or retry. Ready once the topic was read to its end; a service
 * does nothing before that. Plain Java, thread-safe.
 * <p>
 * A key is held as the first 128 bits of its SHA-256, not as its text, in a table of primitive slots
 * ({@link DigestTable}): 32 to 64 bytes per key and no object of its own, instead of 170 bytes or more for a
 * {@code <destination>|<findingId>} or a bucket, object key and ETag as text, or about 90 as a digest in a
 * {@code ConcurrentHashMap}. The keys are most of what a busy service keeps: notify-service holds one per finding and
 * destination (313,235 after the two passes of {@code bench services --files 400}). A cryptographic hash, because keys
 * carry text from outside (object keys, finding ids): nobody can make up a key that passes for another one and so
 * have a file or a finding taken as done.
 */
public final class Ledger {

    /** Keys are kept forever (the control topic of the kill switch). */
    public static final Duration FOREVER = Duration.ZERO;

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    });

    /** A key, as 128 bits of its SHA-256. */
    record Digest(long high, long low) {
        static Digest of(String key) {
            ByteBuffer d = ByteBuffer.wrap(SHA_256.get().digest(key.getBytes(StandardCharsets.UTF_8)));
            return new Digest(d.getLong(0), d.getLong(8));
        }
    }

    private final DigestTable keys = new DigestTable();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Duration retention;

    /** A ledger whose keys are kept forever. */
    public Ledger() {
        this(FOREVER);
    }

    /** @param retention how long a key is kept after it was written; {@link #FOREVER} (zero): forever */
    public Ledger(Duration retention) {
        if (retention.isNegative()) {
            throw new IllegalArgumentException("a ledger's retention cannot be negative: " + retention);
        }
        this.retention = retention;
    }

    public Duration retention() {
        return retention;
    }

    public boolean contains(String key) {
        Digest d = Digest.of(key);
        synchronized (keys) {
            return keys.contains(d.high(), d.low());
        }
    }

    /** Notes a key done now, by this replica (its record is on its way). */
    public void add(String key) {
        add(key, System.currentTimeMillis());
    }

    /** Notes a key done at {@code at} (epoch millis): read from the topic, with its record's timestamp. */
    public void add(String key, long at) {
        Digest d = Digest.of(key);
        synchronized (keys) {
            keys.merge(d.high(), d.low(), at);
        }
    }

    /** Forgets a key: a tombstone on the topic, so an operator can have something done again. */
    public void remove(String key) {
        Digest d = Digest.of(key);
        synchronized (keys) {
            keys.remove(d.high(), d.low());
        }
    }

    /** Forgets the keys written more than the retention before {@code now}; returns how many. */
    public int expire(long now) {
        if (retention.isZero()) {
            return 0;
        }
        long oldest = now - retention.toMillis();
        synchronized (keys) {
            return keys.removeOlderThan(oldest);
        }
    }

    public int size() {
        synchronized (keys) {
            return keys.size();
        }
    }

    /** Completes once the topic was read to its end. */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    /** Whether the topic was read to its end once. */
    public boolean isReady() {
        return ready.isDone();
    }

    /** The topic was read to its end. */
    public void markReady() {
        ready.complete(null);
    }
}

package io.trailwatch.detect.service.inbound;

import java.util.Arrays;

/**
 * The eventIDs a task's copies store holds ({@link EventCopies}), as a filter that says for certain when an id is not
 * there, so that the first copy of an event, nearly every event the check sees, costs no lookup in the store (a
 * RocksDB iterator per segment of the window it keeps). It may answer "perhaps" for an id it was never given (a
 * false positive, then the store is asked as before), never "no" for one the store can still return.
 *
 * <p>Bloom filters of a fixed size, one per generation of {@code span} (the store's window) of the ids' times, three
 * of them: an id is dropped with its generation when the largest time given has moved at least two spans past it, by
 * when the store no longer returns it (a window store returns what is within its window of the largest time put).
 * Memory is fixed whatever the volume; when a generation holds far more ids than its bits were meant for, the
 * filter answers "perhaps" more often and the store is asked more often, never wrongly. Not thread-safe: one per task.
 */
final class RecentIds {

    /** Bits of each generation's filter (128 KB): under 2% false positives up to about 100,000 ids a generation. */
    static final int BITS = 1 << 20;
    private static final int GENERATIONS = 3;
    private static final int HASHES = 3;

    private final long span;
    private final long[][] generations;
    private final int mask;
    private int current;
    private long start;
    private long latest;
    private boolean empty = true;

    /**
     * @param span how long, in the ids' times, a generation takes ids: the store's window
     * @param bits each generation's size, a power of two
     */
    RecentIds(long span, int bits) {
        if (span <= 0 || bits < 64 || Integer.bitCount(bits) != 1) {
            throw new IllegalArgumentException("span " + span + " ms and " + bits + " bits (a power of two, at least 64)");
        }
        this.span = span;
        this.mask = bits - 1;
        this.generations = new long[GENERATIONS][bits / 64];
    }

    /** Takes an id the store was given at {@code timestamp}; a time past the current generation's span starts the next. */
    void add(String id, long timestamp) {
        if (empty) {
            start = timestamp;
            latest = timestamp;
            empty = false;
        } else if (timestamp > latest) {
            latest = timestamp;
            if (latest - start >= span) {
                current = (current + 1) % GENERATIONS;
                Arrays.fill(generations[current], 0L);
                start = latest;
            }
        }
        long h = hash(id);
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        long[] bits = generations[current];
        for (int i = 0; i < HASHES; i++) {
            int bit = (h1 + i * h2) & mask;
            bits[bit >>> 6] |= 1L << bit;
        }
    }

    /** False when the id was certainly not given within the last two spans; true when it may have been. */
    boolean mightContain(String id) {
        if (empty) {
            return false;
        }
        long h = hash(id);
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        for (long[] bits : generations) {
            boolean all = true;
            for (int i = 0; i < HASHES && all; i++) {
                int bit = (h1 + i * h2) & mask;
                all = (bits[bit >>> 6] & 1L << bit) != 0;
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /** 64-bit FNV-1a over the id's chars, then MurmurHash3's finalizer, so every bit depends on every char. */
    private static long hash(String id) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}

package io.trailwatch.messaging.ledger;

import java.security.SecureRandom;

/**
 * A set of 128-bit digests, each with a time (epoch millis), in one {@code long[]}: an open-addressing hash table with
 * linear probing, an entry being three longs in a row (the digest's high and low halves, the time). 24 bytes per slot,
 * at most three quarters of the slots used, so 32 to 64 bytes per digest and no object per entry; a
 * {@code ConcurrentHashMap} of digest records to {@code Long} times takes about 90 bytes per entry, in three objects
 * the collector has to trace. No library keeps 128-bit keys without an object each.
 *
 * <p>Where a digest goes is a mix of its bits with a random seed drawn for each table, so that nobody who chooses keys
 * (from outside: object keys, finding ids) can make them crowd into one run of slots. Not thread-safe.
 */
final class DigestTable {

    /** The time of an empty slot; a digest written with it is given the next one up. */
    private static final long EMPTY = Long.MIN_VALUE;
    private static final int MIN_SLOTS = 1 << 10;

    private final long seed;
    private long[] slots;
    private int mask;
    private int size;

    DigestTable() {
        this(new SecureRandom().nextLong());
    }

    /** A table whose digests go where {@code seed} says: for tests that need to know where. */
    DigestTable(long seed) {
        this.seed = seed;
        allocate(MIN_SLOTS);
    }

    int size() {
        return size;
    }

    /** How many slots the table has (each 24 bytes): what it holds in memory. */
    int capacity() {
        return mask + 1;
    }

    boolean contains(long high, long low) {
        return find(high, low) >= 0;
    }

    /** Adds the digest with its time, or keeps the later of its two times when it is there. */
    void merge(long high, long low, long at) {
        long time = at == EMPTY ? EMPTY + 1 : at;
        int found = find(high, low);
        if (found >= 0) {
            int t = found * 3 + 2;
            slots[t] = Math.max(slots[t], time);
            return;
        }
        if (size + 1 > capacity() - capacity() / 4) {
            rehash(capacity() * 2, Long.MIN_VALUE);
        }
        put(high, low, time);
        size++;
    }

    /** Removes the digest; whether it was there. */
    boolean remove(long high, long low) {
        int slot = find(high, low);
        if (slot < 0) {
            return false;
        }
        // backward shift: each entry after it in the run moves back into the hole when its home allows
        int hole = slot;
        for (int i = (hole + 1) & mask; slots[i * 3 + 2] != EMPTY; i = (i + 1) & mask) {
            int home = home(slots[i * 3], slots[i * 3 + 1]);
            // the entry at i may fill the hole when its home is not cyclically within (hole, i]
            boolean stays = hole <= i ? hole < home && home <= i : hole < home || home <= i;
            if (!stays) {
                System.arraycopy(slots, i * 3, slots, hole * 3, 3);
                hole = i;
            }
        }
        slots[hole * 3 + 2] = EMPTY;
        size--;
        return true;
    }

    /**
     * Removes every digest whose time is before {@code oldest}, and gives the memory back: the table is rebuilt at the
     * size its remaining digests need.
     *
     * @return how many were removed
     */
    int removeOlderThan(long oldest) {
        int old = 0;
        for (int i = 2; i < slots.length; i += 3) {
            if (slots[i] != EMPTY && slots[i] < oldest) {
                old++;
            }
        }
        if (old > 0) {
            int needed = size - old;
            int capacity = MIN_SLOTS;
            while (needed > capacity / 2) { // at most half full: room to grow before the next rehash
                capacity *= 2;
            }
            rehash(capacity, oldest);
            size = needed;
        }
        return old;
    }

    private void rehash(int capacity, long oldest) {
        long[] from = slots;
        allocate(capacity);
        for (int i = 0; i < from.length; i += 3) {
            long at = from[i + 2];
            if (at != EMPTY && at >= oldest) {
                put(from[i], from[i + 1], at);
            }
        }
    }

    private void allocate(int capacity) {
        slots = new long[capacity * 3];
        mask = capacity - 1;
        for (int i = 2; i < slots.length; i += 3) {
            slots[i] = EMPTY;
        }
    }

    /** The slot holding the digest, or -1. */
    private int find(long high, long low) {
        for (int i = home(high, low); ; i = (i + 1) & mask) {
            int s = i * 3;
            if (slots[s + 2] == EMPTY) {
                return -1;
            }
            if (slots[s] == high && slots[s + 1] == low) {
                return i;
            }
        }
    }

    /** Puts a digest known not to be there into the first free slot from its home. */
    private void put(long high, long low, long at) {
        int i = home(high, low);
        while (slots[i * 3 + 2] != EMPTY) {
            i = (i + 1) & mask;
        }
        slots[i * 3] = high;
        slots[i * 3 + 1] = low;
        slots[i * 3 + 2] = at;
    }

    /**
     * The slot where a digest's run starts in the table as it is now: its bits and the seed, mixed (the finalizer of
     * MurmurHash3's 64-bit variant).
     */
    int home(long high, long low) {
        long h = high ^ Long.rotateLeft(low, 29) ^ seed;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h & mask;
    }
}

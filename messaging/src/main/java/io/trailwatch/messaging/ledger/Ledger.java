package io.trailwatch.messaging.ledger;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What was already done, by key: the live keys of a compacted ledger topic, as a {@link LedgerFollower} reads them
 * (every replica's work, a tombstone forgetting a key) plus what this replica just did. Ready once the topic was read
 * to its end; a service does nothing before that. Plain Java, thread-safe.
 */
public final class Ledger {

    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();

    public boolean contains(String key) {
        return keys.contains(key);
    }

    /** Notes a key: done by this replica (its record is on its way), or read from the topic. */
    public void add(String key) {
        keys.add(key);
    }

    /** Forgets a key: a tombstone on the topic, so an operator can have something done again. */
    public void remove(String key) {
        keys.remove(key);
    }

    public int size() {
        return keys.size();
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

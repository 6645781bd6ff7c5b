package io.trailwatch.ingest.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The set of objects already fully ingested, by {@link io.trailwatch.model.IngestedObject#ledgerKey()}: filled from
 * the compacted ledger topic at start-up and as this and other replicas complete objects. Thread-safe.
 */
public final class Ledger {

    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private volatile boolean loaded;

    public boolean contains(String ledgerKey) {
        return keys.contains(ledgerKey);
    }

    public void add(String ledgerKey) {
        keys.add(ledgerKey);
    }

    /** A tombstone on the ledger topic forgets an object, so an operator can force a re-ingest. */
    public void remove(String ledgerKey) {
        keys.remove(ledgerKey);
    }

    public int size() {
        return keys.size();
    }

    /** Whether the topic was read to its end once; until then no object is ingested. */
    public boolean isLoaded() {
        return loaded;
    }

    public void markLoaded() {
        loaded = true;
    }
}

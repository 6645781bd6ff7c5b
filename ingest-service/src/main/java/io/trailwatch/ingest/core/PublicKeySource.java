package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.digest.PublicKeys;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CloudTrail's public keys by fingerprint: the configured ones first (for offline use), then those CloudTrail's
 * ListPublicKeys returns for the digest's region and time, cached for the life of the service (a key never changes
 * under its fingerprint). Thread-safe.
 */
public final class PublicKeySource {

    /** Asks CloudTrail for the public keys of a region valid in a time range (ListPublicKeys). */
    @FunctionalInterface
    public interface Fetcher {
        /** @throws IOException the call failed; worth a retry */
        List<PublicKeys.Entry> list(String region, Instant start, Instant end) throws IOException;
    }

    private final List<PublicKeys.Entry> configured;
    private final Fetcher fetcher;
    private final Map<String, List<PublicKeys.Entry>> fetched = new ConcurrentHashMap<>(); // by fingerprint

    /**
     * @param configured keys given in the configuration, valid in every region
     * @param fetcher    ListPublicKeys, or null to use only the configured keys
     */
    public PublicKeySource(List<PublicKeys.Entry> configured, Fetcher fetcher) {
        this.configured = List.copyOf(configured);
        this.fetcher = fetcher;
    }

    /**
     * The key with this fingerprint that was valid at {@code at} (a digest's end time), or empty when neither the
     * configuration nor CloudTrail knows one.
     *
     * @throws IOException asking CloudTrail failed; worth a retry
     */
    public Optional<PublicKeys.Entry> find(String region, String fingerprint, Instant at) throws IOException {
        String wanted = fingerprint.toLowerCase(Locale.ROOT);
        Optional<PublicKeys.Entry> known = pick(configured, wanted, at)
                .or(() -> pick(fetched.getOrDefault(region + "/" + wanted, List.of()), wanted, at));
        if (known.isPresent() || fetcher == null) {
            return known;
        }
        List<PublicKeys.Entry> listed = fetcher.list(region, at.minusSeconds(3600), at);
        for (PublicKeys.Entry e : listed) {
            fetched.compute(region + "/" + e.fingerprint(), (k, old) -> {
                List<PublicKeys.Entry> all = old == null ? new ArrayList<>() : new ArrayList<>(old);
                if (all.stream().noneMatch(o -> o.key().equals(e.key()))) {
                    all.add(e);
                }
                return List.copyOf(all);
            });
        }
        return pick(listed, wanted, at);
    }

    private static Optional<PublicKeys.Entry> pick(List<PublicKeys.Entry> keys, String fingerprint, Instant at) {
        return keys.stream().filter(k -> k.fingerprint().equals(fingerprint) && k.validAt(at)).findFirst();
    }
}

package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.digest.DigestVerifier;
import io.trailwatch.cloudtrail.digest.PublicKeys;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CloudTrail's public keys by fingerprint: the configured ones first (for offline use), then those CloudTrail's
 * ListPublicKeys returns for the digest's region, cached for the life of the service (a key never changes under its
 * fingerprint). As {@code aws cloudtrail validate-logs} does, a key is matched on its fingerprint alone: CloudTrail
 * signs a digest after its end time, possibly with a key whose validity began after it. Thread-safe.
 */
public final class PublicKeySource implements DigestVerifier.Keys {

    /** Asks CloudTrail for the public keys of a region valid in a time range (ListPublicKeys). */
    @FunctionalInterface
    public interface Fetcher {
        /**
         * @throws DigestVerifier.KeyLookupRefused CloudTrail refused the call (access denied, a region it does not serve): retrying
         *                       will not help
         * @throws IOException   the call failed otherwise; worth a retry
         */
        List<PublicKeys.Entry> list(String region, Instant start, Instant end) throws IOException;
    }

    private final List<PublicKeys.Entry> configured;
    private final Fetcher fetcher;
    private final Clock clock;
    private final Map<String, List<PublicKeys.Entry>> fetched = new ConcurrentHashMap<>(); // by region/fingerprint

    /**
     * @param configured keys given in the configuration, valid in every region
     * @param fetcher    ListPublicKeys, or null to use only the configured keys
     */
    public PublicKeySource(List<PublicKeys.Entry> configured, Fetcher fetcher, Clock clock) {
        this.configured = List.copyOf(configured);
        this.fetcher = fetcher;
        this.clock = clock;
    }

    /**
     * The key with this fingerprint, or empty when neither the configuration nor CloudTrail knows one. CloudTrail is
     * asked for the keys of the region from an hour before the digest's end until now.
     *
     * @throws DigestVerifier.KeyLookupRefused CloudTrail refused to list its keys; retrying will not help
     * @throws IOException   asking CloudTrail failed; worth a retry
     */
    @Override
    public Optional<PublicKeys.Entry> find(String region, String fingerprint, Instant at) throws IOException {
        String wanted = fingerprint.toLowerCase(Locale.ROOT);
        Optional<PublicKeys.Entry> known = pick(configured, wanted)
                .or(() -> pick(fetched.getOrDefault(region + "/" + wanted, List.of()), wanted));
        if (known.isPresent() || fetcher == null) {
            return known;
        }
        Instant now = clock.instant();
        Instant start = at.minusSeconds(3600);
        List<PublicKeys.Entry> listed = fetcher.list(region, start.isAfter(now) ? now.minusSeconds(3600) : start, now);
        for (PublicKeys.Entry e : listed) {
            fetched.compute(region + "/" + e.fingerprint(), (k, old) -> {
                List<PublicKeys.Entry> all = old == null ? new ArrayList<>() : new ArrayList<>(old);
                if (all.stream().noneMatch(o -> o.key().equals(e.key()))) {
                    all.add(e);
                }
                return List.copyOf(all);
            });
        }
        return pick(listed, wanted);
    }

    private static Optional<PublicKeys.Entry> pick(List<PublicKeys.Entry> keys, String fingerprint) {
        return keys.stream().filter(k -> k.fingerprint().equals(fingerprint)).findFirst();
    }
}

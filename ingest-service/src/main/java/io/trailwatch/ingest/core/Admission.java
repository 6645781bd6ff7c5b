package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.LogKey;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides, from the bucket and key alone, whether an object may be read: only configured buckets, optionally only
 * some key prefixes and accounts (understanding account and organization trail layouts), and never digests or other
 * non-log files (digests in CloudTrail's layout are validated when integrity validation is on). Nothing refused here is
 * ever fetched. Immutable and thread-safe.
 */
public final class Admission {

    /** The verdict on one object. */
    public sealed interface Decision permits Accept, Refuse, Skip, Validate {
    }

    /**
     * Read it.
     *
     * @param layout the key's CloudTrail layout, when it has one
     */
    public record Accept(Optional<LogKey> layout) implements Decision {
        /** The account the key names, if any. */
        public String accountOrNull() {
            return layout.map(LogKey::accountId).orElse(null);
        }
    }

    /**
     * Never read it: it is outside what this deployment may touch.
     *
     * @param reason bounded: {@code bucket-not-allowed}, {@code prefix-not-allowed}, {@code account-not-allowed}
     */
    public record Refuse(String reason, String detail) implements Decision {
    }

    /**
     * Allowed, but not a log file: {@code digest} or {@code non-log-key}.
     */
    public record Skip(String reason) implements Decision {
    }

    /**
     * A CloudTrail digest, to be validated rather than ingested.
     *
     * @param layout the digest key's layout
     */
    public record Validate(LogKey layout) implements Decision {
    }

    private final Set<String> buckets;
    private final List<String> prefixes;
    private final Set<String> accounts;
    private final Pattern skipKeys;
    private final boolean validateDigests;

    /**
     * @param buckets  the buckets that may be read (required, non-empty)
     * @param prefixes key prefixes that may be read; empty means any
     * @param accounts accounts whose files may be read; empty means any
     * @param skipKeys keys matching this (find, not match) are not logs
     */
    public Admission(Set<String> buckets, List<String> prefixes, Set<String> accounts, Pattern skipKeys) {
        this(buckets, prefixes, accounts, skipKeys, false);
    }

    /**
     * @param validateDigests whether digests in CloudTrail's layout are {@link Validate}d (else skipped)
     */
    public Admission(Set<String> buckets, List<String> prefixes, Set<String> accounts, Pattern skipKeys,
                     boolean validateDigests) {
        if (buckets.isEmpty()) {
            throw new IllegalArgumentException("at least one bucket must be allowed");
        }
        this.buckets = Set.copyOf(buckets);
        this.prefixes = List.copyOf(prefixes);
        this.accounts = Set.copyOf(accounts);
        this.skipKeys = skipKeys;
        this.validateDigests = validateDigests;
    }

    /** Whether an object referenced by a digest (a log file, the previous digest) may be read. */
    public boolean mayRead(String bucket, String key) {
        return decideBucketAndPrefix(bucket, key) == null;
    }

    private Refuse decideBucketAndPrefix(String bucket, String key) {
        if (!buckets.contains(bucket)) {
            return new Refuse("bucket-not-allowed", "bucket '" + bucket + "' is not among the configured buckets");
        }
        if (!prefixes.isEmpty() && prefixes.stream().noneMatch(key::startsWith)) {
            return new Refuse("prefix-not-allowed", "key is outside the configured prefixes");
        }
        return null;
    }

    public Decision decide(String bucket, String key) {
        Refuse refused = decideBucketAndPrefix(bucket, key);
        if (refused != null) {
            return refused;
        }
        Optional<LogKey> layout = LogKey.parse(key);
        if (!accounts.isEmpty()) {
            String account = layout.map(LogKey::accountId).orElse(null);
            if (account == null) {
                return new Refuse("account-not-allowed", "key names no account, and only some accounts are allowed");
            }
            if (!accounts.contains(account)) {
                return new Refuse("account-not-allowed", "account " + account + " is not among the configured accounts");
            }
        }
        if (layout.isPresent() && !layout.get().kind().isLog()) {
            return validateDigests ? new Validate(layout.get()) : new Skip("digest");
        }
        if (skipKeys.matcher(key).find()) {
            return new Skip(key.contains("Digest") ? "digest" : "non-log-key");
        }
        return new Accept(layout);
    }
}

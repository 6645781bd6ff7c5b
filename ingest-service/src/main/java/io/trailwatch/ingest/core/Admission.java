package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.LogKey;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides, from the bucket and key alone, whether an object may be read: only configured buckets, optionally only
 * some key prefixes and accounts (understanding account and organization trail layouts), and never digests or other
 * non-log files. Nothing refused here is ever fetched. Immutable and thread-safe.
 */
public final class Admission {

    /** The verdict on one object. */
    public sealed interface Decision permits Accept, Refuse, Skip {
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

    private final Set<String> buckets;
    private final List<String> prefixes;
    private final Set<String> accounts;
    private final Pattern skipKeys;

    /**
     * @param buckets  the buckets that may be read (required, non-empty)
     * @param prefixes key prefixes that may be read; empty means any
     * @param accounts accounts whose files may be read; empty means any
     * @param skipKeys keys matching this (find, not match) are not logs
     */
    public Admission(Set<String> buckets, List<String> prefixes, Set<String> accounts, Pattern skipKeys) {
        if (buckets.isEmpty()) {
            throw new IllegalArgumentException("at least one bucket must be allowed");
        }
        this.buckets = Set.copyOf(buckets);
        this.prefixes = List.copyOf(prefixes);
        this.accounts = Set.copyOf(accounts);
        this.skipKeys = skipKeys;
    }

    public Decision decide(String bucket, String key) {
        if (!buckets.contains(bucket)) {
            return new Refuse("bucket-not-allowed", "bucket '" + bucket + "' is not among the configured buckets");
        }
        if (!prefixes.isEmpty() && prefixes.stream().noneMatch(key::startsWith)) {
            return new Refuse("prefix-not-allowed", "key is outside the configured prefixes");
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
            return new Skip("digest");
        }
        if (skipKeys.matcher(key).find()) {
            return new Skip(key.contains("Digest") ? "digest" : "non-log-key");
        }
        return new Accept(layout);
    }
}

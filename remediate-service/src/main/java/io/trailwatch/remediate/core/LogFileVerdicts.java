package io.trailwatch.remediate.core;

import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.IntegrityRecord.Problem;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What CloudTrail digests said of log files lately, by {@code s3://bucket/key}, as ingest-service's integrity records
 * tell it: validated (present with the hash a digest signed by CloudTrail gives), or deleted or modified since. A
 * problem outlives a validation of the same file. Entries older than {@code keep} are forgotten ({@link #expire}), so
 * memory stays bounded by the log files of that window. Thread-safe.
 */
public final class LogFileVerdicts {

    /** No digests at all: for remediations that wait for none. */
    public static final LogFileVerdicts NONE = new LogFileVerdicts(Duration.ZERO, Clock.systemUTC());

    /**
     * What a digest said of one log file.
     *
     * @param valid  present with the digest's hash
     * @param detail what was wrong, when not valid; the digest that vouched for it, when valid
     * @param at     when this replica learned it (epoch millis)
     */
    public record Verdict(boolean valid, String detail, long at) {
    }

    private final Map<String, Verdict> byFile = new ConcurrentHashMap<>();
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final Duration keep;
    private final Clock clock;

    /** @param keep how long a verdict is kept */
    public LogFileVerdicts(Duration keep, Clock clock) {
        this.keep = keep;
        this.clock = clock;
    }

    /** How long a verdict is kept. */
    public Duration keep() {
        return keep;
    }

    /** Takes in one digest's outcome. */
    public void add(IntegrityRecord record) {
        long now = clock.millis();
        String digest = "s3://" + record.digestBucket() + "/" + record.digestKey();
        if (record.verifiedLogFiles() != null) {
            for (String file : record.verifiedLogFiles()) {
                byFile.merge(file, new Verdict(true, "validated by " + digest, now), (old, neu) -> old.valid() ? neu : old);
            }
        }
        if (record.problems() != null) {
            for (Problem p : record.problems()) {
                if (p.reason().equals(Problem.LOG_FILE_MODIFIED) || p.reason().equals(Problem.LOG_FILE_DELETED)) {
                    byFile.put(p.uri(), new Verdict(false, p.reason() + " (" + p.detail() + ", digest " + digest + ")", now));
                }
            }
        }
    }

    /** What digests said of the log file, if any did. */
    public Optional<Verdict> of(String file) {
        return Optional.ofNullable(byFile.get(file));
    }

    /** Forgets verdicts older than the window; returns how many. */
    public int expire() {
        long oldest = clock.millis() - keep.toMillis();
        int before = byFile.size();
        byFile.values().removeIf(v -> v.at() < oldest);
        return before - byFile.size();
    }

    public int size() {
        return byFile.size();
    }

    /** Completes once the integrity topic was read over the window (or at once when no remediation waits for digests). */
    public CompletableFuture<Void> ready() {
        return ready;
    }

    public void markReady() {
        ready.complete(null);
    }
}

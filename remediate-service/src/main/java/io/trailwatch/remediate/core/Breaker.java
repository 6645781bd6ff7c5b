package io.trailwatch.remediate.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * A circuit breaker per function: after {@code failures} consecutive failures it opens for {@code openFor}; then one
 * call is let through (half open): a success closes it, a failure opens it again. Thread-safe.
 */
public final class Breaker {

    private final int failures;
    private final Duration openFor;
    private final Clock clock;
    private int consecutive;
    private Instant openUntil;

    public Breaker(int failures, Duration openFor, Clock clock) {
        this.failures = failures;
        this.openFor = openFor;
        this.clock = clock;
    }

    /** Whether a call may go now. */
    public synchronized boolean allows() {
        return openUntil == null || !clock.instant().isBefore(openUntil);
    }

    public synchronized void success() {
        consecutive = 0;
        openUntil = null;
    }

    public synchronized void failure() {
        consecutive++;
        if (consecutive >= failures || openUntil != null) {
            openUntil = clock.instant().plus(openFor);
        }
    }
}

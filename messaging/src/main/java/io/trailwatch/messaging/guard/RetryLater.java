package io.trailwatch.messaging.guard;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An attempt that failed in a way worth retrying (a 5xx, a 429, a timeout, a connection refused): thrown by the
 * action a {@link Guards.Retrying} calls. When the other side said when to come back (HTTP {@code Retry-After}), that
 * is the wait. The last one is what the call throws when the budget does not allow another attempt.
 */
public class RetryLater extends Exception {

    private final Duration after;
    private int attempt;
    private long waitMillis;
    private boolean fits;

    /**
     * @param reason what went wrong, e.g. {@code HTTP 503}
     * @param after  the server's Retry-After, or null
     */
    public RetryLater(String reason, Duration after) {
        super(reason, null, false, false);
        this.after = after;
    }

    /** The server's Retry-After, or null. */
    public Duration after() {
        return after;
    }

    /** Which attempt of its call failed (1 for the first). */
    public int attempt() {
        return attempt;
    }

    /** The wait before the next attempt, when there is one. */
    long waitMillis() {
        return waitMillis;
    }

    /** Whether the next attempt, after its wait, still starts within the budget. */
    boolean fits() {
        return fits;
    }

    /**
     * Decides the wait before the next attempt: the server's Retry-After when it gave one, else a random wait between
     * half and all of {@code initial * 2^(attempt-1)}; either capped at {@code max}. It fits when it ends before
     * {@code deadline} ({@link System#nanoTime()}).
     */
    void plan(int attempt, long deadline, long initial, long max) {
        this.attempt = attempt;
        if (after != null) {
            waitMillis = Math.min(max, Math.max(0, after.toMillis()));
        } else {
            long ceiling = Math.min(max, initial << Math.min(attempt - 1, 30));
            waitMillis = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
        }
        fits = System.nanoTime() + waitMillis * 1_000_000 < deadline;
    }
}

package io.trailwatch.messaging.guard;

import java.time.Duration;

/**
 * An attempt that failed in a way worth retrying (a 5xx, a 429, a timeout, a connection refused): thrown by the
 * action a {@link Guards#retrying} guard calls. When the other side said when to come back (HTTP
 * {@code Retry-After}), that is the wait. The last one is what the guard throws when the budget is spent.
 */
public class RetryLater extends Exception {

    private final Duration after;

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
}

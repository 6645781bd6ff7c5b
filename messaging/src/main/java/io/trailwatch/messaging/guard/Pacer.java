package io.trailwatch.messaging.guard;

import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.faulttolerance.api.RateLimitException;
import io.smallrye.faulttolerance.api.RateLimitType;

import java.time.temporal.ChronoUnit;

/**
 * A rate limit that waits its turn: at most {@code perSecond} calls a second on average, {@code burst} at once after a
 * quiet spell (a token bucket: SmallRye Fault Tolerance's smooth rate limit). {@link #await} blocks the calling thread
 * until a call may go, so use it on a thread of the destination's or function's own.
 */
public final class Pacer {

    private final Guard limit;

    /**
     * @param description names the guarded thing in logs and metrics, e.g. {@code courier secops-slack}
     * @throws IllegalArgumentException unless {@code perSecond > 0} and {@code burst >= 1}
     */
    public Pacer(String description, double perSecond, int burst) {
        if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
            throw new IllegalArgumentException(description + ": the rate must be a positive number of calls a second, not " + perSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException(description + ": the burst must be at least 1, not " + burst);
        }
        long window = Math.max(1, Math.round(burst * 1000.0 / perSecond)); // burst permits per window: perSecond
        limit = Guard.create().withDescription(description)
                .withRateLimit().limit(burst).window(window, ChronoUnit.MILLIS).type(RateLimitType.SMOOTH).done()
                .build();
    }

    /** Returns when a call may go. */
    public void await() throws InterruptedException {
        while (true) {
            try {
                limit.call(() -> Boolean.TRUE, Boolean.class);
                return;
            } catch (RateLimitException e) {
                Thread.sleep(Math.max(1, e.getRetryAfterMillis())); // the limit says when the next permit comes
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("the rate limit failed", e);
            }
        }
    }
}

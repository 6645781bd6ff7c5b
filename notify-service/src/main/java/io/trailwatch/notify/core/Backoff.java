package io.trailwatch.notify.core;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential back-off with jitter (a random wait between half and all of {@code initial * 2^(attempt-1)}, capped),
 * and the
 * receiver's Retry-After when it gave one (capped too).
 */
public record Backoff(Duration initial, Duration max) {

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} failed ones (1-based). */
    public Duration next(int attempt, Duration retryAfter) {
        if (retryAfter != null) {
            return retryAfter.compareTo(max) > 0 ? max : retryAfter;
        }
        long ceiling = Math.min(max.toMillis(), initial.toMillis() << Math.min(attempt - 1, 30));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(ceiling / 2, Math.max(ceiling, 1) + 1));
    }
}

package io.trailwatch.messaging.guard;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.faulttolerance.api.TypedGuard;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * The guards of the services' calls out (Slack, webhooks, mail, Lambda), built on SmallRye Fault Tolerance's
 * programmatic API, with the settings the services document. Pacing is {@link Pacer}.
 */
public final class Guards {

    private Guards() {
    }

    /**
     * A circuit breaker: after {@code failures} failures in a row it opens for {@code openFor} (calls fail at once with
     * {@code CircuitBreakerOpenException}); then exactly one trial call goes through (half open): its success closes
     * the circuit, its failure opens it again. Every exception of the guarded call is a failure.
     *
     * @param onStateChange told of every change of state (to log or count it)
     */
    public static Guard circuitBreaker(String description, int failures, Duration openFor,
                                       Consumer<CircuitBreakerState> onStateChange) {
        if (failures < 1) {
            throw new IllegalArgumentException(description + ": the circuit breaker needs at least 1 failure to open, not " + failures);
        }
        return Guard.create().withDescription(description)
                .withCircuitBreaker().requestVolumeThreshold(failures).failureRatio(1.0)
                .delay(Math.max(1, openFor.toMillis()), ChronoUnit.MILLIS).successThreshold(1)
                .onStateChange(onStateChange).done()
                .build();
    }

    /**
     * Retries while the call throws {@link RetryLater}, until {@code budget} is spent, then throws the last one. The
     * wait before attempt n+1 is the server's Retry-After when it gave one, else a random wait between half and all of
     * {@code initial * 2^(n-1)}; either is capped at {@code max} and at what is left of the budget. Any other exception
     * ends the call at once.
     *
     * @param beforeRetry called before each retry with the {@link RetryLater} that caused it (its attempt failed)
     */
    public static <T> TypedGuard<T> retrying(Class<T> type, String description, Duration initial, Duration max,
                                             Duration budget, Consumer<RetryLater> beforeRetry) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(description + ": the back-off must start above zero and end at or above its start");
        }
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException(description + ": the retry budget must be above zero");
        }
        long budgetMillis = budget.toMillis();
        return TypedGuard.create(type).withDescription(description)
                .withRetry().maxRetries(-1).maxDuration(Math.max(1, budgetMillis), ChronoUnit.MILLIS)
                .retryOn(RetryLater.class)
                .beforeRetry(e -> beforeRetry.accept((RetryLater) e))
                .withCustomBackoff().strategy(() -> new Backoff(initial.toMillis(), max.toMillis(), budgetMillis)).done()
                .done()
                .build();
    }

    /** One call's waits: made per call, so it counts that call's attempts and knows its budget's start. */
    static final class Backoff implements CustomBackoffStrategy {
        private final long initial;
        private final long max;
        private final long budget;
        private final long started = System.nanoTime();
        private int failed;

        Backoff(long initial, long max, long budget) {
            this.initial = initial;
            this.max = max;
            this.budget = budget;
        }

        @Override
        public long nextDelayInMillis(Throwable cause) {
            failed++;
            Duration after = cause instanceof RetryLater r ? r.after() : null;
            long wait;
            if (after != null) {
                wait = Math.min(max, Math.max(0, after.toMillis()));
            } else {
                long ceiling = Math.min(max, initial << Math.min(failed - 1, 30));
                wait = ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1);
            }
            long left = budget - (System.nanoTime() - started) / 1_000_000;
            return Math.max(0, Math.min(wait, left));
        }
    }
}

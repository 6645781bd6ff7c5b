package io.trailwatch.messaging.guard;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.faulttolerance.api.TypedGuard;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
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
     * Retries while the call throws {@link RetryLater} and the next attempt still starts within {@code budget}, then
     * throws the last one; any other exception ends the call at once. The wait before attempt n+1 is the server's
     * Retry-After when it gave one, else a random wait between half and all of {@code initial * 2^(n-1)}; either is
     * capped at {@code max}. A call never waits past its budget: when the next wait would, it gives up at once.
     */
    public static <T> Retrying<T> retrying(Class<T> type, String description, Duration initial, Duration max, Duration budget) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(description + ": the back-off must start above zero and end at or above its start");
        }
        if (budget.isNegative() || budget.isZero()) {
            throw new IllegalArgumentException(description + ": the retry budget must be above zero");
        }
        TypedGuard<T> guard = TypedGuard.create(type).withDescription(description)
                .withRetry().maxRetries(-1).maxDuration(0, ChronoUnit.MILLIS) // the budget is the predicate's
                .whenException(e -> e instanceof RetryLater r && r.fits())
                .withCustomBackoff().strategy(() -> cause -> ((RetryLater) cause).waitMillis()).done()
                .done()
                .build();
        return new Retrying<>(guard, initial.toMillis(), max.toMillis(), budget);
    }

    /** A retrying guard (see {@link #retrying}); thread-safe, each call with its own budget. */
    public static final class Retrying<T> {
        private final TypedGuard<T> guard;
        private final long initial;
        private final long max;
        private final Duration budget;

        private Retrying(TypedGuard<T> guard, long initial, long max, Duration budget) {
            this.guard = guard;
            this.initial = initial;
            this.max = max;
            this.budget = budget;
        }

        /**
         * Calls {@code action} until it returns, fails otherwise, or the budget allows no further attempt.
         *
         * @param onRetry told, when an attempt failed, that another one will follow
         * @throws RetryLater the last failure, when the budget is spent
         */
        public T call(Callable<T> action, Consumer<RetryLater> onRetry) throws Exception {
            long deadline = System.nanoTime() + budget.toNanos();
            int[] attempts = {0};
            return guard.call(() -> {
                try {
                    attempts[0]++;
                    return action.call();
                } catch (RetryLater failed) {
                    failed.plan(attempts[0], deadline, initial, max);
                    if (failed.fits()) {
                        onRetry.accept(failed);
                    }
                    throw failed;
                }
            });
        }
    }
}

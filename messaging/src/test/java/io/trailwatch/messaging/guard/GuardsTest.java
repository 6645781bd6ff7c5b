package io.trailwatch.messaging.guard;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.smallrye.faulttolerance.api.TypedGuard;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The guards of calls out: the circuit breaker, the retries within a budget, the pacing. */
class GuardsTest {

    private static final Duration OPEN_FOR = Duration.ofMillis(300);

    private final AtomicInteger calls = new AtomicInteger();

    @Test
    void theBreaker_opensAfterConsecutiveFailures_andLetsOneThroughLater() {
        Guard breaker = Guards.circuitBreaker("test", 3, OPEN_FOR, state -> { });

        fail(breaker);
        fail(breaker);
        assertThat(allows(breaker)).as("two failures are not enough").isTrue();
        fail(breaker);
        fail(breaker);
        assertThat(allows(breaker)).as("a success in between: two in a row are still not enough").isTrue();
        fail(breaker);
        fail(breaker);
        fail(breaker); // the third failure in a row: open
        int before = calls.get();
        assertThat(allows(breaker)).isFalse();
        assertThat(calls).as("an open circuit calls nothing").hasValue(before);

        await().atMost(Duration.ofSeconds(10)).until(() -> allowsAndFails(breaker)); // half open: the trial fails
        assertThat(allows(breaker)).as("open again at once").isFalse();

        await().atMost(Duration.ofSeconds(10)).until(() -> allows(breaker)); // half open: the trial succeeds, closed
        fail(breaker);
        assertThat(allows(breaker)).as("closed: one failure is not enough").isTrue();
    }

    @Test
    void theBreaker_whenHalfOpen_letsExactlyOneCallThrough() throws Exception {
        List<CircuitBreakerState> states = new CopyOnWriteArrayList<>();
        Guard breaker = Guards.circuitBreaker("test", 1, OPEN_FOR, states::add);
        fail(breaker);
        await().atMost(Duration.ofSeconds(10)).until(() -> states.contains(CircuitBreakerState.HALF_OPEN));

        CountDownLatch trialStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            Future<String> trial = threads.submit(() -> breaker.call(() -> {
                trialStarted.countDown();
                release.await(10, TimeUnit.SECONDS);
                return "trial";
            }, String.class));
            assertThat(trialStarted.await(10, TimeUnit.SECONDS)).isTrue();
            List<Future<Boolean>> others = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                others.add(threads.submit(() -> allows(breaker)));
            }
            for (Future<Boolean> other : others) {
                assertThat(other.get(10, TimeUnit.SECONDS)).as("refused while the trial runs").isFalse();
            }
            release.countDown();
            assertThat(trial.get(10, TimeUnit.SECONDS)).isEqualTo("trial");
            assertThat(allows(breaker)).as("the trial succeeded: closed").isTrue();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void retries_untilTheCallSucceeds_announcingEachRetryWhenItsAttemptFails() throws Exception {
        List<String> announced = new ArrayList<>();
        var retrying = Guards.retrying(String.class, "test", Duration.ofMillis(5), Duration.ofMillis(20), Duration.ofSeconds(10));

        String result = retrying.call(() -> {
            if (calls.incrementAndGet() < 3) {
                throw new RetryLater("HTTP 503 #" + calls.get(), null);
            }
            return "delivered";
        }, e -> announced.add(e.attempt() + ": " + e.getMessage()));

        assertThat(result).isEqualTo("delivered");
        assertThat(announced).containsExactly("1: HTTP 503 #1", "2: HTTP 503 #2");
    }

    @Test
    void retries_honourRetryAfter_andOtherExceptionsEndTheCall() {
        var retrying = Guards.retrying(String.class, "test", Duration.ofMillis(1), Duration.ofSeconds(5), Duration.ofSeconds(10));
        long[] times = new long[2];

        assertThatThrownBy(() -> retrying.call(() -> {
            times[Math.min(1, calls.get())] = System.nanoTime();
            if (calls.incrementAndGet() == 1) {
                throw new RetryLater("HTTP 429", Duration.ofMillis(400));
            }
            throw new IllegalArgumentException("refused for good");
        }, e -> { })).isInstanceOf(IllegalArgumentException.class);

        assertThat(calls).as("no retry after a non-retryable failure").hasValue(2);
        assertThat(Duration.ofNanos(times[1] - times[0])).as("the server's Retry-After, not the 1 ms back-off")
                .isGreaterThanOrEqualTo(Duration.ofMillis(390));
    }

    @Test
    void retries_stopWhenTheBudgetIsSpent_withTheLastFailure() {
        var retrying = Guards.retrying(String.class, "test", Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofMillis(300));

        assertThatThrownBy(() -> retrying.call(() -> {
            throw new RetryLater("HTTP 503 #" + calls.incrementAndGet(), null);
        }, e -> { })).isInstanceOf(RetryLater.class).satisfies(e -> assertThat(e.getMessage()).isEqualTo("HTTP 503 #" + calls.get()));
        assertThat(calls.get()).isGreaterThan(1);
    }

    @Test
    void aWaitThatWouldOutlastTheBudget_isNotWaited_theCallGivesUpAtOnce() {
        var retrying = Guards.retrying(String.class, "test", Duration.ofMillis(10), Duration.ofMinutes(5), Duration.ofSeconds(2));
        long start = System.nanoTime();

        assertThatThrownBy(() -> retrying.call(() -> {
            calls.incrementAndGet();
            throw new RetryLater("HTTP 429", Duration.ofMinutes(1)); // come back in a minute: past the budget
        }, e -> { throw new AssertionError("no retry is announced"); })).isInstanceOf(RetryLater.class);

        assertThat(calls).hasValue(1);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void backoff_growsWithJitter_andHonoursRetryAfterUpToTheCap() {
        long far = System.nanoTime() + Duration.ofHours(1).toNanos();
        for (int attempt = 1; attempt <= 8; attempt++) {
            long ceiling = Math.min(30_000, 1000L << (attempt - 1));
            var failed = new RetryLater("HTTP 503", null);
            failed.plan(attempt, far, 1000, 30_000);
            assertThat(failed.waitMillis()).isBetween(ceiling / 2, ceiling);
            assertThat(failed.fits()).isTrue();
        }
        var sevenSeconds = new RetryLater("HTTP 429", Duration.ofSeconds(7));
        sevenSeconds.plan(1, far, 1000, 30_000);
        assertThat(sevenSeconds.waitMillis()).isEqualTo(7_000);
        var fiveMinutes = new RetryLater("HTTP 429", Duration.ofMinutes(5));
        fiveMinutes.plan(1, far, 1000, 30_000);
        assertThat(fiveMinutes.waitMillis()).isEqualTo(30_000);
        var tooLate = new RetryLater("HTTP 429", Duration.ofSeconds(7));
        tooLate.plan(1, System.nanoTime() + Duration.ofMillis(500).toNanos(), 1000, 30_000);
        assertThat(tooLate.fits()).as("past the budget").isFalse();
    }

    @Test
    void thePacer_spacesCallsAtItsRate_afterItsBurst() throws Exception {
        Pacer pacer = new Pacer("test", 20, 1); // one every 50 ms
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            pacer.await();
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("5 calls at 20 a second")
                .isGreaterThanOrEqualTo(Duration.ofMillis(190));
    }

    @Test
    void nonsense_isRefusedWhereItIsBuilt() {
        assertThatThrownBy(() -> new Pacer("slack", 0, 3)).hasMessageContaining("slack: the rate must be a positive number");
        assertThatThrownBy(() -> new Pacer("slack", 1, 0)).hasMessageContaining("slack: the burst must be at least 1");
        assertThatThrownBy(() -> Guards.circuitBreaker("fn", 0, OPEN_FOR, state -> { })).hasMessageContaining("at least 1 failure");
    }

    private void fail(Guard breaker) {
        try {
            breaker.call(() -> {
                calls.incrementAndGet();
                throw new IllegalStateException("failed");
            }, String.class);
        } catch (Exception expected) {
            assertThat(expected).isInstanceOf(IllegalStateException.class);
        }
    }

    private boolean allows(Guard breaker) {
        try {
            breaker.call(() -> {
                calls.incrementAndGet();
                return "ok";
            }, String.class);
            return true;
        } catch (CircuitBreakerOpenException e) {
            return false;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private boolean allowsAndFails(Guard breaker) {
        int before = calls.get();
        try {
            breaker.call(() -> {
                calls.incrementAndGet();
                throw new IllegalStateException("failed");
            }, String.class);
        } catch (CircuitBreakerOpenException e) {
            return false;
        } catch (Exception e) {
            return calls.get() == before + 1;
        }
        return false;
    }
}

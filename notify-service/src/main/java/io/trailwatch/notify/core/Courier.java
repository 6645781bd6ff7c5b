package io.trailwatch.notify.core;

import io.trailwatch.messaging.guard.Guards;
import io.trailwatch.messaging.guard.Pacer;
import io.trailwatch.messaging.guard.RetryLater;
import io.trailwatch.model.Finding;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Delivers to one destination, on its own thread, so one broken destination never holds up another: jobs in order,
 * paced ({@code ratePerSecond}, {@code burst}), each retried with back-off and the server's Retry-After until accepted,
 * refused for good, or its budget is spent. Pacing and retries are SmallRye Fault Tolerance's ({@link Pacer},
 * {@link Guards#retrying}).
 */
public final class Courier implements AutoCloseable {

    /**
     * How a job ended.
     *
     * @param delivered  accepted by the destination
     * @param attempts   attempts made
     * @param status     the last HTTP status, if any
     * @param reason     why it failed, if it did
     */
    public record Outcome(boolean delivered, int attempts, Integer status, String reason) {
        /**
         * Not done: the courier was stopping before or during it. The finding is left for the next replica (which may
         * repeat an attempt whose answer was lost: at least once).
         */
        public boolean abandoned() {
            return !delivered && ABANDONED.equals(reason);
        }
    }

    static final String ABANDONED = "abandoned: stopping";

    private final Destination destination;
    private final Duration budget;
    private final Pacer pacer;
    private final Guards.Retrying<Attempt> retrying;
    private final ExecutorService thread;
    private volatile boolean closed;
    private volatile boolean stopping;

    /**
     * @param initialBackoff the first wait after a failed attempt; it doubles per attempt, with jitter
     * @param maxBackoff     the longest wait (and the longest Retry-After honoured)
     * @param budget         how long a job may keep trying
     */
    public Courier(Destination destination, Duration initialBackoff, Duration maxBackoff, Duration budget, double ratePerSecond,
                   int burst) {
        this.destination = destination;
        this.budget = budget;
        this.pacer = new Pacer("courier " + destination.name(), ratePerSecond, burst);
        this.retrying = Guards.retrying(Attempt.class, "courier " + destination.name(), initialBackoff, maxBackoff, budget);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "courier-" + destination.name());
            t.setDaemon(true);
            return t;
        });
    }

    public Destination destination() {
        return destination;
    }

    /** Queues a finding; once {@link #stopTaking} was called, findings not yet started are abandoned. */
    public CompletableFuture<Outcome> deliver(Finding f) {
        return deliver(f, (n, a) -> { });
    }

    /** Queues a finding, telling {@code onRetry} of every attempt that will be retried (its number and result). */
    public CompletableFuture<Outcome> deliver(Finding f, BiConsumer<Integer, Attempt.Retry> onRetry) {
        return CompletableFuture.supplyAsync(() -> stopping ? new Outcome(false, 0, null, ABANDONED)
                : attempt(() -> destination.send(f), onRetry), thread);
    }

    /** Finishes the delivery under way, abandons the queued ones (digests still go). */
    public void stopTaking() {
        stopping = true;
    }

    /** Queues a digest. */
    public CompletableFuture<Outcome> deliver(Grouper.Digest d) {
        return CompletableFuture.supplyAsync(() -> attempt(() -> destination.sendDigest(d), (n, a) -> { }), thread);
    }

    private Outcome attempt(Supplier<Attempt> send, BiConsumer<Integer, Attempt.Retry> onRetry) {
        int[] attempts = {0};
        try {
            Attempt last = retrying.call(() -> {
                if (closed) {
                    throw new Stopped();
                }
                pacer.await();
                attempts[0]++;
                Attempt a;
                try {
                    a = send.get();
                } catch (RuntimeException e) {
                    a = new Attempt.Retry(null, null, e.getClass().getSimpleName());
                }
                if (a instanceof Attempt.Retry retry) {
                    throw new Failed(retry);
                }
                return a;
            }, failed -> onRetry.accept(failed.attempt(), ((Failed) failed).retry));
            return last instanceof Attempt.Delivered ? new Outcome(true, attempts[0], last.status(), null)
                    : new Outcome(false, attempts[0], last.status(), ((Attempt.Refused) last).reason());
        } catch (Failed e) {
            return new Outcome(false, attempts[0], e.retry.status(), "retry budget of " + budget + " spent; last: " + e.retry.reason());
        } catch (InterruptedException | Stopped e) {
            // the courier was closed under way: whether or not the destination got it, the next replica tries again
            return new Outcome(false, attempts[0], null, ABANDONED);
        } catch (Exception e) {
            return new Outcome(false, attempts[0], null, closed ? ABANDONED : e.toString());
        }
    }

    /** An attempt to be retried, with its result. */
    private static final class Failed extends RetryLater {
        private final Attempt.Retry retry;

        Failed(Attempt.Retry retry) {
            super(retry.reason(), retry.after());
            this.retry = retry;
        }
    }

    /** The courier was closed. */
    private static final class Stopped extends Exception {
        Stopped() {
            super("the courier is closed", null, false, false);
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Delivers to one destination, on its own thread, so one broken destination never holds up another: jobs in order,
 * at most {@code ratePerSecond} (token bucket with {@code burst}), each retried with {@link Backoff} until accepted,
 * refused for good, or its budget is spent.
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
        /** Not attempted: the courier was stopping. The finding is left for the next replica. */
        public boolean abandoned() {
            return attempts == 0 && ABANDONED.equals(reason);
        }
    }

    static final String ABANDONED = "abandoned: stopping";

    private final Destination destination;
    private final Backoff backoff;
    private final Duration budget;
    private final double ratePerSecond;
    private final int burst;
    private final Clock clock;
    private final ExecutorService thread;
    private double tokens;
    private long refilledAt;
    private volatile boolean closed;
    private volatile boolean stopping;

    public Courier(Destination destination, Backoff backoff, Duration budget, double ratePerSecond, int burst, Clock clock) {
        this.destination = destination;
        this.backoff = backoff;
        this.budget = budget;
        this.ratePerSecond = ratePerSecond;
        this.burst = Math.max(1, burst);
        this.clock = clock;
        this.tokens = this.burst;
        this.refilledAt = System.nanoTime();
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
    public CompletableFuture<Outcome> deliver(Finding f, java.util.function.BiConsumer<Integer, Attempt.Retry> onRetry) {
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

    private Outcome attempt(java.util.function.Supplier<Attempt> send, java.util.function.BiConsumer<Integer, Attempt.Retry> onRetry) {
        Instant deadline = clock.instant().plus(budget);
        int attempts = 0;
        Attempt last = null;
        while (!closed) {
            takeToken();
            attempts++;
            try {
                last = send.get();
            } catch (RuntimeException e) {
                last = new Attempt.Retry(null, null, e.getClass().getSimpleName());
            }
            if (last instanceof Attempt.Delivered) {
                return new Outcome(true, attempts, last.status(), null);
            }
            if (last instanceof Attempt.Refused refused) {
                return new Outcome(false, attempts, refused.status(), refused.reason());
            }
            Attempt.Retry retry = (Attempt.Retry) last;
            Duration wait = backoff.next(attempts, retry.after());
            if (clock.instant().plus(wait).isAfter(deadline)) {
                return new Outcome(false, attempts, retry.status(), "retry budget of " + budget + " spent; last: " + retry.reason());
            }
            onRetry.accept(attempts, retry);
            sleep(wait);
        }
        return new Outcome(false, attempts, last == null ? null : last.status(), "shutting down");
    }

    private synchronized void takeToken() {
        while (true) {
            long now = System.nanoTime();
            tokens = Math.min(burst, tokens + (now - refilledAt) / 1e9 * ratePerSecond);
            refilledAt = now;
            if (tokens >= 1) {
                tokens -= 1;
                return;
            }
            sleep(Duration.ofMillis((long) Math.ceil((1 - tokens) / ratePerSecond * 1000)));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis())); // the back-off or the rate limit: this thread is the destination's own
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
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

package io.trailwatch.notify.core;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import io.trailwatch.messaging.guard.Guards;
import io.trailwatch.messaging.guard.Pacer;
import io.trailwatch.messaging.guard.RetryLater;
import io.trailwatch.model.Finding;
import io.trailwatch.model.Severity;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * Delivers to one destination, on threads of its own, so one broken destination never holds up another: most severe
 * first (a critical or high finding overtakes lower ones still queued; within a severity, in order), paced
 * ({@code ratePerSecond}, {@code burst}), each retried with back-off and the server's Retry-After until accepted,
 * refused for good, or its budget is spent. Pacing and retries are SmallRye Fault Tolerance's ({@link Pacer},
 * {@link Guards#retrying}). An unexpected throwable on its thread ends that job, not the courier.
 * <p>
 * A destination down for longer than a retry budget is an outage, not a job's bad luck: the job that spent its budget
 * opens the destination's circuit ({@link Guards#circuitBreaker}), and while it is open jobs end at once, {@link
 * Outcome#down} (the caller puts them off, it does not drop them), so a queue never waits on a dead destination. Every
 * {@code probeEvery} one job goes through as a probe, with a single attempt: delivered, the circuit closes and the
 * destination is back; failed, it stays open.
 * <p>
 * {@code concurrency} deliveries go at once where the destination takes them in parallel (a webhook receiver, an SMTP
 * server, SES): a slow answer then holds up one thread, not the queue. The rate and the circuit are the destination's,
 * shared by its threads; with more than one, deliveries start in priority order but may finish out of it.
 */
public final class Courier implements AutoCloseable {

    /**
     * How a job ended.
     *
     * @param delivered  accepted by the destination
     * @param attempts   attempts made
     * @param status     the last HTTP status, if any
     * @param reason     why it failed, if it did
     * @param down       not delivered because the destination is down (its circuit is open, or this job spent its
     *                   retry budget and opened it): worth trying again later, not a refusal
     */
    public record Outcome(boolean delivered, int attempts, Integer status, String reason, boolean down) {

        Outcome(boolean delivered, int attempts, Integer status, String reason) {
            this(delivered, attempts, status, reason, false);
        }

        /**
         * Not done: the courier was stopping before or during it. The finding is left for the next replica (which may
         * repeat an attempt whose answer was lost: at least once).
         */
        public boolean abandoned() {
            return !delivered && ABANDONED.equals(reason);
        }
    }

    static final String ABANDONED = "abandoned: stopping";
    private static final Logger LOG = Logger.getLogger(Courier.class);

    private final Destination destination;
    private final Duration budget;
    private final Pacer pacer;
    private final Guards.Retrying<Attempt> retrying;
    private final Guard breaker;
    private volatile CircuitBreakerState circuit = CircuitBreakerState.CLOSED;
    private volatile java.time.Instant downSince;
    private final PriorityBlockingQueue<Job> queue = new PriorityBlockingQueue<>();
    private final AtomicLong sequence = new AtomicLong();
    private final List<Thread> threads;
    private volatile long lastBeat = System.nanoTime();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean closed;
    private volatile boolean stopping;

    /** A queued delivery: the most severe first, then the earliest. */
    private record Job(int rank, long seq, Supplier<Outcome> work, CompletableFuture<Outcome> result) implements Comparable<Job> {
        @Override
        public int compareTo(Job o) {
            return rank != o.rank ? Integer.compare(rank, o.rank) : Long.compare(seq, o.seq);
        }
    }

    /**
     * @param initialBackoff the first wait after a failed attempt; it doubles per attempt, with jitter
     * @param maxBackoff     the longest wait (and the longest Retry-After honoured)
     * @param budget         how long a job may keep trying
     */
    public Courier(Destination destination, Duration initialBackoff, Duration maxBackoff, Duration budget, double ratePerSecond,
                   int burst, Duration probeEvery) {
        this(destination, initialBackoff, maxBackoff, budget, ratePerSecond, burst, probeEvery, 1);
    }

    /**
     * @param concurrency deliveries under way at once, each on a thread of the courier's (at least 1)
     */
    public Courier(Destination destination, Duration initialBackoff, Duration maxBackoff, Duration budget, double ratePerSecond,
                   int burst, Duration probeEvery, int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("courier " + destination.name() + ": concurrency must be at least 1, not " + concurrency);
        }
        this.destination = destination;
        this.breaker = Guards.circuitBreaker("courier " + destination.name(), 1, probeEvery, state -> {
            circuit = state;
            if (state == CircuitBreakerState.OPEN && downSince == null) {
                downSince = java.time.Instant.now();
                LOG.warnf("destination %s is down: a delivery spent its retry budget of %s; its deliveries are put off, "
                        + "and one is tried every %s", destination.name(), budget, probeEvery);
            } else if (state == CircuitBreakerState.CLOSED && downSince != null) {
                LOG.infof("destination %s is back after %s", destination.name(),
                        Duration.between(downSince, java.time.Instant.now()));
                downSince = null;
            }
        });
        this.budget = budget;
        this.pacer = new Pacer("courier " + destination.name(), ratePerSecond, burst);
        this.retrying = Guards.retrying(Attempt.class, "courier " + destination.name(), initialBackoff, maxBackoff, budget);
        List<Thread> started = new ArrayList<>(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Thread t = new Thread(this::work, "courier-" + destination.name() + (concurrency == 1 ? "" : "-" + (i + 1)));
            t.setDaemon(true);
            started.add(t);
        }
        this.threads = List.copyOf(started);
        this.threads.forEach(Thread::start);
    }

    private void work() {
        while (!closed) {
            Job job;
            try {
                lastBeat = System.nanoTime();
                job = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (job == null) {
                continue;
            }
            try {
                job.result().complete(job.work().get());
            } catch (Throwable e) {
                job.result().complete(new Outcome(false, 0, null, e.toString()));
                if (e instanceof VirtualMachineError) {
                    throw (VirtualMachineError) e; // the JVM is in trouble: liveness reports this thread dead
                }
            }
        }
        for (Job job; (job = queue.poll()) != null; ) {
            job.result().complete(new Outcome(false, 0, null, ABANDONED));
        }
    }

    /**
     * Whether its threads are alive and one took a job or looked for one within {@code quiet} (or one is busy
     * delivering).
     */
    public boolean alive(Duration quiet) {
        return threads.stream().allMatch(Thread::isAlive) && (busy.get() > 0 || System.nanoTime() - lastBeat < quiet.toNanos());
    }

    /** Whether the destination is down (its circuit open or half open): deliveries are put off until a probe gets through. */
    public boolean down() {
        return circuit != CircuitBreakerState.CLOSED;
    }

    /** Deliveries queued, not yet started. */
    public int queued() {
        return queue.size();
    }

    private CompletableFuture<Outcome> submit(String severity, Supplier<Outcome> work) {
        var result = new CompletableFuture<Outcome>();
        if (closed) {
            result.complete(new Outcome(false, 0, null, ABANDONED));
            return result;
        }
        queue.add(new Job(rank(severity), sequence.incrementAndGet(), () -> {
            busy.incrementAndGet();
            try {
                return work.get();
            } finally {
                busy.decrementAndGet();
                lastBeat = System.nanoTime();
            }
        }, result));
        return result;
    }

    /** 0 for critical, up to 4 for info (or no severity). */
    static int rank(String severity) {
        return Severity.of(severity).map(s -> Severity.CRITICAL.ordinal() - s.ordinal()).orElse(Severity.values().length);
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
        return submit(f.severity(), () -> stopping ? new Outcome(false, 0, null, ABANDONED)
                : attempt(() -> destination.send(f), onRetry));
    }

    /** Finishes the delivery under way, abandons the queued ones (digests still go). */
    public void stopTaking() {
        stopping = true;
    }

    /** Queues a digest. */
    public CompletableFuture<Outcome> deliver(Grouper.Digest d) {
        return submit(d.first().severity(), () -> attempt(() -> destination.sendDigest(d), (n, a) -> { }));
    }

    private Outcome attempt(Supplier<Attempt> send, BiConsumer<Integer, Attempt.Retry> onRetry) {
        int[] attempts = {0};
        boolean[] probe = {false};
        Callable<Attempt> once = () -> {
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
            } catch (VirtualMachineError e) {
                throw e;
            } catch (Error e) { // a bug of ours, not the destination's outage: this job fails, the circuit stays as it is
                a = new Attempt.Refused(null, e.toString());
            }
            if (a instanceof Attempt.Retry retry) {
                throw new Failed(retry);
            }
            return a;
        };
        try {
            // half open: this job is the probe, one attempt decides; closed: it may spend its whole budget
            Attempt last = breaker.call(() -> {
                probe[0] = circuit == CircuitBreakerState.HALF_OPEN;
                return probe[0] ? once.call()
                        : retrying.call(once, failed -> onRetry.accept(failed.attempt(), ((Failed) failed).retry));
            }, Attempt.class);
            return last instanceof Attempt.Delivered ? new Outcome(true, attempts[0], last.status(), null)
                    : new Outcome(false, attempts[0], last.status(), ((Attempt.Refused) last).reason());
        } catch (CircuitBreakerOpenException e) {
            return new Outcome(false, 0, null, "destination down since " + downSince, true);
        } catch (Failed e) {
            String why = probe[0] ? "probe failed" : "retry budget of " + budget + " spent";
            return new Outcome(false, attempts[0], e.retry.status(), why + "; last: " + e.retry.reason(), true);
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
        threads.forEach(Thread::interrupt);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Job job; (job = queue.poll()) != null; ) {
            job.result().complete(new Outcome(false, 0, null, ABANDONED));
        }
    }
}

package io.trailwatch.messaging;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The one way a service acts on findings with side effects (a notification, a Lambda invocation): at most once per
 * key, across replicas and restarts, and never losing a finding.
 * <ul>
 *     <li>Nothing is handled before the ledger (and whatever else the service waits for) was read to its end.</li>
 *     <li>A record that is no finding is dead-lettered with the reason, counted, then acknowledged. A finding the
 *     service fails on (a bug) is dead-lettered as {@code <service>-failed}, counted, and acknowledged, so the stream
 *     goes on.</li>
 *     <li>The service plans tasks for a finding, each with a key ({@code <destination>|<findingId>},
 *     {@code <remediation>|<findingId>}). A task whose key the ledger holds, or that is under way, is skipped; the
 *     others run at once, each on whatever thread the service gives it, so a slow one never holds up the stream.</li>
 *     <li>A task's final outcome goes to the ledger topic under its key; the record is acknowledged (its offset
 *     becomes committable) only when every task is done and Kafka answered for every ledger record. Should Kafka
 *     refuse one after its own retries, that is logged as an error and the record is still acknowledged: the outcome
 *     happened, and leaving the record for redelivery would repeat it.</li>
 *     <li>On a graceful stop ({@link #stopTaking}) new records are not taken and tasks not yet started are abandoned:
 *     their records stay unacknowledged for the next replica; {@link #awaitIdle} waits for the rest.</li>
 *     <li>Back-pressure: at most {@code maxInFlight} findings are under way at once. Past that, {@link #accept} returns
 *     a stage that completes only when one finishes; the channel waits for it, so consumption pauses (the connector
 *     pauses its partitions) instead of queueing without limit while a destination or function is slow.</li>
 * </ul>
 * Unreadable records come from {@link FindingDeserializer}. Dead letters go to the findings channel's dead-letter
 * topic, built by {@link DeadLetters}; the counter is {@code trailwatch.<service>.dead_letters} with the tags
 * {@code channel=findings} and {@code reason}.
 *
 * @param <R> the ledger's record type
 */
public final class FindingConsumer<R> {

    private static final Logger LOG = Logger.getLogger(FindingConsumer.class);

    /** What a task came to. */
    public sealed interface Outcome<R> permits Outcome.Done, Outcome.Abandoned {

        /** Finished: {@code record} goes to the ledger under the task's key; null: nothing to remember. */
        record Done<R>(R record) implements Outcome<R> {
        }

        /** Not attempted: the service is stopping. The finding is left unacknowledged, for the next replica. */
        record Abandoned<R>() implements Outcome<R> {
        }
    }

    /**
     * One thing to do for a finding, once per key.
     *
     * @param key  what the ledger remembers it by
     * @param work starts it; called only when the key is neither in the ledger nor under way
     */
    public record Task<R>(String key, Supplier<CompletableFuture<Outcome<R>>> work) {
    }

    /** The tasks a finding calls for (none is fine): the service's decisions. */
    @FunctionalInterface
    public interface Planner<R> {
        List<Task<R>> plan(Finding finding, Message<FindingDeserializer.Read> message);
    }

    private final String service;
    private final Ledger ledger;
    private final CompletableFuture<?> ready;
    private final Emitter<R> ledgerOut;
    private final Emitter<DeadLetter> deadLetters;
    private final MeterRegistry registry;
    private final Planner<R> planner;
    private final Set<String> underWay = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<Void>> active = ConcurrentHashMap.newKeySet();
    private final int maxInFlight;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.ConcurrentLinkedQueue<CompletableFuture<Void>> waiting =
            new java.util.concurrent.ConcurrentLinkedQueue<>();
    private volatile boolean stopping;

    /** Findings under way at most, by default. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;

    /**
     * @param service     the service's short name ({@code notify}), for dead letters and metrics
     * @param ledger      what was done
     * @param ready       completes when the service may start (the ledger read, and whatever else it waits for)
     * @param ledgerOut   the ledger channel
     * @param deadLetters the findings channel's dead-letter channel
     * @param planner     the service's decisions
     */
    public FindingConsumer(String service, Ledger ledger, CompletableFuture<?> ready, Emitter<R> ledgerOut,
                           Emitter<DeadLetter> deadLetters, MeterRegistry registry, Planner<R> planner) {
        this(service, ledger, ready, ledgerOut, deadLetters, registry, planner, DEFAULT_MAX_IN_FLIGHT);
    }

    /** @param maxInFlight findings under way at most before consumption pauses; at least 1 */
    public FindingConsumer(String service, Ledger ledger, CompletableFuture<?> ready, Emitter<R> ledgerOut,
                           Emitter<DeadLetter> deadLetters, MeterRegistry registry, Planner<R> planner, int maxInFlight) {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException(service + ": at least one finding must be allowed under way, not " + maxInFlight);
        }
        this.maxInFlight = maxInFlight;
        io.micrometer.core.instrument.Gauge.builder("trailwatch." + service + ".findings_in_flight", inFlight, java.util.concurrent.atomic.AtomicInteger::get)
                .description("Findings under way (consumption pauses at the limit)").register(registry);
        this.service = service;
        this.ledger = ledger;
        this.ready = ready;
        this.ledgerOut = ledgerOut;
        this.deadLetters = deadLetters;
        this.registry = registry;
        this.planner = planner;
    }

    /**
     * Takes a record from the findings channel and returns at once; the record is acknowledged later, as the class
     * comment says. For an {@code @Incoming} method taking {@code Message<FindingDeserializer.Read>}.
     */
    public CompletionStage<Void> accept(Message<FindingDeserializer.Read> message) {
        if (stopping) {
            return CompletableFuture.completedFuture(null); // not acknowledged: the next replica takes it
        }
        CompletableFuture<Void> admitted = admit();
        admitted.thenCompose(a -> ready).thenCompose(x -> handle(message)).exceptionally(e -> {
            // a bug, not bad input: keep the finding (dead letter) and the stream going
            LOG.errorf(e, "finding not handled");
            var read = message.getPayload();
            String findingId = read == null || read.finding() == null ? null : read.finding().findingId();
            deadLetter(message, service + "-failed", e.toString(), findingId, null);
            return null;
        }).whenComplete((x, e) -> release());
        return admitted;
    }

    /** A place among the findings under way: at once when there is one, else when one is released. */
    private CompletableFuture<Void> admit() {
        while (true) {
            int n = inFlight.get();
            if (n < maxInFlight) {
                if (inFlight.compareAndSet(n, n + 1)) {
                    return CompletableFuture.completedFuture(null);
                }
                continue;
            }
            var wait = new CompletableFuture<Void>();
            waiting.add(wait);
            // a release may have happened in between: try again rather than wait for nothing
            if (inFlight.get() < maxInFlight && waiting.remove(wait)) {
                continue;
            }
            return wait;
        }
    }

    /** Hands the place of a finding that finished to the next waiting one, or frees it. */
    private void release() {
        CompletableFuture<Void> next = waiting.poll();
        if (next != null) {
            next.complete(null); // the place passes on: inFlight unchanged
        } else {
            inFlight.decrementAndGet();
            // a waiter may have queued after the poll above
            CompletableFuture<Void> late = waiting.poll();
            if (late != null) {
                if (inFlight.incrementAndGet() <= maxInFlight) {
                    late.complete(null);
                } else {
                    inFlight.decrementAndGet();
                    waiting.add(late);
                }
            }
        }
    }

    /** Findings under way now. */
    public int inFlight() {
        return inFlight.get();
    }

    private CompletableFuture<Void> handle(Message<FindingDeserializer.Read> message) {
        FindingDeserializer.Read read = message.getPayload();
        if (read == null || read.finding() == null) {
            deadLetter(message, "invalid-finding", read == null ? "no value" : read.error(), read == null ? null : read.raw(), null);
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<Void>> work = new ArrayList<>();
        AtomicBoolean abandoned = new AtomicBoolean();
        for (Task<R> task : planner.plan(read.finding(), message)) {
            String key = task.key();
            if (!underWay.add(key)) {
                continue; // under way already (a redelivery, the same finding grown)
            }
            if (ledger.contains(key)) { // checked once the key is held: a task finishing now has written it already
                underWay.remove(key);
                continue;
            }
            CompletableFuture<Void> done;
            try {
                done = task.work().get().thenCompose(outcome -> {
                    if (outcome instanceof Outcome.Done<R> d) {
                        return d.record() == null ? CompletableFuture.completedFuture(null) : remember(key, d.record());
                    }
                    abandoned.set(true);
                    return CompletableFuture.completedFuture(null);
                });
            } catch (RuntimeException e) {
                done = CompletableFuture.failedFuture(e);
            }
            work.add(done.whenComplete((x, e) -> underWay.remove(key)));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
        active.add(all);
        all.whenComplete((x, e) -> active.remove(all));
        // an abandoned task (a stop) leaves the record unacknowledged: the next replica does it
        return all.thenCompose(x -> abandoned.get() ? CompletableFuture.completedFuture(null) : message.ack().toCompletableFuture());
    }

    /** Writes a final outcome to the ledger; completes when Kafka has it, or refused it after its retries (logged). */
    private CompletableFuture<Void> remember(String key, R record) {
        ledger.add(key);
        CompletableFuture<Void> written = new CompletableFuture<>();
        ledgerOut.send(Message.of(record).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build())
                .withAckWithMetadata(m -> {
                    written.complete(null);
                    return CompletableFuture.completedFuture(null);
                }).withNackWithMetadata((e, m) -> {
                    LOG.errorf("ledger record for %s not written (a redelivery of its finding would repeat it): %s", key, e.toString());
                    written.complete(null);
                    return CompletableFuture.completedFuture(null);
                }));
        return written;
    }

    /** Dead-letters the record, then acknowledges it; left unacknowledged (redelivered) if Kafka refuses the letter. */
    private void deadLetter(Message<FindingDeserializer.Read> message, String reason, String detail, String payload,
                            String key) {
        Counter.builder("trailwatch." + service + ".dead_letters").description("Records dead-lettered")
                .tag("channel", "findings").tag("reason", reason).register(registry).increment();
        Map<String, String> source = DeadLetters.source(message);
        CompletableFuture<Void> written = new CompletableFuture<>();
        deadLetters.send(DeadLetters.message(DeadLetter.of(service, "findings", reason, detail, Instant.now(), source, payload),
                key, written));
        written.whenComplete((x, e) -> {
            if (e == null) {
                message.ack();
            } else {
                LOG.errorf("dead letter of %s not written, the record stays unacknowledged: %s", source, e.toString());
            }
        });
    }

    /** From now on, records are not taken and tasks not started are abandoned (a graceful stop). */
    public void stopTaking() {
        stopping = true;
    }

    /** Waits, up to {@code timeout}, for the findings under way; false when some were still under way. */
    public boolean awaitIdle(Duration timeout) {
        try {
            CompletableFuture.allOf(active.toArray(CompletableFuture[]::new)).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            LOG.warnf("findings still under way at stop: %s", e.toString());
            return false;
        }
    }

    /** Keys being worked on now. */
    public int underWay() {
        return underWay.size();
    }

    /** A finished task's outcome: {@code record} goes to the ledger; null: nothing to remember. */
    public static <R> Outcome<R> done(R record) {
        return new Outcome.Done<>(record);
    }

    /** A task not attempted because the service is stopping. */
    public static <R> Outcome<R> abandoned() {
        return new Outcome.Abandoned<>();
    }
}

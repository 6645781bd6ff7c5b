package io.trailwatch.notify.inbound;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.messaging.DeadLetters;
import io.trailwatch.messaging.FindingConsumer;
import io.trailwatch.messaging.FindingDeserializer;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.notify.core.Courier;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.NotifyMetrics;
import io.trailwatch.notify.core.Router;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Findings in, notifications out, through the shared {@link FindingConsumer}: each finding is routed; for each
 * destination ({@code <destination>|<findingId>}, once) it is held when it belongs to a storm, else handed to that
 * destination's {@link Courier}; every outcome is audited on the deliveries topic and the final one written to the
 * ledger. The digests of storms go out when their window closes.
 */
@ApplicationScoped
@Startup // built at start, so a misconfiguration stops the start, not the first finding
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = ModelJson.newMapper();

    @Inject
    Ledger ledger;
    @Inject
    io.trailwatch.notify.config.NotifyConfig config;
    @Inject
    Map<String, Courier> couriers;
    @Inject
    Router router;
    @Inject
    Grouper grouper;
    @Inject
    NotifyMetrics metrics;
    @Inject
    MeterRegistry registry;
    @Inject
    @Channel("deliveries")
    Emitter<Delivery> deliveries;
    @Inject
    @Channel("ledger")
    Emitter<Delivery> ledgerOut;
    @Inject
    @Channel("dlq-deliveries")
    Emitter<DeadLetter> deadLetters;
    @Inject
    @Channel("dlq-findings")
    Emitter<DeadLetter> invalidFindings;

    private FindingConsumer<Delivery> consumer;
    private ScheduledExecutorService ticker;
    private volatile long lastTick = System.nanoTime();

    /** How long ago the digest ticker last ran: more than a few seconds means it stopped (liveness). */
    public Duration sinceLastTick() {
        return Duration.ofNanos(System.nanoTime() - lastTick);
    }

    /** Builds the consumer and starts the digest ticker before the first finding can arrive. */
    @PostConstruct
    void start() {
        consumer = new FindingConsumer<>("notify", ledger, ledger.ready(), ledgerOut, invalidFindings, registry, this::plan,
                config.maxInFlight());
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notify-digests");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(() -> {
            try {
                lastTick = System.nanoTime();
                sendDigests(Instant.now());
            } catch (Throwable e) { // a throwable would end the schedule for good: log it and tick on
                LOG.errorf(e, "sending digests failed");
            }
        }, 1, 1, TimeUnit.SECONDS);
        io.micrometer.core.instrument.Gauge.builder("trailwatch.notify.queued", couriers,
                        cs -> cs.values().stream().mapToInt(Courier::queued).sum())
                .description("Deliveries queued on the destinations' couriers, not yet started").register(registry);
        LOG.infof("notify: %d destinations %s", couriers.size(), couriers.keySet());
    }

    /**
     * A graceful stop (SIGTERM, a rolling restart): take no new findings, let each destination finish the delivery
     * under way (queued ones are left, unacknowledged, for the next replica) and its ledger record reach Kafka, send
     * the digests of open storm windows (up to 20 seconds in all). Findings not taken are redelivered to the next
     * replica; nothing delivered is delivered again.
     */
    void stop(@Observes @Priority(1) ShutdownEvent stop) {
        consumer.stopTaking();
        couriers.values().forEach(Courier::stopTaking);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        consumer.awaitIdle(Duration.ofSeconds(20));
        if (ticker != null) {
            ticker.shutdownNow();
        }
        try {
            // storms whose window is still open: their digests go out now rather than never
            sendDigests(Instant.MAX).get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("digests not all sent at stop: %s", e.toString());
        }
        LOG.infof("stopped: %d deliveries were still in flight", consumer.underWay());
    }

    /** Hands the finding to its destinations and returns at once (see {@link FindingConsumer}). */
    @Incoming("findings")
    public CompletionStage<Void> onFinding(Message<FindingDeserializer.Read> message) {
        return consumer.accept(message);
    }

    /** One task per destination the finding is routed to. */
    private List<FindingConsumer.Task<Delivery>> plan(Finding f, Message<FindingDeserializer.Read> message) {
        Instant published = message.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getTimestamp)
                .orElse(Instant.now());
        Instant arrived = Instant.now();
        List<FindingConsumer.Task<Delivery>> tasks = new ArrayList<>();
        for (Router.Target target : router.route(f)) {
            String key = target.destination() + "|" + f.findingId();
            tasks.add(new FindingConsumer.Task<>(key, () -> deliver(f, target, key, published, arrived)));
        }
        return tasks;
    }

    private CompletableFuture<FindingConsumer.Outcome<Delivery>> deliver(Finding f, Router.Target target, String key,
                                                                        Instant published, Instant arrived) {
        Courier courier = couriers.get(target.destination());
        String type = courier.destination().type();
        if (!grouper.admit(target.destination(), target.route(), f, arrived)) {
            return CompletableFuture.completedFuture(FindingConsumer.done(audit(f, target, type, "grouped", 0, arrived, null, null, null)));
        }
        return courier.deliver(f, (n, retry) -> deliveries.send(keyed(new Delivery(f.findingId(), f.ruleId(), f.severity(),
                f.accountId(), target.route(), target.destination(), type, "retrying", n,
                Duration.between(arrived, Instant.now()).toMillis(), retry.status(), retry.reason(), null, Instant.now()), key)))
                .thenCompose(o -> {
                    if (o.abandoned()) {
                        return CompletableFuture.completedFuture(FindingConsumer.<Delivery>abandoned());
                    }
                    if (o.delivered()) {
                        metrics.latency(type, Duration.between(published, Instant.now()));
                        return CompletableFuture.completedFuture(FindingConsumer.done(audit(f, target, type, "delivered",
                                o.attempts(), arrived, o.status(), null, null)));
                    }
                    // the dead letter is written before the outcome is final
                    return deadLetter(f, target, o).handle((x, e) -> FindingConsumer.done(audit(f, target, type,
                            "dead-lettered", o.attempts(), arrived, o.status(), o.reason(), null)));
                });
    }

    /** Sends the digests of windows closed by {@code now}; completes when they are sent or dead-lettered. */
    private CompletableFuture<Void> sendDigests(Instant now) {
        List<CompletableFuture<Void>> sent = new ArrayList<>();
        try {
            for (Grouper.Digest d : grouper.due(now)) {
                Courier courier = couriers.get(d.destination());
                Instant start = Instant.now();
                sent.add(courier.deliver(d).thenAccept(o -> {
                    var target = new Router.Target(d.route(), d.destination());
                    Finding f = d.first();
                    String type = courier.destination().type();
                    deliveries.send(keyed(new Delivery(f.findingId(), f.ruleId(), f.severity(), f.accountId(), target.route(),
                            target.destination(), type, o.delivered() ? "digest" : "dead-lettered", o.attempts(),
                            Duration.between(start, Instant.now()).toMillis(), o.status(), o.reason(), d.held(), Instant.now()),
                            d.destination() + "|" + f.findingId() + "|digest"));
                    metrics.delivery(type, o.delivered() ? "digest" : "dead-lettered", o.attempts());
                }));
            }
        } catch (RuntimeException e) {
            LOG.warnf(e, "digests failed");
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
    }

    /** Publishes an outcome to the audit topic and counts it; returns it for the ledger. */
    private Delivery audit(Finding f, Router.Target target, String type, String status, int attempts, Instant arrived,
                           Integer httpStatus, String detail, Integer grouped) {
        Delivery d = new Delivery(f.findingId(), f.ruleId(), f.severity(), f.accountId(), target.route(), target.destination(),
                type, status, attempts, Duration.between(arrived, Instant.now()).toMillis(), httpStatus, detail, grouped, Instant.now());
        deliveries.send(keyed(d, d.key()));
        metrics.delivery(type, status, attempts);
        return d;
    }

    /** Dead-letters a delivery that failed for good; completes when Kafka has it (a refusal is logged). */
    private CompletableFuture<Void> deadLetter(Finding f, Router.Target target, Courier.Outcome o) {
        String payload;
        try {
            payload = JSON.writeValueAsString(f);
        } catch (Exception e) {
            payload = null;
        }
        String reason = o.status() != null && o.status() >= 400 && o.status() < 500 && o.status() != 429 && o.status() != 408
                ? "refused" : "retries-exhausted";
        metrics.deadLetter("deliveries", reason);
        CompletableFuture<Void> written = new CompletableFuture<>();
        deadLetters.send(DeadLetters.message(DeadLetter.of("notify", "deliveries", reason, o.reason(), Instant.now(),
                Map.of("destination", target.destination(), "route", target.route(), "findingId", f.findingId(),
                        "attempts", Integer.toString(o.attempts())), payload), target.destination() + "|" + f.findingId(),
                written));
        return written.whenComplete((x, e) -> {
            if (e != null) {
                LOG.errorf("dead letter of %s|%s not written: %s", target.destination(), f.findingId(), e.toString());
            }
        });
    }

    private static <T> Message<T> keyed(T value, String key) {
        return Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }
}

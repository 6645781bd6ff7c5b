package io.trailwatch.notify.inbound;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.messaging.DeadLetters;
import io.trailwatch.messaging.Deferral;
import io.trailwatch.messaging.FindingConsumer;
import io.trailwatch.messaging.FindingDeserializer;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Topics;
import io.trailwatch.notify.config.NotifyWiring;
import io.trailwatch.notify.core.Courier;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.HeldFinding;
import io.trailwatch.notify.core.NotifyMetrics;
import io.trailwatch.notify.core.Router;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Findings in, notifications out, through the shared {@link FindingConsumer}: each finding is routed; for each
 * destination ({@code <destination>|<findingId>}, once) it is held when it belongs to a storm (written to the grouped
 * topic, where {@link DigestAssembler} makes the storm's digest), else handed to that destination's {@link Courier};
 * every outcome is audited on the deliveries topic and the final one written to the ledger. A delivery whose
 * destination is down is put off on the deferred topic ({@link Deferral}) and tried again later, never dropped: the
 * finding's offset moves on, so an outage of hours neither holds memory nor trips the unprocessed-record limit.
 *
 * <p>The emitters buffer without a bound of their own: what they hold is bounded by {@code max-in-flight} (the findings
 * under way, each a few messages per destination), and a bound of its own below that (SmallRye's default is 128) made a
 * storm's findings fail with "Insufficient downstream requests" and go to the dead-letter topic instead of their
 * destinations.
 */
@ApplicationScoped
@Startup // built at start, so a misconfiguration stops the start, not the first finding
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = ModelJson.newMapper();
    static final String DOWN = "destination-down";

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
    NotifyWiring.Restored restored;
    @Inject
    @Identifier("deferred-topic")
    CompletableFuture<Void> deferredTopic;
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;
    @Inject
    @ConfigProperty(name = "mp.messaging.outgoing.grouped.topic", defaultValue = Topics.NOTIFY_GROUPED)
    String groupedTopic;
    @Inject
    @Channel("deliveries")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Delivery> deliveries;
    @Inject
    @Channel("ledger")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Delivery> ledgerOut;
    @Inject
    @Channel("dlq-deliveries")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<DeadLetter> deadLetters;
    @Inject
    @Channel("dlq-findings")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<DeadLetter> invalidFindings;
    @Inject
    @Channel("grouped")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Finding> groupedOut;
    @Inject
    @Channel("deferred-out")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Finding> deferredOut;

    private FindingConsumer<Delivery> consumer;
    private DigestAssembler assembler;

    /** The digest assembler (liveness). */
    public DigestAssembler assembler() {
        return assembler;
    }

    /** Builds the consumer and starts the digest assembler before the first finding can arrive. */
    @PostConstruct
    void start() {
        consumer = new FindingConsumer<>("notify", ledger, CompletableFuture.allOf(ledger.ready(), restored.ready(), deferredTopic),
                ledgerOut, invalidFindings, registry, this::plan, config.maxInFlight());
        assembler = DigestAssembler.start(KafkaConnection.of(kafkaConfig), groupedTopic, config.grouping().group(),
                this::sendDigest, config.deferral().recheckEvery(), Clock.systemUTC());
        io.micrometer.core.instrument.Gauge.builder("trailwatch.notify.queued", couriers,
                        cs -> cs.values().stream().mapToInt(Courier::queued).sum())
                .description("Deliveries queued on the destinations' couriers, not yet started").register(registry);
        couriers.forEach((name, c) -> io.micrometer.core.instrument.Gauge.builder("trailwatch.notify.destination_down", c,
                        x -> x.down() ? 1 : 0)
                .description("1 while the destination is down (its circuit open): its deliveries are put off").tag("destination", name)
                .register(registry));
        io.micrometer.core.instrument.Gauge.builder("trailwatch.notify.digest_windows", this,
                        n -> n.assembler == null ? 0 : n.assembler.openWindows())
                .description("Storm windows whose digest this replica is assembling").register(registry);
        LOG.infof("notify: %d destinations %s", couriers.size(), couriers.keySet());
    }

    /**
     * A graceful stop (SIGTERM, a rolling restart): take no new findings, let each destination finish the delivery
     * under way (queued ones are left, unacknowledged, for the next replica) and its ledger record reach Kafka (up to 20
     * seconds), stop assembling digests. Findings not taken are redelivered to the next replica; nothing delivered is
     * delivered again. Storms' windows are on the grouped topic: their digests are sent when the window ends, by
     * whichever replica then owns it.
     */
    void stop(@Observes @Priority(1) ShutdownEvent stop) {
        consumer.stopTaking();
        couriers.values().forEach(Courier::stopTaking);
        consumer.awaitIdle(Duration.ofSeconds(20));
        if (assembler != null) {
            assembler.close();
        }
        LOG.infof("stopped: %d deliveries were still in flight", consumer.underWay());
    }

    /** Hands the finding to its destinations and returns at once (see {@link FindingConsumer}). */
    @Incoming("findings")
    public CompletionStage<Void> onFinding(Message<FindingDeserializer.Read> message) {
        return consumer.accept(message);
    }

    /** A delivery put off comes back {@code deferral.recheck-every} after it was put off. */
    @Incoming("deferred")
    public CompletionStage<Void> onDeferred(Message<FindingDeserializer.Read> message) {
        return Deferral.whenDue(message, config.deferral().recheckEvery(), () -> consumer.accept(message));
    }

    /** One task per destination the finding is routed to; for a delivery put off, the one destination it was put off for. */
    private List<FindingConsumer.Task<Delivery>> plan(Finding f, Message<FindingDeserializer.Read> message) {
        Instant published = message.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getTimestamp)
                .orElse(Instant.now());
        Optional<Deferral> deferral = Deferral.of(message);
        Instant arrived = Instant.now();
        List<FindingConsumer.Task<Delivery>> tasks = new ArrayList<>();
        for (Router.Target target : router.route(f)) {
            if (deferral.isPresent() && !deferral.get().subject().equals(target.destination())) {
                continue;
            }
            String key = target.destination() + "|" + f.findingId();
            tasks.add(new FindingConsumer.Task<>(key, () -> deliver(f, target, key, published, arrived, deferral)));
        }
        return tasks;
    }

    private CompletableFuture<FindingConsumer.Outcome<Delivery>> deliver(Finding f, Router.Target target, String key,
                                                                        Instant published, Instant arrived,
                                                                        Optional<Deferral> deferral) {
        Courier courier = couriers.get(target.destination());
        String type = courier.destination().type();
        if (deferral.isEmpty()) { // a delivery put off was admitted before
            var hold = grouper.hold(target.destination(), f, arrived);
            if (hold.isPresent()) {
                return hold(f, hold.get().shown(), target, type, arrived, new HeldFinding(target.destination(), target.route(),
                        f.findingId(), f.accountId(), hold.get().held()));
            }
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
                    if (o.down()) {
                        return putOff(f, target, type, key, o, arrived, deferral);
                    }
                    // the dead letter is written before the outcome is final
                    return deadLetter(f, target, o.status(), o.reason(), o.attempts()).handle((x, e) -> FindingConsumer.done(
                            audit(f, target, type, "dead-lettered", o.attempts(), arrived, o.status(), o.reason(), null)));
                });
    }

    /**
     * Writes the held finding to the grouped topic, whole when its digest may show it ({@link HeldFinding#value}); done
     * ("grouped") once Kafka has it, so a crash cannot lose it.
     */
    private CompletableFuture<FindingConsumer.Outcome<Delivery>> hold(Finding f, boolean shown, Router.Target target, String type,
                                                                     Instant arrived, HeldFinding held) {
        CompletableFuture<FindingConsumer.Outcome<Delivery>> written = new CompletableFuture<>();
        groupedOut.send(Message.of(HeldFinding.value(f, shown)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                        .withKey(held.held().window()).withHeaders(held.headers()).build())
                .withAckWithMetadata(m -> {
                    written.complete(FindingConsumer.done(audit(f, target, type, "grouped", 0, arrived, null, null, null)));
                    return CompletableFuture.completedFuture(null);
                }).withNackWithMetadata((e, m) -> {
                    LOG.errorf("finding %s could not be held for %s, it stays unacknowledged: %s", f.findingId(),
                            target.destination(), e.toString());
                    written.complete(FindingConsumer.abandoned());
                    return CompletableFuture.completedFuture(null);
                }));
        return written;
    }

    /**
     * Puts a delivery off while its destination is down: onto the deferred topic, to come back {@code recheck-every}
     * later (audited as retrying); once {@code circuit-breaker.retry-for} has passed since it was first put off,
     * dead-lettered instead.
     */
    private CompletableFuture<FindingConsumer.Outcome<Delivery>> putOff(Finding f, Router.Target target, String type, String key,
                                                                       Courier.Outcome o, Instant arrived,
                                                                       Optional<Deferral> earlier) {
        Instant now = Instant.now();
        Duration retryFor = config.circuitBreaker().retryFor();
        Deferral d = Deferral.continuing(earlier, target.destination(), DOWN, retryFor, now);
        if (d.expired(now)) {
            String reason = "destination down since " + d.since() + ": not delivered within " + retryFor + "; last: " + o.reason();
            return deadLetter(f, target, o.status(), reason, o.attempts()).handle((x, e) -> FindingConsumer.done(
                    audit(f, target, type, "dead-lettered", o.attempts(), arrived, o.status(), reason, null)));
        }
        if (d.since().equals(now)) { // put off now, not before
            metrics.deferral(type);
            deliveries.send(keyed(new Delivery(f.findingId(), f.ruleId(), f.severity(), f.accountId(), target.route(),
                    target.destination(), type, "retrying", o.attempts(), Duration.between(arrived, now).toMillis(), o.status(),
                    "destination down: put off, tried again every " + config.deferral().recheckEvery() + " until " + d.until()
                            + "; " + o.reason(), null, now), key));
        }
        return d.putOff(deferredOut, f, key).thenApply(written -> {
            if (!written) {
                LOG.errorf("delivery %s could not be put off, the finding stays unacknowledged", key);
                return FindingConsumer.<Delivery>abandoned();
            }
            return FindingConsumer.<Delivery>done(null);
        });
    }

    /**
     * Sends a storm's digest (from {@link DigestAssembler}): true when that is the end of it (sent; refused, or its
     * destination down past {@code circuit-breaker.retry-for}, and dead-lettered), false to try again later.
     */
    private CompletableFuture<Boolean> sendDigest(Grouper.Digest d) {
        Courier courier = couriers.get(d.destination());
        if (courier == null) {
            LOG.warnf("digest for %s dropped: no such destination any more (%d findings held)", d.destination(), d.held());
            return CompletableFuture.completedFuture(true);
        }
        Instant start = Instant.now();
        String type = courier.destination().type();
        Finding f = d.first();
        var target = new Router.Target(d.route(), d.destination());
        return courier.deliver(d).thenCompose(o -> {
            if (o.abandoned()) {
                return CompletableFuture.completedFuture(false);
            }
            boolean late = o.down() && Duration.between(d.end(), Instant.now()).compareTo(config.circuitBreaker().retryFor()) > 0;
            if (o.down() && !late) {
                return CompletableFuture.completedFuture(false);
            }
            String status = o.delivered() ? "digest" : "dead-lettered";
            deliveries.send(keyed(new Delivery(f.findingId(), f.ruleId(), f.severity(), f.accountId(), target.route(),
                    target.destination(), type, status, o.attempts(), Duration.between(start, Instant.now()).toMillis(),
                    o.status(), o.reason(), d.held(), Instant.now()), d.destination() + "|" + f.findingId() + "|digest"));
            metrics.delivery(type, status, o.attempts());
            return o.delivered() ? CompletableFuture.completedFuture(true)
                    : deadLetter(f, target, o.status(), "digest of " + d.held() + " findings: " + o.reason(), o.attempts())
                            .handle((x, e) -> true);
        });
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
    private CompletableFuture<Void> deadLetter(Finding f, Router.Target target, Integer status, String why, int attempts) {
        String payload;
        try {
            payload = JSON.writeValueAsString(f);
        } catch (Exception e) {
            payload = null;
        }
        String reason = status != null && status >= 400 && status < 500 && status != 429 && status != 408
                ? "refused" : "retries-exhausted";
        metrics.deadLetter("deliveries", reason);
        CompletableFuture<Void> written = new CompletableFuture<>();
        deadLetters.send(DeadLetters.message(DeadLetter.of("notify", "deliveries", reason, why, Instant.now(),
                Map.of("destination", target.destination(), "route", target.route(), "findingId", f.findingId(),
                        "attempts", Integer.toString(attempts)), payload), target.destination() + "|" + f.findingId(),
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

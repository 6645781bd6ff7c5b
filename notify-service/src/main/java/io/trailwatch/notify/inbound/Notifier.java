package io.trailwatch.notify.inbound;

import io.quarkus.mailer.Mailer;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.micrometer.core.instrument.MeterRegistry;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.notify.config.NotifyConfig;
import io.trailwatch.notify.core.Backoff;
import io.trailwatch.notify.core.Courier;
import io.trailwatch.notify.core.Destination;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.NotifyMetrics;
import io.trailwatch.notify.core.Router;
import io.trailwatch.notify.outbound.EmailDestination;
import io.trailwatch.notify.outbound.HttpDestination;
import io.trailwatch.notify.outbound.SesSender;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Findings in, notifications out. Each finding is routed; for each destination it is skipped when the ledger says it
 * was delivered there, held when it belongs to a storm, else handed to that destination's {@link Courier}. The record
 * is acknowledged when every destination is done with it, so a crash redelivers only what was not finished.
 */
@ApplicationScoped
public class Notifier {

    private static final Logger LOG = Logger.getLogger(Notifier.class);

    @Inject
    NotifyConfig config;
    @Inject
    NotifyLedger ledger;
    @Inject
    Mailer mailer;
    @Inject
    MeterRegistry registry;
    @Inject
    @Location("finding.html")
    Template html;
    @Inject
    @Location("finding.txt")
    Template text;
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

    private final Map<String, Courier> couriers = new LinkedHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    /** Each finding's work until its ledger records are written, for a graceful stop to wait on. */
    private final Set<CompletableFuture<Void>> active = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private software.amazon.awssdk.services.sesv2.SesV2Client sesClient;
    private Router router;
    private Grouper grouper;
    private NotifyMetrics metrics;
    private ScheduledExecutorService ticker;

    /** Builds routes, couriers and the digest ticker before the first finding can arrive. */
    @jakarta.annotation.PostConstruct
    void start() {
        metrics = new NotifyMetrics(registry);
        var retry = config.retry();
        var backoff = new Backoff(retry.initialBackoff(), retry.maxBackoff());
        config.destinations().forEach((name, d) -> couriers.put(name, new Courier(destination(name, d), backoff,
                retry.budget(), d.ratePerSecond(), d.burst(), Clock.systemUTC())));
        List<Router.Route> routes = new ArrayList<>();
        config.routes().forEach((name, r) -> routes.add(new Router.Route(name, r.minSeverity(), set(r.categories()),
                set(r.ruleIds()), set(r.accounts()), set(r.regions()), r.destinations())));
        router = new Router(routes, couriers.keySet());
        grouper = new Grouper(config.grouping().window());
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "notify-digests");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(() -> sendDigests(Instant.now()), 1, 1, TimeUnit.SECONDS);
        LOG.infof("notify: %d destinations %s, %d routes", couriers.size(), couriers.keySet(), routes.size());
    }

    /**
     * A graceful stop (SIGTERM, a rolling restart): take no new findings, let each destination finish the delivery
     * under way (queued ones are left, unacknowledged, for the next replica) and its ledger record reach Kafka, send
     * the digests of open storm windows (up to 20 seconds in all), then stop the couriers. Findings not taken are redelivered to the next replica; nothing delivered is delivered again.
     */
    void stop(@Observes @jakarta.annotation.Priority(1) ShutdownEvent stop) {
        draining = true;
        couriers.values().forEach(Courier::stopTaking);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try {
            CompletableFuture.allOf(active.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("deliveries still in flight at stop: %s", e.toString());
        }
        if (ticker != null) {
            ticker.shutdownNow();
        }
        try {
            // storms whose window is still open: their digests go out now rather than never
            sendDigests(Instant.MAX).get(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            LOG.warnf("digests not all sent at stop: %s", e.toString());
        }
        LOG.infof("stopped: %d deliveries were still in flight", inFlight.size());
        couriers.values().forEach(Courier::close);
    }

    private Destination destination(String name, NotifyConfig.Destination d) {
        return switch (d.type()) {
            case SLACK, WEBHOOK -> new HttpDestination(name, d.type() == NotifyConfig.Type.SLACK,
                    URI.create(d.url().orElseThrow(() -> new IllegalArgumentException("destination '" + name + "' needs a url"))),
                    d.type() == NotifyConfig.Type.WEBHOOK ? d.hmacKey().orElseThrow(() ->
                            new IllegalArgumentException("webhook destination '" + name + "' needs an hmac-key")) : null,
                    d.timeout(), config.consoleUrl());
            case EMAIL -> new EmailDestination(name, "email", recipients(name, d), EmailDestination.smtp(mailer), html, text,
                    config.consoleUrl());
            case SES -> new EmailDestination(name, "ses", recipients(name, d), new SesSender(ses(), d.from().orElseThrow(() ->
                    new IllegalArgumentException("ses destination '" + name + "' needs a from address"))), html, text,
                    config.consoleUrl());
        };
    }

    private static List<String> recipients(String name, NotifyConfig.Destination d) {
        return d.to().filter(l -> !l.isEmpty()).orElseThrow(() ->
                new IllegalArgumentException("destination '" + name + "' needs recipients (to)"));
    }

    private software.amazon.awssdk.services.sesv2.SesV2Client ses() {
        if (sesClient == null) {
            var ses = config.ses();
            var builder = software.amazon.awssdk.services.sesv2.SesV2Client.builder()
                    .region(software.amazon.awssdk.regions.Region.of(ses.region()))
                    .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create());
            ses.endpoint().ifPresent(builder::endpointOverride);
            ses.staticCredentials().ifPresent(c -> {
                String[] parts = c.split(":", 2);
                if (parts.length != 2) {
                    throw new IllegalArgumentException("trailwatch.notify.ses.static-credentials is accessKeyId:secretAccessKey");
                }
                builder.credentialsProvider(software.amazon.awssdk.auth.credentials.StaticCredentialsProvider.create(
                        software.amazon.awssdk.auth.credentials.AwsBasicCredentials.create(parts[0], parts[1])));
            });
            sesClient = builder.build();
        }
        return sesClient;
    }

    /**
     * Hands the finding to its destinations and returns at once, so a slow or broken destination never holds up the
     * stream; the record is acknowledged (and its offset becomes committable) when every destination is done.
     */
    @Incoming("findings")
    public CompletionStage<Void> onFinding(Message<FindingDeserializer.Read> message) {
        if (draining) {
            return CompletableFuture.completedFuture(null); // not acknowledged: the next replica takes it
        }
        ledger.ready().thenCompose(ready -> handle(message)).exceptionally(e -> {
            // a bug, not bad input: keep the finding (dead letter) and the stream going
            LOG.errorf(e, "finding not handled");
            var read = message.getPayload();
            invalidFindings.send(dead(DeadLetter.of("notify", "findings", "notify-failed", e.toString(), Instant.now(),
                    Map.of(), read == null || read.finding() == null ? null : String.valueOf(read.finding().findingId())), null));
            message.ack();
            return null;
        });
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> handle(Message<FindingDeserializer.Read> message) {
        FindingDeserializer.Read read = message.getPayload();
        if (read == null || read.finding() == null) {
            metrics.invalid();
            Map<String, String> source = new LinkedHashMap<>();
            message.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(m -> {
                source.put("topic", m.getTopic());
                source.put("partition", Integer.toString(m.getPartition()));
                source.put("offset", Long.toString(m.getOffset()));
            });
            invalidFindings.send(dead(DeadLetter.of("notify", "findings", "invalid-finding",
                    read == null ? "no value" : read.error(), Instant.now(), source, read == null ? null : read.raw()), null));
            return message.ack().toCompletableFuture();
        }
        Finding f = read.finding();
        Instant published = message.getMetadata(IncomingKafkaRecordMetadata.class).map(IncomingKafkaRecordMetadata::getTimestamp)
                .orElse(Instant.now());
        Instant arrived = Instant.now();
        List<CompletableFuture<Void>> work = new ArrayList<>();
        boolean[] abandoned = {false};
        for (Router.Target target : router.route(f)) {
            String key = target.destination() + "|" + f.findingId();
            if (ledger.contains(key) || !inFlight.add(key)) {
                continue;
            }
            Courier courier = couriers.get(target.destination());
            String type = courier.destination().type();
            if (!grouper.admit(target.destination(), target.route(), f, arrived)) {
                work.add(record(f, target, type, "grouped", 0, arrived, null, null, null)
                        .whenComplete((x, e) -> inFlight.remove(key)));
                continue;
            }
            work.add(courier.deliver(f, (n, retry) -> deliveries.send(keyed(new Delivery(f.findingId(), f.ruleId(), f.severity(),
                    f.accountId(), target.route(), target.destination(), type, "retrying", n,
                    Duration.between(arrived, Instant.now()).toMillis(), retry.status(), retry.reason(), null, Instant.now()), key)))
                    .thenCompose(o -> {
                if (o.abandoned()) {
                    abandoned[0] = true;
                    return CompletableFuture.completedFuture(null);
                }
                if (o.delivered()) {
                    metrics.latency(type, Duration.between(published, Instant.now()));
                    return record(f, target, type, "delivered", o.attempts(), arrived, o.status(), null, null);
                }
                deadLetter(f, target, o);
                return record(f, target, type, "dead-lettered", o.attempts(), arrived, o.status(), o.reason(), null);
            }).whenComplete((x, e) -> inFlight.remove(key)));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
        active.add(all);
        all.whenComplete((x, e) -> active.remove(all));
        // an abandoned delivery (a stop) leaves the record unacknowledged: the next replica delivers it
        return all.thenCompose(x -> abandoned[0] ? CompletableFuture.completedFuture(null) : message.ack());
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

    /** Publishes the outcome to the audit topic and the ledger; completes when Kafka has the ledger record. */
    private CompletableFuture<Void> record(Finding f, Router.Target target, String type, String status, int attempts,
                                           Instant arrived, Integer httpStatus, String detail, Integer grouped) {
        Delivery d = new Delivery(f.findingId(), f.ruleId(), f.severity(), f.accountId(), target.route(), target.destination(),
                type, status, attempts, Duration.between(arrived, Instant.now()).toMillis(), httpStatus, detail, grouped, Instant.now());
        ledger.add(d.key());
        CompletableFuture<Void> written = new CompletableFuture<>();
        ledgerOut.send(keyed(d, d.key()).withAckWithMetadata(m -> {
            written.complete(null);
            return CompletableFuture.completedFuture(null);
        }).withNackWithMetadata((e, m) -> {
            LOG.warnf("ledger record for %s not written: %s", d.key(), e.toString());
            written.complete(null);
            return CompletableFuture.completedFuture(null);
        }));
        deliveries.send(keyed(d, d.key()));
        metrics.delivery(type, status, attempts);
        return written;
    }

    private void deadLetter(Finding f, Router.Target target, Courier.Outcome o) {
        String payload;
        try {
            payload = ModelJson.newMapper().writeValueAsString(f);
        } catch (Exception e) {
            payload = null;
        }
        String reason = o.status() != null && o.status() >= 400 && o.status() < 500 && o.status() != 429 && o.status() != 408
                ? "refused" : "retries-exhausted";
        deadLetters.send(dead(DeadLetter.of("notify", "deliveries", reason, o.reason(), Instant.now(),
                Map.of("destination", target.destination(), "route", target.route(), "findingId", f.findingId(),
                        "attempts", Integer.toString(o.attempts())), payload), target.destination() + "|" + f.findingId()));
    }

    private static Message<DeadLetter> dead(DeadLetter letter, String key) {
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        headers.add(io.trailwatch.model.Headers.DLQ_REASON, letter.reason().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        headers.add(io.trailwatch.model.Headers.DLQ_SERVICE, "notify".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Message.of(letter).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build());
    }

    private static <T> Message<T> keyed(T value, String key) {
        return Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build());
    }

    private static Set<String> set(java.util.Optional<List<String>> values) {
        return new HashSet<>(values.orElse(List.of()));
    }
}

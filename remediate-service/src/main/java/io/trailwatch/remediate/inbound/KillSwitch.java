package io.trailwatch.remediate.inbound;

import io.quarkus.runtime.ShutdownEvent;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The global kill switch. On when configured so ({@code trailwatch.remediate.kill-switch=true}) or when the control
 * topic holds the key {@code kill-switch}: {@code PUT /kill-switch} on any replica turns it on for all of them at
 * once, {@code DELETE /kill-switch} off; {@code GET /kill-switch} says which. While on, nothing is invoked: each
 * invoker asks immediately before every invocation, so invocations already queued are skipped too (recorded as
 * skipped, reason {@code kill switch on}; not retried when it goes off). The state is the gauge
 * {@code trailwatch_remediate_kill_switch} and part of readiness ({@link RemediateReadiness}). Served on
 * the management interface (its own port): turning it on or off needs the operator role, reading it the viewer role
 * (application.properties).
 */
@ApplicationScoped
@io.quarkus.runtime.Startup // created at start-up, not on the event loop by the first finding (it creates its topic)
public class KillSwitch {

    private static final Logger LOG = Logger.getLogger(KillSwitch.class);
    static final String KEY = "kill-switch";

    @jakarta.inject.Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig; // kafka.* settings: brokers, TLS, SASL

    @jakarta.inject.Inject
    io.trailwatch.remediate.config.RemediateConfig config;

    @jakarta.inject.Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private String topic;
    private boolean configured;

    private final Ledger control = new Ledger();
    private LedgerFollower follower;
    private KafkaProducer<String, String> producer;

    @PostConstruct
    void start() {
        topic = config.controlTopic();
        configured = config.killSwitch();
        follower = LedgerFollower.start(control, KafkaConnection.of(kafkaConfig), topic, 1);
        Map<String, Object> producerConfig = new java.util.HashMap<>(KafkaConnection.of(kafkaConfig));
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(producerConfig,
                new StringSerializer(), new StringSerializer());
        io.micrometer.core.instrument.Gauge.builder("trailwatch.remediate.kill_switch", this, k -> k.on() ? 1 : 0)
                .description("1 while the kill switch is on (nothing is invoked), else 0").register(registry);
    }

    /**
     * Whether this replica still follows the control topic (its thread alive, polling within the last two minutes):
     * a replica that stopped following might miss the switch going on, so it is reported unready.
     */
    public boolean following() {
        return follower != null && follower.isFollowing(java.time.Duration.ofMinutes(2));
    }

    void stop(@Observes ShutdownEvent stop) {
        if (producer != null) {
            producer.close();
        }
        if (follower != null) {
            follower.close();
        }
    }

    /** Completes once the control topic was read. */
    public CompletableFuture<Void> ready() {
        return control.ready();
    }

    /** Whether invocations are stopped now. */
    public boolean on() {
        return configured || control.contains(KEY);
    }

    void routes(@Observes ManagementInterface management) {
        var router = management.router();
        router.route(HttpMethod.GET, "/kill-switch").handler(rc -> send(rc, state()));
        router.route(HttpMethod.PUT, "/kill-switch").blockingHandler(rc -> change(rc, this::turnOn));
        router.route(HttpMethod.DELETE, "/kill-switch").blockingHandler(rc -> change(rc, this::turnOff));
    }

    /** A change of state, answered with the new state; 503 when the control topic did not take it. */
    private interface Change {
        Map<String, Object> apply() throws ExecutionException, InterruptedException;
    }

    private static void change(RoutingContext rc, Change change) {
        try {
            send(rc, change.apply());
        } catch (ExecutionException | RuntimeException e) {
            rc.fail(503, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            rc.fail(503, e);
        }
    }

    private static void send(RoutingContext rc, Map<String, Object> body) {
        rc.response().putHeader("Content-Type", "application/json").end(new JsonObject(body).encode());
    }

    public Map<String, Object> state() {
        return Map.of("on", on(), "configured", configured);
    }

    public Map<String, Object> turnOn() throws ExecutionException, InterruptedException {
        producer.send(new ProducerRecord<>(topic, KEY, "on")).get();
        control.add(KEY);
        LOG.warn("kill switch turned on: no remediation will be invoked");
        return state();
    }

    public Map<String, Object> turnOff() throws ExecutionException, InterruptedException {
        producer.send(new ProducerRecord<>(topic, KEY, null)).get();
        control.remove(KEY);
        LOG.warn("kill switch turned off");
        return state();
    }
}

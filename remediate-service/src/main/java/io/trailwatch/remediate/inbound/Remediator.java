package io.trailwatch.remediate.inbound;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Topics;
import io.trailwatch.model.kafka.CompactedKeys;
import io.trailwatch.remediate.config.RemediateConfig;
import io.trailwatch.remediate.core.Breaker;
import io.trailwatch.remediate.core.Plans;
import io.trailwatch.remediate.core.Targets;
import io.trailwatch.remediate.outbound.Invoker;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Findings in, remediations out. Each finding is planned against the configured remediations (kill switch, account
 * allowlist, dry run); each invocation runs once per finding and remediation (the ledger), on the function's own
 * {@link Invoker}; every outcome goes to {@link Topics#REMEDIATIONS}. The record is acknowledged when all are done.
 */
@ApplicationScoped
public class Remediator {

    private static final Logger LOG = Logger.getLogger(Remediator.class);
    private static final ObjectMapper JSON = ModelJson.newMapper();

    @Inject
    RemediateConfig config;
    @Inject
    KillSwitch killSwitch;
    @Inject
    MeterRegistry registry;
    @jakarta.inject.Inject
    @io.smallrye.common.annotation.Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig; // kafka.* settings: brokers, TLS, SASL
    @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic", defaultValue = Topics.REMEDIATE_LEDGER)
    String ledgerTopic;
    @Inject
    @Channel("remediations")
    Emitter<Remediation> remediations;
    @Inject
    @Channel("ledger")
    Emitter<Remediation> ledgerOut;

    private final Map<String, Invoker> invokers = new HashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<CompletableFuture<Void>> active = ConcurrentHashMap.newKeySet();
    private volatile boolean draining;
    private Plans plans;
    private CompactedKeys ledger;
    private LambdaClient lambda;

    @PostConstruct
    void start() {
        var l = config.lambda();
        var builder = LambdaClient.builder().region(Region.of(l.region())).httpClient(UrlConnectionHttpClient.create());
        l.endpoint().ifPresent(builder::endpointOverride);
        l.staticCredentials().ifPresent(c -> {
            String[] parts = c.split(":", 2);
            if (parts.length != 2) {
                throw new IllegalArgumentException("trailwatch.remediate.lambda.static-credentials is accessKeyId:secretAccessKey");
            }
            builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(parts[0], parts[1])));
        });
        lambda = builder.build();
        List<Plans.Remediation> list = new ArrayList<>();
        config.remediations().forEach((name, r) -> {
            list.add(new Plans.Remediation(name, set(r.ruleIds()), set(r.categories()), set(r.accounts()), set(r.regions()),
                    r.function(), r.invocationType(), r.enabled()));
            invokers.put(name, new Invoker(lambda, r.function(), r.invocationType(), r.timeout(), r.ratePerSecond(),
                    new Breaker(config.circuitBreaker().failures(), config.circuitBreaker().openFor(), Clock.systemUTC())));
        });
        plans = new Plans(list, config.enabled(), set(config.allowedAccounts()));
        ledger = new CompactedKeys(io.trailwatch.model.kafka.KafkaConnection.of(kafkaConfig), ledgerTopic, 6, LOG::info);
        LOG.infof("remediate: %d remediations %s, invocations %s, %d allowlisted accounts", list.size(),
                config.remediations().keySet(), config.enabled() ? "enabled" : "off (dry run)", config.allowedAccounts().orElse(List.of()).size());
    }

    /**
     * A graceful stop (SIGTERM): take no new findings, let each function finish the invocation under way and its
     * ledger record reach Kafka (up to 20 seconds), leave queued ones unacknowledged for the next replica.
     */
    void stop(@Observes @jakarta.annotation.Priority(1) ShutdownEvent stop) {
        draining = true;
        invokers.values().forEach(Invoker::stopTaking);
        try {
            CompletableFuture.allOf(active.toArray(CompletableFuture[]::new)).get(20, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warnf("remediations still in flight at stop: %s", e.toString());
        }
        invokers.values().forEach(Invoker::close);
        if (ledger != null) {
            ledger.close();
        }
    }

    @Incoming("findings")
    public CompletionStage<Void> onFinding(Message<Finding> message) {
        if (draining) {
            return CompletableFuture.completedFuture(null); // not acknowledged: the next replica takes it
        }
        CompletableFuture.allOf(ledger.ready(), killSwitch.ready()).thenCompose(x -> handle(message)).exceptionally(e -> {
            LOG.errorf(e, "finding not handled");
            message.ack();
            return null;
        });
        return CompletableFuture.completedFuture(null);
    }

    private CompletableFuture<Void> handle(Message<Finding> message) {
        Finding f = message.getPayload();
        if (f == null || f.findingId() == null) {
            return message.ack().toCompletableFuture();
        }
        Instant arrived = Instant.now();
        List<CompletableFuture<Void>> work = new ArrayList<>();
        boolean[] abandoned = {false};
        for (Plans.Plan plan : plans.plan(f, killSwitch.on())) {
            var r = plan.remediation();
            String key = r.name() + "|" + f.findingId();
            if (ledger.contains(key) || !inFlight.add(key)) {
                continue;
            }
            var targets = Targets.of(f);
            if (plan.action() != Plans.Action.INVOKE) {
                String outcome = plan.action() == Plans.Action.DRY_RUN ? "dry-run" : "skipped";
                work.add(record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(), r.name(), r.function(),
                        r.invocationType(), outcome, plan.reason(), targets, null, null, null, 0, millis(arrived), Instant.now()))
                        .whenComplete((x, e) -> inFlight.remove(key)));
                continue;
            }
            work.add(invokers.get(r.name()).invoke(payload(f, r.name(), targets, false)).thenCompose(res -> {
                if (res.abandoned()) {
                    abandoned[0] = true;
                    return CompletableFuture.<Void>completedFuture(null);
                }
                String outcome = res.circuitOpen() ? "skipped" : res.succeeded() ? "invoked" : "failed";
                String reason = res.circuitOpen() ? "circuit open" : res.functionError() != null ? "FunctionError: " + res.functionError() : res.error();
                String response = res.response() == null ? null : res.response().length() > Remediation.MAX_RESPONSE_CHARS
                        ? res.response().substring(0, Remediation.MAX_RESPONSE_CHARS) : res.response();
                return record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(), r.name(), r.function(),
                        r.invocationType(), outcome, reason, targets, res.statusCode(), res.functionError(), response,
                        res.circuitOpen() ? 0 : 1, millis(arrived), Instant.now()));
            }).whenComplete((x, e) -> inFlight.remove(key)));
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
        active.add(all);
        all.whenComplete((x, e) -> active.remove(all));
        return all.thenCompose(x -> abandoned[0] ? CompletableFuture.completedFuture(null) : message.ack());
    }

    /** The function's input: the finding and the remediation context. */
    static String payload(Finding f, String action, Map<String, com.fasterxml.jackson.databind.JsonNode> targets, boolean dryRun) {
        ObjectNode root = JSON.createObjectNode();
        root.set("finding", JSON.valueToTree(f));
        ObjectNode ctx = root.putObject("remediation");
        ctx.put("action", action);
        ctx.set("targets", JSON.valueToTree(targets));
        ctx.put("dryRun", dryRun);
        return root.toString();
    }

    /** Publishes the outcome and its ledger record; completes when Kafka has the ledger record. */
    private CompletableFuture<Void> record(Remediation r) {
        Counter.builder("trailwatch.remediate.outcomes").description("Remediations by outcome").tag("remediation", r.remediation())
                .tag("outcome", r.outcome()).register(registry).increment();
        if (!"skipped".equals(r.outcome())) {
            ledger.add(r.key());
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        remediations.send(keyed(r));
        if ("skipped".equals(r.outcome())) {
            written.complete(null);
        } else {
            ledgerOut.send(keyed(r).withAckWithMetadata(m -> {
                written.complete(null);
                return CompletableFuture.completedFuture(null);
            }).withNackWithMetadata((e, m) -> {
                LOG.warnf("ledger record for %s not written: %s", r.key(), e.toString());
                written.complete(null);
                return CompletableFuture.completedFuture(null);
            }));
        }
        return written;
    }

    private static Message<Remediation> keyed(Remediation r) {
        return Message.of(r).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.key()).build());
    }

    private static long millis(Instant since) {
        return Duration.between(since, Instant.now()).toMillis();
    }

    private static Set<String> set(java.util.Optional<List<String>> v) {
        return new HashSet<>(v.orElse(List.of()));
    }
}

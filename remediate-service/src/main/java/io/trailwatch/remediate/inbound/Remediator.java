package io.trailwatch.remediate.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.messaging.Deferral;
import io.trailwatch.messaging.FindingConsumer;
import io.trailwatch.messaging.FindingDeserializer;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Topics;
import io.trailwatch.remediate.config.RemediateConfig;
import io.trailwatch.remediate.core.LogFileVerdicts;
import io.trailwatch.remediate.core.Plans;
import io.trailwatch.remediate.core.Targets;
import io.trailwatch.remediate.outbound.Invoker;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Findings in, remediations out, through the shared {@link FindingConsumer}: each finding is planned against the
 * configured remediations (kill switch, account allowlist, provenance, digests, dry run); each invocation runs once per
 * finding and remediation ({@code <remediation>|<findingId>}, the ledger), on the function's own {@link Invoker}; every
 * final outcome goes to {@link Topics#REMEDIATIONS}.
 *
 * <p>A remediation that cannot run yet (its log file awaits a digest, its function's circuit is open) is put off: the
 * finding goes to the deferred topic ({@link Topics#REMEDIATE_DEFERRED}) with a {@link Deferral} in its headers, and
 * comes back through the same consumer {@code recheck-every} later, planned again for that remediation alone, until
 * it runs or its wait is over. The finding's offset is committed once its deferral is on Kafka, so nothing waits in
 * memory and a crash loses nothing.
 *
 * <p>The emitters buffer without a bound of their own: what they hold is bounded by {@code max-in-flight} (the findings
 * under way, each a few messages per remediation), and a bound of its own below that (SmallRye's default is 128) made a
 * storm's findings fail with "Insufficient downstream requests" and go to the dead-letter topic instead of being
 * remediated.
 */
@ApplicationScoped
@Startup // built at start, so a misconfiguration stops the start, not the first finding
public class Remediator {

    private static final Logger LOG = Logger.getLogger(Remediator.class);
    private static final ObjectMapper JSON = ModelJson.newMapper();

    @Inject
    RemediateConfig config;
    @Inject
    KillSwitch killSwitch;
    @Inject
    Ledger ledger;
    @Inject
    Plans plans;
    @Inject
    Map<String, Invoker> invokers;
    @Inject
    MeterRegistry registry;
    @Inject
    @Channel("remediations")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Remediation> remediations;
    @Inject
    @Channel("ledger")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Remediation> ledgerOut;
    @Inject
    @Channel("dlq-findings")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<DeadLetter> deadLetters;
    @Inject
    @Channel("deferred-out")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER) // bounded by max-in-flight: see the class comment
    Emitter<Finding> deferredOut;
    @Inject
    LogFileVerdicts digests;
    @Inject
    @Identifier("deferred-topic")
    CompletableFuture<Void> deferredTopic;

    private FindingConsumer<Remediation> consumer;

    @PostConstruct
    void start() {
        consumer = new FindingConsumer<>("remediate", ledger,
                CompletableFuture.allOf(ledger.ready(), killSwitch.ready(), digests.ready(), deferredTopic),
                ledgerOut, deadLetters, registry, this::plan, config.maxInFlight());
        LOG.infof("remediate: %d remediations %s, invocations %s, %d allowlisted accounts", invokers.size(),
                config.remediations().keySet(), config.enabled() ? "enabled" : "off (dry run)",
                config.allowedAccounts().orElse(List.of()).size());
    }

    /**
     * A graceful stop (SIGTERM): take no new findings, let each function finish the invocation under way and its
     * ledger record reach Kafka (up to 20 seconds), leave queued ones unacknowledged for the next replica.
     */
    void stop(@Observes @Priority(1) ShutdownEvent stop) {
        consumer.stopTaking();
        invokers.values().forEach(Invoker::stopTaking);
        consumer.awaitIdle(Duration.ofSeconds(20));
    }

    @Incoming("findings")
    public CompletionStage<Void> onFinding(Message<FindingDeserializer.Read> message) {
        return consumer.accept(message);
    }

    /**
     * A remediation put off comes back: looked at again once {@code recheck-every} has passed since it was put off
     * (records come in the order they were written, so waiting for the first is waiting for the earliest).
     */
    @Incoming("deferred")
    public CompletionStage<Void> onDeferred(Message<FindingDeserializer.Read> message) {
        return Deferral.whenDue(message, config.deferral().recheckEvery(), () -> consumer.accept(message));
    }

    /** One task per remediation the finding calls for; for a finding put off, the one remediation it was put off for. */
    private List<FindingConsumer.Task<Remediation>> plan(Finding f, Message<FindingDeserializer.Read> message) {
        Instant arrived = Instant.now();
        Optional<Deferral> deferral = Deferral.of(message);
        List<FindingConsumer.Task<Remediation>> tasks = new ArrayList<>();
        for (Plans.Plan plan : plans.plan(f, killSwitch.on(), digests)) {
            var r = plan.remediation();
            if (deferral.isPresent() && !deferral.get().subject().equals(r.name())) {
                continue;
            }
            tasks.add(new FindingConsumer.Task<>(r.name() + "|" + f.findingId(), () -> run(f, plan, arrived, deferral)));
        }
        return tasks;
    }

    private CompletableFuture<FindingConsumer.Outcome<Remediation>> run(Finding f, Plans.Plan plan, Instant arrived,
                                                                        Optional<Deferral> deferral) {
        var r = plan.remediation();
        var targets = Targets.of(f);
        if (plan.action() == Plans.Action.HOLD) {
            return putOff(f, r, Deferral.AWAITING_DIGEST, config.digest().maxWait(), deferral, plan.reason(), arrived);
        }
        if (plan.action() != Plans.Action.INVOKE) {
            String outcome = plan.action() == Plans.Action.DRY_RUN ? "dry-run" : "skipped";
            return CompletableFuture.completedFuture(record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(),
                    r.name(), r.function(), r.invocationType(), outcome, plan.reason(), targets, null, null, null, 0,
                    millis(arrived), Instant.now())));
        }
        return invokers.get(r.name()).invoke(payload(f, r.name(), targets, false)).thenCompose(res -> {
            if (res.abandoned()) {
                return CompletableFuture.completedFuture(FindingConsumer.abandoned());
            }
            if (res.circuitOpen()) {
                return putOff(f, r, Deferral.CIRCUIT_OPEN, config.circuitBreaker().retryFor(), deferral,
                        "the circuit of " + r.function() + " is open", arrived);
            }
            String outcome = res.killed() ? "skipped" : res.succeeded() ? "invoked" : "failed";
            String reason = res.functionError() != null ? "FunctionError: " + res.functionError() : res.error();
            String response = res.response() == null ? null : res.response().length() > Remediation.MAX_RESPONSE_CHARS
                    ? res.response().substring(0, Remediation.MAX_RESPONSE_CHARS) : res.response();
            return CompletableFuture.completedFuture(record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(),
                    r.name(), r.function(), r.invocationType(), outcome, reason, targets, res.statusCode(), res.functionError(),
                    response, res.invoked() ? 1 : 0, millis(arrived), Instant.now())));
        });
    }

    /**
     * Puts a remediation off: onto the deferred topic, to come back {@code recheck-every} later; the task is done once
     * Kafka has it. When its wait is over instead, the final outcome: skipped (no digest vouched for its log file) or
     * failed (the circuit stayed open).
     */
    private CompletableFuture<FindingConsumer.Outcome<Remediation>> putOff(Finding f, Plans.Remediation r, String why,
                                                                           Duration wait, Optional<Deferral> earlier,
                                                                           String reason, Instant arrived) {
        Instant now = Instant.now();
        Deferral d = Deferral.continuing(earlier, r.name(), why, wait, now);
        if (d.expired(now)) {
            boolean digest = why.equals(Deferral.AWAITING_DIGEST);
            String detail = digest ? "no CloudTrail digest validated its log file within " + wait + " (" + reason + ")"
                    : reason + " since " + d.since() + ": not invoked within " + wait;
            return CompletableFuture.completedFuture(record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(),
                    r.name(), r.function(), r.invocationType(), digest ? "skipped" : "failed", detail, Targets.of(f), null,
                    null, null, 0, millis(arrived), now)));
        }
        if (d.since().equals(now)) { // put off now, not before
            Counter.builder("trailwatch.remediate.deferrals").description("Remediations put off, by why")
                    .tag("remediation", r.name()).tag("reason", why).register(registry).increment();
            LOG.infof("remediation %s of finding %s put off until %s at most: %s", r.name(), f.findingId(), d.until(), reason);
        }
        return d.putOff(deferredOut, f, r.name() + "|" + f.findingId()).thenApply(written -> {
            if (!written) {
                LOG.errorf("remediation %s of finding %s could not be put off, the finding stays unacknowledged", r.name(),
                        f.findingId());
                return FindingConsumer.<Remediation>abandoned();
            }
            return FindingConsumer.<Remediation>done(null);
        });
    }

    /** The function's input: the finding and the remediation context. */
    static String payload(Finding f, String action, Map<String, JsonNode> targets, boolean dryRun) {
        ObjectNode root = JSON.createObjectNode();
        root.set("finding", JSON.valueToTree(f));
        ObjectNode ctx = root.putObject("remediation");
        ctx.put("action", action);
        ctx.set("targets", JSON.valueToTree(targets));
        ctx.put("dryRun", dryRun);
        return root.toString();
    }

    /**
     * Publishes the outcome to the audit topic and counts it; a skipped remediation is not final (a replay after the
     * kill switch went off, or with the account allowlisted, may run it), so only the others go to the ledger.
     */
    private FindingConsumer.Outcome<Remediation> record(Remediation r) {
        Counter.builder("trailwatch.remediate.outcomes").description("Remediations by outcome").tag("remediation", r.remediation())
                .tag("outcome", r.outcome()).register(registry).increment();
        remediations.send(Message.of(r).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(r.key()).build()));
        return FindingConsumer.done("skipped".equals(r.outcome()) ? null : r);
    }

    private static long millis(Instant since) {
        return Duration.between(since, Instant.now()).toMillis();
    }
}

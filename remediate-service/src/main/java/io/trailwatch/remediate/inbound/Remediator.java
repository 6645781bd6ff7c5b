package io.trailwatch.remediate.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.Startup;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.messaging.FindingConsumer;
import io.trailwatch.messaging.FindingDeserializer;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Topics;
import io.trailwatch.remediate.config.RemediateConfig;
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
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Findings in, remediations out, through the shared {@link FindingConsumer}: each finding is planned against the
 * configured remediations (kill switch, account allowlist, dry run); each invocation runs once per finding and
 * remediation ({@code <remediation>|<findingId>}, the ledger), on the function's own {@link Invoker}; every outcome
 * goes to {@link Topics#REMEDIATIONS}.
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
    Emitter<Remediation> remediations;
    @Inject
    @Channel("ledger")
    Emitter<Remediation> ledgerOut;
    @Inject
    @Channel("dlq-findings")
    Emitter<DeadLetter> deadLetters;

    private FindingConsumer<Remediation> consumer;

    @PostConstruct
    void start() {
        consumer = new FindingConsumer<>("remediate", ledger, CompletableFuture.allOf(ledger.ready(), killSwitch.ready()),
                ledgerOut, deadLetters, registry, this::plan);
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

    /** One task per remediation the finding calls for. */
    private List<FindingConsumer.Task<Remediation>> plan(Finding f, Message<FindingDeserializer.Read> message) {
        Instant arrived = Instant.now();
        List<FindingConsumer.Task<Remediation>> tasks = new ArrayList<>();
        for (Plans.Plan plan : plans.plan(f, killSwitch.on())) {
            var r = plan.remediation();
            tasks.add(new FindingConsumer.Task<>(r.name() + "|" + f.findingId(), () -> run(f, plan, arrived)));
        }
        return tasks;
    }

    private CompletableFuture<FindingConsumer.Outcome<Remediation>> run(Finding f, Plans.Plan plan, Instant arrived) {
        var r = plan.remediation();
        var targets = Targets.of(f);
        if (plan.action() != Plans.Action.INVOKE) {
            String outcome = plan.action() == Plans.Action.DRY_RUN ? "dry-run" : "skipped";
            return CompletableFuture.completedFuture(record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(),
                    r.name(), r.function(), r.invocationType(), outcome, plan.reason(), targets, null, null, null, 0,
                    millis(arrived), Instant.now())));
        }
        return invokers.get(r.name()).invoke(payload(f, r.name(), targets, false)).thenApply(res -> {
            if (res.abandoned()) {
                return FindingConsumer.abandoned();
            }
            String outcome = res.circuitOpen() ? "skipped" : res.succeeded() ? "invoked" : "failed";
            String reason = res.circuitOpen() ? "circuit open" : res.functionError() != null ? "FunctionError: " + res.functionError() : res.error();
            String response = res.response() == null ? null : res.response().length() > Remediation.MAX_RESPONSE_CHARS
                    ? res.response().substring(0, Remediation.MAX_RESPONSE_CHARS) : res.response();
            return record(new Remediation(f.findingId(), f.ruleId(), f.accountId(), f.region(), r.name(), r.function(),
                    r.invocationType(), outcome, reason, targets, res.statusCode(), res.functionError(), response,
                    res.circuitOpen() ? 0 : 1, millis(arrived), Instant.now()));
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
     * Publishes the outcome to the audit topic and counts it; a skipped remediation is not final (the kill switch goes
     * off, a circuit closes), so only the others go to the ledger.
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

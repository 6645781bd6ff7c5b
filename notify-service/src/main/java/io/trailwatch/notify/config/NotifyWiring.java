package io.trailwatch.notify.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.mailer.Mailer;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.aws.AwsClients;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.messaging.ledger.TopicFollower;
import io.trailwatch.model.Topics;
import io.trailwatch.notify.core.Courier;
import io.trailwatch.notify.core.Destination;
import io.trailwatch.notify.core.Grouper;
import io.trailwatch.notify.core.HeldFinding;
import io.trailwatch.notify.core.NotifyMetrics;
import io.trailwatch.notify.core.Router;
import io.trailwatch.notify.outbound.EmailDestination;
import io.trailwatch.notify.outbound.HttpDestination;
import io.trailwatch.notify.outbound.SesSender;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sesv2.SesV2Client;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Builds notify-service's parts from the configuration: plain constructors, no magic. */
@ApplicationScoped
public class NotifyWiring {

    /** Partitions of the ledger topic when the service creates it. */
    static final int LEDGER_PARTITIONS = 6;

    @Produces
    @Singleton
    Ledger ledger(NotifyConfig config) {
        return new Ledger(config.ledger().retention());
    }

    /** Follows the ledger topic from start-up on: nothing is delivered before it was read to its end. */
    @Produces
    @Singleton
    @Startup
    LedgerFollower ledgerFollower(Ledger ledger, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                                  @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic", defaultValue = Topics.NOTIFY_LEDGER)
                                  String topic) {
        return LedgerFollower.start(ledger, KafkaConnection.of(kafkaConfig), topic, LEDGER_PARTITIONS);
    }

    void close(@Disposes LedgerFollower follower) {
        follower.close();
    }

    /** Amazon SES's client, built only when a destination of type ses needs it. */
    @Produces
    @Singleton
    SesV2Client ses(NotifyConfig config) {
        return AwsClients.configure(SesV2Client.builder(), config.ses(), "trailwatch.notify.ses")
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    void close(@Disposes SesV2Client ses) {
        ses.close();
    }

    @Produces
    @Singleton
    NotifyMetrics metrics(MeterRegistry registry) {
        return new NotifyMetrics(registry);
    }

    /** One courier per destination, by name, in configuration order. */
    @Produces
    @Singleton
    Map<String, Courier> couriers(NotifyConfig config, Mailer mailer, @Location("finding.html") Template html,
                                  @Location("finding.txt") Template text, Instance<SesV2Client> ses) {
        NotifyChecks.require(config);
        var retry = config.retry();
        Map<String, Courier> couriers = new LinkedHashMap<>();
        config.destinations().forEach((name, d) -> couriers.put(name, new Courier(destination(config, name, d, mailer, html,
                text, ses), retry.initialBackoff(), retry.maxBackoff(), retry.budget(), d.ratePerSecond(), d.burst(),
                config.circuitBreaker().openFor(), d.concurrencyOrDefault())));
        return couriers;
    }

    void close(@Disposes Map<String, Courier> couriers) {
        couriers.values().forEach(Courier::close);
    }

    @Produces
    @Singleton
    Router router(NotifyConfig config) {
        NotifyChecks.require(config);
        List<Router.Route> routes = new ArrayList<>();
        config.routes().forEach((name, r) -> routes.add(new Router.Route(name, r.minSeverity().id(),
                set(r.categories()), set(r.ruleIds()), set(r.accounts()), set(r.regions()), r.destinations())));
        return new Router(routes, config.destinations().keySet());
    }

    @Produces
    @Singleton
    Grouper grouper(NotifyConfig config) {
        return new Grouper(config.grouping().window(), config.grouping().accounts());
    }

    /**
     * The windows of storms held, read back from the grouped topic (created when missing: delete policy, kept
     * {@code grouping.retention}) over the last window and an hour, and followed from then on: a finding held before a
     * crash, or by another replica, counts as handled (the ledger has it), and its window goes on holding its storm.
     */
    @Produces
    @Singleton
    @Startup
    Restored restored(Ledger ledger, Grouper grouper, NotifyConfig config,
                      @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                      @ConfigProperty(name = "mp.messaging.outgoing.grouped.topic", defaultValue = Topics.NOTIFY_GROUPED) String topic) {
        var ready = new CompletableFuture<Void>();
        var definition = new NewTopic(topic, Optional.of(config.grouping().partitions()), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.grouping().retention().toMillis())));
        var follower = TopicFollower.start(new TopicFollower.Target() {
            @Override
            public void accept(ConsumerRecord<String, byte[]> record) {
                HeldFinding.of(record.headers()).ifPresent(h -> {
                    ledger.add(h.deliveryKey(), record.timestamp());
                    grouper.restore(h.held(), Instant.now());
                });
            }

            @Override
            public void caughtUp() {
                ready.complete(null);
            }

            @Override
            public void polled() {
                grouper.expire(Instant.now());
            }

            @Override
            public boolean readsValues() {
                return false; // the headers say all of it; the finding is the digest assembler's
            }
        }, KafkaConnection.of(kafkaConfig), topic, definition, config.grouping().window().plusHours(1), Clock.systemUTC());
        return new Restored(follower, ready);
    }

    void close(@Disposes Restored restored) {
        restored.follower().close();
    }

    /** The follower of the grouped topic, and when it has read it to its end. */
    public record Restored(TopicFollower follower, CompletableFuture<Void> ready) {
    }

    /** The deferred topic, created when missing (delete policy, kept {@code deferral.retention}); completes once it exists. */
    @Produces
    @Singleton
    @Identifier("deferred-topic")
    CompletableFuture<Void> deferredTopic(NotifyConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                                          @ConfigProperty(name = "mp.messaging.incoming.deferred.topic", defaultValue = Topics.NOTIFY_DEFERRED)
                                          String topic) {
        var definition = new NewTopic(topic, Optional.of(config.deferral().partitions()), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.deferral().retention().toMillis())));
        return TopicFollower.ensureExists(KafkaConnection.of(kafkaConfig), definition);
    }

    private static Destination destination(NotifyConfig config, String name, NotifyConfig.Destination d, Mailer mailer,
                                           Template html, Template text, Instance<SesV2Client> ses) {
        String key = "trailwatch.notify.destinations." + name + ".";
        return switch (d.type()) {
            case SLACK, WEBHOOK -> new HttpDestination(name, d.type() == NotifyConfig.Type.SLACK,
                    URI.create(required(d.url(), key + "url", d)),
                    d.type() == NotifyConfig.Type.WEBHOOK ? required(d.hmacKey(), key + "hmac-key", d) : null,
                    d.timeout(), config.consoleUrl());
            case EMAIL -> new EmailDestination(name, "email", recipients(d, key), EmailDestination.smtp(mailer), html, text,
                    config.consoleUrl());
            case SES -> new EmailDestination(name, "ses", recipients(d, key), new SesSender(ses.get(),
                    required(d.from(), key + "from", d)), html, text, config.consoleUrl());
        };
    }

    private static List<String> recipients(NotifyConfig.Destination d, String key) {
        return required(d.to().filter(l -> !l.isEmpty()), key + "to", d);
    }

    private static <T> T required(Optional<T> value, String key, NotifyConfig.Destination d) {
        return value.orElseThrow(() -> new IllegalArgumentException(key + " is required for a destination of type "
                + d.type().name().toLowerCase(Locale.ROOT)));
    }

    private static Set<String> set(Optional<List<String>> values) {
        return new HashSet<>(values.orElse(List.of()));
    }
}

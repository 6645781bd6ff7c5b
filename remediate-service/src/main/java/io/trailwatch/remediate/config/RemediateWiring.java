package io.trailwatch.remediate.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.aws.AwsClients;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.messaging.ledger.TopicFollower;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Topics;
import io.trailwatch.remediate.core.LogFileVerdicts;
import io.trailwatch.remediate.core.Plans;
import io.trailwatch.remediate.inbound.KillSwitch;
import io.trailwatch.remediate.outbound.Invoker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** Builds remediate-service's parts from the configuration: plain constructors, no magic. */
@ApplicationScoped
public class RemediateWiring {

    private static final Logger LOG = Logger.getLogger(RemediateWiring.class);
    /** Digests arrive about an hour after the hour they cover: verdicts are kept that much longer than the wait. */
    static final Duration DIGEST_LOOKBACK_MARGIN = Duration.ofHours(1);

    /** Partitions of the ledger topic when the service creates it. */
    static final int LEDGER_PARTITIONS = 6;

    @Produces
    @Singleton
    Ledger ledger(RemediateConfig config) {
        return new Ledger(config.ledger().retention());
    }

    /** Follows the ledger topic from start-up on: nothing is invoked before it was read to its end. */
    @Produces
    @Singleton
    @Startup
    LedgerFollower ledgerFollower(Ledger ledger, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                                  @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic", defaultValue = Topics.REMEDIATE_LEDGER)
                                  String topic) {
        return LedgerFollower.start(ledger, KafkaConnection.of(kafkaConfig), topic, LEDGER_PARTITIONS);
    }

    void close(@Disposes LedgerFollower follower) {
        follower.close();
    }

    /**
     * What digests said of log files over the last {@code digest.max-wait} and an hour: followed from the integrity topic
     * when a remediation requires a validated digest; otherwise empty, and ready at once.
     */
    @Produces
    @Singleton
    LogFileVerdicts digests(RemediateConfig config) {
        Duration keep = config.digest().maxWait().plus(DIGEST_LOOKBACK_MARGIN);
        return new LogFileVerdicts(keep, Clock.systemUTC());
    }

    @Produces
    @Singleton
    @Startup
    @Identifier("integrity")
    Optional<TopicFollower> integrityFollower(RemediateConfig config, LogFileVerdicts digests,
                                              @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        if (config.remediations().values().stream().noneMatch(RemediateConfig.Remediation::requireValidatedDigest)) {
            digests.markReady();
            return Optional.empty();
        }
        ObjectMapper json = ModelJson.newMapper();
        long[] lastExpiry = {System.currentTimeMillis()};
        return Optional.of(TopicFollower.start(new TopicFollower.Target() {
            @Override
            public void accept(ConsumerRecord<String, byte[]> record) {
                if (record.value() != null) {
                    try {
                        digests.add(json.readValue(record.value(), IntegrityRecord.class));
                    } catch (IOException | RuntimeException e) {
                        LOG.warnf("integrity record at %s-%d@%d is no IntegrityRecord, ignored: %s", record.topic(),
                                record.partition(), record.offset(), e.toString());
                    }
                }
            }

            @Override
            public void polled() {
                if (System.currentTimeMillis() - lastExpiry[0] > 60_000) {
                    lastExpiry[0] = System.currentTimeMillis();
                    digests.expire();
                }
            }

            @Override
            public void caughtUp() {
                digests.markReady();
            }
        }, KafkaConnection.of(kafkaConfig), config.digest().topic(), null, digests.keep(), Clock.systemUTC()));
    }

    void close(@Disposes @Identifier("integrity") Optional<TopicFollower> follower) {
        follower.ifPresent(TopicFollower::close);
    }

    /** The deferred topic, created when missing (delete policy, kept {@code deferral.retention}); completes once it exists. */
    @Produces
    @Singleton
    @Identifier("deferred-topic")
    CompletableFuture<Void> deferredTopic(RemediateConfig config, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                                          @ConfigProperty(name = "mp.messaging.incoming.deferred.topic", defaultValue = Topics.REMEDIATE_DEFERRED)
                                          String topic) {
        if (config.deferral().recheckEvery().isNegative() || config.deferral().recheckEvery().isZero()) {
            throw new IllegalArgumentException("trailwatch.remediate.deferral.recheck-every must be above zero, not "
                    + config.deferral().recheckEvery());
        }
        var definition = new NewTopic(topic, Optional.of(config.deferral().partitions()), Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                        TopicConfig.RETENTION_MS_CONFIG, Long.toString(config.deferral().retention().toMillis())));
        return TopicFollower.ensureExists(KafkaConnection.of(kafkaConfig), definition);
    }

    @Produces
    @Singleton
    LambdaClient lambda(RemediateConfig config) {
        return AwsClients.configure(LambdaClient.builder(), config.lambda(), "trailwatch.remediate.lambda")
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    void close(@Disposes LambdaClient lambda) {
        lambda.close();
    }

    @Produces
    @Singleton
    Plans plans(RemediateConfig config) {
        List<Plans.Remediation> list = new ArrayList<>();
        config.remediations().forEach((name, r) -> list.add(new Plans.Remediation(name, set(r.ruleIds()), set(r.categories()),
                set(r.accounts()), set(r.regions()), r.function(), r.invocationType().name(), r.enabled(),
                r.requireValidatedDigest())));
        return new Plans(list, config.enabled(), set(config.allowedAccounts()));
    }

    /** One invoker per remediation, by name. */
    @Produces
    @Singleton
    Map<String, Invoker> invokers(RemediateConfig config, LambdaClient lambda, KillSwitch killSwitch) {
        Map<String, Invoker> invokers = new HashMap<>();
        var breaker = config.circuitBreaker();
        config.remediations().forEach((name, r) -> invokers.put(name, new Invoker(lambda, r.function(), r.invocationType().name(),
                r.timeout(), r.ratePerSecond(), breaker.failures(), breaker.openFor(), killSwitch::on)));
        return invokers;
    }

    void close(@Disposes Map<String, Invoker> invokers) {
        invokers.values().forEach(Invoker::close);
    }

    private static Set<String> set(Optional<List<String>> values) {
        return new HashSet<>(values.orElse(List.of()));
    }
}

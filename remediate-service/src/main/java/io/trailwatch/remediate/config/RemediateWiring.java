package io.trailwatch.remediate.config;

import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.aws.AwsClients;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.model.Topics;
import io.trailwatch.remediate.core.Plans;
import io.trailwatch.remediate.outbound.Invoker;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.lambda.LambdaClient;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Builds remediate-service's parts from the configuration: plain constructors, no magic. */
@ApplicationScoped
public class RemediateWiring {

    /** Partitions of the ledger topic when the service creates it. */
    static final int LEDGER_PARTITIONS = 6;

    @Produces
    @Singleton
    Ledger ledger() {
        return new Ledger();
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
                set(r.accounts()), set(r.regions()), r.function(), r.invocationType().name(), r.enabled())));
        return new Plans(list, config.enabled(), set(config.allowedAccounts()));
    }

    /** One invoker per remediation, by name. */
    @Produces
    @Singleton
    Map<String, Invoker> invokers(RemediateConfig config, LambdaClient lambda) {
        Map<String, Invoker> invokers = new HashMap<>();
        var breaker = config.circuitBreaker();
        config.remediations().forEach((name, r) -> invokers.put(name, new Invoker(lambda, r.function(), r.invocationType().name(),
                r.timeout(), r.ratePerSecond(), breaker.failures(), breaker.openFor())));
        return invokers;
    }

    void close(@Disposes Map<String, Invoker> invokers) {
        invokers.values().forEach(Invoker::close);
    }

    private static Set<String> set(Optional<List<String>> values) {
        return new HashSet<>(values.orElse(List.of()));
    }
}

package io.trailwatch.detect.service.config;

import io.trailwatch.detect.service.core.DetectMetrics;
import io.trailwatch.detect.service.inbound.DetectTopology;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.GeoDb;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RuleParseException;
import io.trailwatch.detect.engine.RulePack;
import jakarta.enterprise.context.ApplicationScoped;
import io.trailwatch.messaging.NativeCompression;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.streams.Topology;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/** Builds the engine from the pack and the configuration, and the topology Quarkus runs. Plain methods, no magic. */
@ApplicationScoped
public class DetectWiring {

    private static final Logger LOG = Logger.getLogger(DetectWiring.class);

    /**
     * The engine: the built-in pack plus {@code rules-dir}, the deployment's exceptions, lists and country database.
     * A bad rule file or database stops the start with a message naming it; inactive rules are logged once.
     */
    @Produces
    @Singleton
    Engine engine(DetectConfig config) throws RuleParseException, IOException {
        List<Rule> rules = config.rulesDir().isPresent()
                ? RulePack.withOverrides(RulePack.builtIn(), RulePack.directory(config.rulesDir().get())) : RulePack.builtIn();
        var ex = config.exceptions();
        var exceptions = Rule.Exceptions.of(ex.principals().orElse(List.of()), ex.roleArns().orElse(List.of()),
                ex.accounts().orElse(List.of()), ex.sourceCidrs().orElse(List.of()));
        Map<String, Set<String>> lists = new LinkedHashMap<>();
        config.lists().forEach((name, values) -> lists.put(name, new HashSet<>(values)));
        GeoDb geo = config.geoDatabase().isPresent() ? GeoDb.open(config.geoDatabase().get()) : null;
        Engine engine = new Engine(rules, exceptions, new Engine.Context(geo, lists));
        engine.inactive().forEach((id, why) -> LOG.warnf("rule %s is inactive: %s", id, why));
        LOG.infof("rule pack: %d rules active (%d stateful), %d inactive", engine.rules().size(),
                engine.rules().stream().filter(Rule::stateful).count(), engine.inactive().size());
        return engine;
    }

    @Produces
    @Singleton
    DetectMetrics metrics(MeterRegistry registry) {
        return new DetectMetrics(registry);
    }

    @Produces
    @Singleton
    Topology topology(Engine engine, DetectConfig config, DetectMetrics metrics) {
        io.trailwatch.detect.service.outbound.BoundedRocksDb.bytes(config.stateMemory().asLongValue()); // fails the start when too small
        LOG.infof("lz4 (the events topic's compression) decompresses with %s", NativeCompression.loadLz4());
        return DetectTopology.build(engine, DetectTopology.Names.of(config.topics()), config.remember(), config.forget(),
                config.expireEvery(), config.maxClockSkew(), io.trailwatch.detect.service.inbound.EventCopies.Settings.of(config.copies()), metrics);
    }

    /** Creates the findings and dead-letter topics when they are missing, so the first finding has somewhere to go. */
    void createOutputTopics(@Observes StartupEvent start, DetectConfig config,
                            @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers") String bootstrap,
                            @io.smallrye.common.annotation.Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        // the brokers Kafka Streams uses, with the kafka.* security settings (TLS, SASL)
        Map<String, Object> admin = new java.util.HashMap<>(io.trailwatch.messaging.KafkaConnection.security(kafkaConfig));
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        admin.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        admin.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        try (Admin client = Admin.create(admin)) {
            for (String topic : List.of(config.topics().findings(), config.topics().deadLetters())) {
                try {
                    client.createTopics(List.of(new NewTopic(topic, java.util.Optional.of(config.topics().partitions()),
                            java.util.Optional.empty()))).all().get();
                    LOG.infof("created topic %s", topic);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        LOG.warnf("could not create topic %s: %s", topic, e.getCause().toString());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (org.apache.kafka.common.KafkaException e) {
            LOG.warnf("could not check the output topics: %s", e.toString());
        }
    }
}

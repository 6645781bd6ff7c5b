package io.trailwatch.console.config;

import io.agroal.api.AgroalDataSource;
import io.quarkus.agroal.DataSource;
import io.quarkus.arc.Arc;
import jakarta.enterprise.inject.Default;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.trailwatch.console.inbound.TopicsToStore;
import io.trailwatch.console.outbound.ManagementApis;
import io.trailwatch.console.security.LoginSessions;
import io.trailwatch.console.store.Store;
import io.trailwatch.messaging.KafkaConnection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.logging.Logger;

import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Builds console-service's parts from the configuration: plain constructors, no magic. */
@ApplicationScoped
public class ConsoleWiring {

    private static final Logger LOG = Logger.getLogger(ConsoleWiring.class);

    @Produces
    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    /**
     * The store on the active datasource: the embedded default, or "postgresql" when that one is active (its schema
     * migrated by Flyway at start-up either way).
     */
    @Produces
    @Singleton
    Store store(@ConfigProperty(name = "quarkus.datasource.\"postgresql\".active", defaultValue = "false") boolean postgresql,
                MeterRegistry registry, Clock clock) {
        AgroalDataSource dataSource = postgresql
                ? Arc.container().select(AgroalDataSource.class, new DataSource.DataSourceLiteral("postgresql")).get()
                : Arc.container().select(AgroalDataSource.class, Default.Literal.INSTANCE).get();
        LOG.infof("the store is %s", postgresql ? "PostgreSQL (datasource postgresql)" : "the embedded database");
        Store store = new Store(dataSource, clock);
        Gauge.builder("trailwatch.console.findings", store, s -> {
            try {
                return s.findingCount();
            } catch (SQLException e) {
                return Double.NaN;
            }
        }).description("Findings in the store").register(registry);
        return store;
    }

    /** Sign-in by the local login token, when one is configured. */
    @Produces
    @Singleton
    LoginSessions sessions(ConsoleConfig config, Clock clock) {
        return new LoginSessions(config.loginToken(), config.sessionIdle(), clock);
    }

    /** The other services' management APIs, for the operations page. */
    @Produces
    @Singleton
    ManagementApis managementApis(ConsoleConfig config) {
        return new ManagementApis(config.management());
    }

    /** Reads the topics into the store from start-up on. */
    @Produces
    @Singleton
    @Startup
    TopicsToStore reader(Store store, @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                         ConsoleConfig config, MeterRegistry registry, Clock clock) throws SQLException {
        return TopicsToStore.start(store, KafkaConnection.of(kafkaConfig), TopicsToStore.Settings.of(config), registry, clock);
    }

    void close(@Disposes TopicsToStore reader) {
        reader.close();
    }

    /** Deletes what is older than the retention, once an hour from a minute after start (none when it is 0). */
    @Produces
    @Singleton
    @Startup
    @Identifier("retention")
    ScheduledExecutorService retention(Store store, ConsoleConfig config, Clock clock, MeterRegistry registry) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "console-retention");
            t.setDaemon(true);
            return t;
        });
        if (!config.retention().isZero()) {
            executor.scheduleWithFixedDelay(() -> {
                try {
                    Store.Purged purged = store.purge(clock.instant().minus(config.retention()));
                    registry.counter("trailwatch.console.purged", "table", "findings").increment(purged.findings());
                    registry.counter("trailwatch.console.purged", "table", "deliveries").increment(purged.deliveries());
                    registry.counter("trailwatch.console.purged", "table", "remediations").increment(purged.remediations());
                    registry.counter("trailwatch.console.purged", "table", "integrity").increment(purged.integrity());
                    if (purged.findings() + purged.deliveries() + purged.remediations() + purged.integrity() > 0) {
                        LOG.infof("retention (%s) deleted %d findings, %d deliveries, %d remediations, %d integrity records",
                                config.retention(), purged.findings(), purged.deliveries(), purged.remediations(), purged.integrity());
                    }
                } catch (SQLException | RuntimeException e) {
                    LOG.warnf("retention could not delete old records (trying again in an hour): %s", e.getMessage());
                }
            }, 1, 60, TimeUnit.MINUTES);
        }
        return executor;
    }

    void close(@Disposes @Identifier("retention") ScheduledExecutorService executor) {
        executor.shutdownNow();
    }
}

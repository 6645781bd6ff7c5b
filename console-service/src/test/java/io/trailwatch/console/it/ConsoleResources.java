package io.trailwatch.console.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.trailwatch.console.PostgreSql;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.model.Topics;
import io.trailwatch.testsupport.TestKafka;

import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * What console-service talks to, once per test JVM: the shared Kafka broker with the four topics it reads and its
 * dead-letter topics, and an HTTP server (WireMock) standing in for remediate-service's and ingest-service's
 * management APIs; and the store the chart uses when a deployment has a database: a real PostgreSQL server (a new
 * database on {@link PostgreSql#shared()}), switched on as the chart switches it on. The embedded default store is
 * what {@code ./trailwatch local} runs, and PlatformIT drives it in a browser.
 */
public class ConsoleResources implements QuarkusTestResourceLifecycleManager {

    public static final String LOGIN_TOKEN = "it-login-token-0123456789abcdefghijklmnop";
    public static final String MANAGEMENT_USER = "console";
    public static final String MANAGEMENT_PASSWORD = "it-console-password";
    static WireMockServer management;
    static String databaseUrl;

    @Override
    public Map<String, String> start() {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, Topics.FINDINGS, Topics.DELIVERIES, Topics.REMEDIATIONS, Topics.INTEGRITY);
        kafka.createTopics(1, Topics.DLQ_CONSOLE_FINDINGS, Topics.DLQ_CONSOLE_DELIVERIES, Topics.DLQ_CONSOLE_REMEDIATIONS,
                Topics.DLQ_CONSOLE_INTEGRITY);
        management = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        management.start();
        String base = "http://127.0.0.1:" + management.port();
        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("trailwatch.console.login-token", LOGIN_TOKEN);
        c.put("trailwatch.console.management.remediate-url", base);
        c.put("trailwatch.console.management.ingest-url", base);
        c.put("trailwatch.console.management.user", MANAGEMENT_USER);
        c.put("trailwatch.console.management.password", MANAGEMENT_PASSWORD);
        c.put("trailwatch.console.reading.retry-after", "200ms");
        c.putAll(io.trailwatch.testsupport.Tokens.config()); // bearer tokens of the tests' identity provider
        databaseUrl = PostgreSql.shared().jdbcUrl(PostgreSql.shared().newDatabase());
        c.put("quarkus.datasource.active", "false");
        c.put("quarkus.datasource.\"postgresql\".active", "true");
        c.put("quarkus.datasource.\"postgresql\".jdbc.url", databaseUrl);
        c.put("quarkus.datasource.\"postgresql\".username", PostgreSql.USER);
        c.put("quarkus.datasource.\"postgresql\".password", PostgreSql.PASSWORD);
        return c;
    }

    @Override
    public void stop() {
        if (management != null) {
            management.stop();
        }
    }
}

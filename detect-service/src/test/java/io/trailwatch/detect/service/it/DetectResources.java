package io.trailwatch.detect.service.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.devkit.MmdbWriter;
import io.trailwatch.devkit.Scratch;
import io.trailwatch.testsupport.TestKafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The real components detect-service talks to, once per test JVM: the shared Kafka broker with the events, findings
 * and dead-letter topics, plus a country database the test builds (198.51.100.0/24 in NZ, 203.0.113.0/24 in AU).
 */
public class DetectResources implements QuarkusTestResourceLifecycleManager {

    private Path dir;

    @Override
    public Map<String, String> start() {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, Topics.EVENTS, Topics.FINDINGS, Topics.DLQ_DETECT_EVENTS);
        try {
            dir = Files.createTempDirectory("detect-it");
            geoDatabase(dir.resolve("countries.mmdb"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.kafka-streams.bootstrap-servers", kafka.bootstrapServers());
        config.put("kafka-streams.state.dir", dir.resolve("state").toString());
        config.put("trailwatch.detect.geo-database", dir.resolve("countries.mmdb").toString());
        config.put("trailwatch.detect.lists.allowed-countries", "AU");
        config.put("trailwatch.detect.lists.trusted-accounts", "777788889999");
        return config;
    }

    /** The country database the tests use. */
    public static void geoDatabase(Path file) throws IOException {
        new MmdbWriter().add("198.51.100.0/24", Map.of("country_code", "NZ")).add("203.0.113.0/24", Map.of("country_code", "AU"))
                .write(file, "geo-whois-asn-country");
    }

    @Override
    public void stop() {
        // The shared broker stops with the JVM; the state and the country database go now.
        try {
            Scratch.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

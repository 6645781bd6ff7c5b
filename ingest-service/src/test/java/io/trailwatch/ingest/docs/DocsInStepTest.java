package io.trailwatch.ingest.docs;

import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.model.Topics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The documentation names what the code has: topics, channels, configuration keys. */
class DocsInStepTest {

    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void everyTopicTheServiceWrites_isInTheTopicCatalogue() throws IOException {
        String catalogue = Files.readString(DOCS.resolve("topics.md"));
        Properties props = applicationProperties();
        List<String> topics = props.stringPropertyNames().stream()
                .filter(k -> k.startsWith("mp.messaging.") && k.endsWith(".topic")).map(props::getProperty).toList();

        assertThat(topics).containsExactlyInAnyOrder(Topics.EVENTS, Topics.INGEST_LEDGER, Topics.DLQ_INGEST_NOTIFICATIONS,
                Topics.DLQ_INGEST_OBJECTS, Topics.DLQ_INGEST_RECORDS, Topics.INTEGRITY, Topics.FINDINGS);
        for (String topic : topics) {
            assertThat(catalogue).as("docs/topics.md").contains("`" + topic + "`");
        }
    }

    @Test
    void everyConfigurationKey_isInTheConfigurationDocs() throws IOException {
        String docs = Files.readString(DOCS.resolve("configuration.md"));
        List<String> keys = io.trailwatch.testsupport.ConfigKeys.of("trailwatch.ingest", IngestConfig.class);

        assertThat(keys).hasSizeGreaterThan(15);
        for (String key : keys) {
            assertThat(docs).as("docs/configuration.md").contains("`" + key + "`");
        }
    }

    private static Properties applicationProperties() throws IOException {
        var props = new Properties();
        try (InputStream in = DocsInStepTest.class.getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        return props;
    }
}

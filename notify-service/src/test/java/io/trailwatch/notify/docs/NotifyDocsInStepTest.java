package io.trailwatch.notify.docs;

import io.trailwatch.model.Topics;
import io.trailwatch.notify.config.NotifyConfig;
import io.trailwatch.testsupport.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The documentation names what notify-service has: its topics, configuration keys and metrics. */
class NotifyDocsInStepTest {

    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void everyTopic_isInTheCatalogue() throws IOException {
        String catalogue = Files.readString(DOCS.resolve("topics.md"));
        var props = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/application.properties")) {
            props.load(in);
        }
        List<String> topics = props.stringPropertyNames().stream().filter(k -> k.startsWith("mp.messaging.") && k.endsWith(".topic"))
                .map(props::getProperty).filter(t -> !t.startsWith("${")).distinct().toList();

        assertThat(topics).containsExactlyInAnyOrder(Topics.FINDINGS, Topics.DELIVERIES, Topics.NOTIFY_LEDGER,
                Topics.DLQ_NOTIFY_DELIVERIES, Topics.DLQ_NOTIFY_FINDINGS, Topics.NOTIFY_GROUPED, Topics.NOTIFY_DEFERRED);
        for (String topic : topics) {
            assertThat(catalogue).as("docs/topics.md").contains("`" + topic + "`");
        }
    }

    @Test
    void everyConfigurationKey_isInTheConfigurationDocs() throws IOException {
        String docs = Files.readString(DOCS.resolve("configuration.md"));
        List<String> keys = ConfigKeys.of("trailwatch.notify", NotifyConfig.class);

        assertThat(keys).hasSizeGreaterThan(15);
        for (String key : keys) {
            assertThat(docs).as("docs/configuration.md").contains("`" + key + "`");
        }
    }

    @Test
    void everyMetric_isInTheMetricsDocs() throws IOException {
        String docs = Files.readString(DOCS.resolve("metrics.md"));
        String source = Files.readString(Path.of("src/main/java/io/trailwatch/notify/core/NotifyMetrics.java"))
                + Files.readString(Path.of("src/main/java/io/trailwatch/notify/inbound/Notifier.java"));
        var names = java.util.regex.Pattern.compile("\"(trailwatch\\.notify\\.[a-z_.]+)\"").matcher(source).results()
                .map(m -> m.group(1).replace('.', '_')).toList();

        assertThat(names).hasSize(8);
        for (String name : names) {
            assertThat(docs).as("docs/metrics.md").contains("`" + name);
        }
    }
}

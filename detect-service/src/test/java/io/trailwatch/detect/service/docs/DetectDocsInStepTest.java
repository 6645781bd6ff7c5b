package io.trailwatch.detect.service.docs;

import io.trailwatch.detect.service.config.DetectConfig;
import io.trailwatch.model.Topics;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The documentation names what detect-service has: its topics, configuration keys and metrics. */
class DetectDocsInStepTest {

    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void everyTopicTheServiceUses_isInTheTopicCatalogue() throws IOException {
        String catalogue = Files.readString(DOCS.resolve("topics.md"));

        for (String topic : List.of(Topics.EVENTS, Topics.FINDINGS, Topics.DLQ_DETECT_EVENTS, "trailwatch-detect-detector-state-changelog",
                "trailwatch-detect-log-files-changelog")) {
            assertThat(catalogue).as("docs/topics.md").contains("`" + topic + "`");
        }
    }

    @Test
    void everyConfigurationKey_isInTheConfigurationDocs() throws IOException {
        String docs = Files.readString(DOCS.resolve("configuration.md"));
        List<String> keys = io.trailwatch.testsupport.ConfigKeys.of("trailwatch.detect", DetectConfig.class);

        assertThat(keys).hasSizeGreaterThan(10);
        for (String key : keys) {
            assertThat(docs).as("docs/configuration.md").contains("`" + key + "`");
        }
    }

    @Test
    void everyMetric_isInTheMetricsDocs() throws IOException {
        String docs = Files.readString(DOCS.resolve("metrics.md"));
        String source = Files.readString(Path.of("src/main/java/io/trailwatch/detect/service/core/DetectMetrics.java"));
        var names = java.util.regex.Pattern.compile("\"(trailwatch\\.detect\\.[a-z_.]+)\"").matcher(source).results()
                .map(m -> m.group(1).replace('.', '_') + "_total").toList();

        assertThat(names).hasSize(6);
        for (String name : names) {
            assertThat(docs).as("docs/metrics.md").contains("`" + name + "`");
        }
    }
}

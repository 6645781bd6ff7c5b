package io.trailwatch.console;

import io.trailwatch.console.config.ConsoleConfig;
import io.trailwatch.model.Topics;
import io.trailwatch.testsupport.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The documentation names what console-service has: its topics, configuration keys and metrics. */
class ConsoleDocsInStepTest {

    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void topicsKeysAndMetrics_areDocumented() throws IOException {
        String topics = Files.readString(DOCS.resolve("topics.md"));
        String config = Files.readString(DOCS.resolve("configuration.md"));
        String metrics = Files.readString(DOCS.resolve("metrics.md"));
        List<String> keys = ConfigKeys.of("trailwatch.console", ConsoleConfig.class);

        for (String t : List.of(Topics.DLQ_CONSOLE_FINDINGS, Topics.DLQ_CONSOLE_DELIVERIES, Topics.DLQ_CONSOLE_REMEDIATIONS,
                Topics.DLQ_CONSOLE_INTEGRITY)) {
            assertThat(topics).as("docs/topics.md").contains("`" + t + "`");
        }
        assertThat(keys).hasSizeGreaterThan(12);
        for (String key : keys) {
            assertThat(config).as("docs/configuration.md").contains("`" + key + "`");
        }
        for (String metric : List.of("trailwatch_console_records_total", "trailwatch_console_dead_letters_total",
                "trailwatch_console_store_failures_total", "trailwatch_console_findings", "trailwatch_console_purged_total")) {
            assertThat(metrics).as("docs/metrics.md").contains("`" + metric + "`");
        }
    }
}

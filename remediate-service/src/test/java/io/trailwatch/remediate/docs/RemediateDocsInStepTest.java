package io.trailwatch.remediate.docs;

import io.trailwatch.model.Topics;
import io.trailwatch.remediate.config.RemediateConfig;
import io.trailwatch.testsupport.ConfigKeys;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The documentation names what remediate-service has: its topics, configuration keys and metrics. */
class RemediateDocsInStepTest {

    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void topicsKeysAndMetrics_areDocumented() throws IOException {
        String topics = Files.readString(DOCS.resolve("topics.md"));
        String config = Files.readString(DOCS.resolve("configuration.md"));
        String metrics = Files.readString(DOCS.resolve("metrics.md"));
        List<String> keys = ConfigKeys.of("trailwatch.remediate", RemediateConfig.class);

        for (String t : List.of(Topics.FINDINGS, Topics.REMEDIATIONS, Topics.REMEDIATE_LEDGER, Topics.REMEDIATE_CONTROL,
                Topics.DLQ_REMEDIATE_FINDINGS)) {
            assertThat(topics).as("docs/topics.md").contains("`" + t + "`");
        }
        assertThat(keys).hasSizeGreaterThan(15);
        for (String key : keys) {
            assertThat(config).as("docs/configuration.md").contains("`" + key + "`");
        }
        assertThat(metrics).contains("`trailwatch_remediate_outcomes_total`").contains("`trailwatch_remediate_dead_letters_total`");
    }
}

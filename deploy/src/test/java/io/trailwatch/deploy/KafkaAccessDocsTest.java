package io.trailwatch.deploy;

import io.trailwatch.devkit.KafkaAccess;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/kafka-access.md grants on other clusters exactly what the chart's KafkaUsers grant on Strimzi. */
class KafkaAccessDocsTest {

    @Test
    void theDocumentedKafkaAclsCommands_areExactlyTheAccessFiles() throws IOException {
        String docs = Files.readString(Path.of("..", "docs", "kafka-access.md"));
        var access = KafkaAccess.of(Chart.DIR);
        List<String> expected = new ArrayList<>();
        for (String service : access.services()) {
            for (KafkaAccess.Grant g : access.grants(service)) {
                String flag = switch (g.type()) {
                    case "topic" -> "--topic";
                    case "group" -> "--group";
                    case "transactionalId" -> "--transactional-id";
                    default -> "--cluster";
                };
                expected.add("kafka-acls.sh $ADMIN --add --allow-principal User:trailwatch-" + service + " "
                        + g.operations().stream().map(o -> "--operation " + o).collect(Collectors.joining(" ")) + " " + flag + " "
                        + g.name() + (g.prefix() ? " --resource-pattern-type prefixed" : ""));
            }
        }
        List<String> documented = docs.lines().filter(l -> l.startsWith("kafka-acls.sh ")).toList();

        assertThat(expected).hasSizeGreaterThan(15);
        assertThat(documented).containsExactlyInAnyOrderElementsOf(expected);
    }
}

package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** values.schema.json refuses what would otherwise be silently ignored, and README.md documents every value. */
class ValuesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "an unknown top-level key      | replicaCount       | 3",
            "a typo in a service block     | ingest.replicaz    | 3",
            "a typo in the Kafka block     | kafka.tls.enable   | true",
            "a wrong type                  | detect.replicas    | two",
            "an unknown autoscaling mode   | notify.autoscaling.mode | vpa",
            "a bad AWS region              | aws.region         | Europe",
    })
    void theSchema_rejects(String what, String key, String value) {
        Object typed = value.matches("\\d+") ? Integer.valueOf(value) : value.equals("true") ? Boolean.TRUE : value;
        assertThatThrownBy(() -> Chart.render(null, Map.of(key, typed))).as(what).hasMessageContaining("values don't meet the specifications of the schema");
    }

    @Test
    void theSchema_rejectsAValuesFileWithAWrongType(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "remediations:\n  allowedAccounts: [\"not-an-account\"]\n");
        assertThatThrownBy(() -> Chart.helm().template().withName("tw").withKubeVersion(Chart.KUBE_VERSION).withValuesFile(bad).call())
                .hasMessageContaining("allowedAccounts");
    }

    @Test
    void theReadme_documentsEveryValue() throws Exception {
        JsonNode values = new YAMLMapper().readTree(Chart.DIR.resolve("values.yaml").toFile());
        String readme = Files.readString(Chart.DIR.resolve("README.md"));
        List<String> missing = new ArrayList<>();
        for (String path : leaves(values, "")) {
            String documented = path.replaceFirst("^(ingest|detect|notify|remediate|console)\\.", "<service>.")
                    .replaceFirst("^topics\\.(\\w+)\\.", "topics.<topic>.");
            boolean topicNamed = !path.startsWith("topics.") || readme.contains("`topics." + path.split("\\.")[1] + "`");
            if (!(readme.contains("`" + path + "`") || readme.contains("`" + documented + "`")) || !topicNamed) {
                missing.add(path);
            }
        }
        assertThat(missing).as("values without a line in helm/trailwatch/README.md").isEmpty();
    }

    @Test
    void theChartsImages_areTheOnesTheServicesBuild() throws Exception {
        JsonNode values = new YAMLMapper().readTree(Chart.DIR.resolve("values.yaml").toFile());
        for (String service : List.of("ingest", "detect", "notify", "remediate")) {
            var properties = new java.util.Properties();
            try (var in = Files.newInputStream(Path.of("..", service + "-service", "src", "main", "resources", "application.properties"))) {
                properties.load(in);
            }
            assertThat(values.at("/" + service + "/image/repository").asText()).as(service)
                    .isEqualTo(properties.getProperty("quarkus.container-image.name"));
            assertThat(values.at("/image/registry").asText()).as(service)
                    .endsWith("/" + properties.getProperty("quarkus.container-image.group"));
        }
    }

    /** Dotted paths of the values' leaves (an empty map or list is a leaf, and so are Kubernetes objects). */
    private static List<String> leaves(JsonNode node, String prefix) {
        List<String> out = new ArrayList<>();
        boolean kubernetesObject = prefix.endsWith("resources") || prefix.equals("podSecurityContext");
        if (node.isObject() && !node.isEmpty() && !kubernetesObject) {
            node.fields().forEachRemaining(e -> out.addAll(leaves(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey())));
        } else {
            out.add(prefix);
        }
        return out;
    }
}

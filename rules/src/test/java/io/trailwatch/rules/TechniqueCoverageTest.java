package io.trailwatch.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Coverage;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.detect.engine.RuleTests;
import io.trailwatch.model.Finding;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every technique the pack lists ({@value Coverage#CATALOGUE}) is seen: its fixture, the CloudTrail records the
 * technique leaves (written from AWS's documentation of each API and its record), replayed through the built-in pack
 * in order, raises a finding of a rule that names the technique, in the category the catalogue gives.
 *
 * <p>A fixture is {@code techniques/<technique>.yaml}: {@code events}, each a CloudTrail record, or
 * {@code {repeat: N, every: 2s, vary: [requestParameters.instanceId], event: record}} for a technique that calls an API
 * many times (copy i gets eventID {@code <eventID>-i}, eventTime + i × every, and {@code -i} after each varied field:
 * thirty calls on thirty instances).
 */
class TechniqueCoverageTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void everyListedTechnique_hasARule() throws Exception {
        assertThat(Coverage.uncovered(Coverage.catalogue(), RulePack.builtIn())).as("listed techniques no rule names").isEmpty();
    }

    @Test
    void everyTechniqueARuleNames_isListed() throws Exception {
        var listed = Coverage.catalogue().stream().map(Coverage.Listed::technique).toList();
        assertThat(Coverage.byTechnique(RulePack.builtIn()).keySet()).as("techniques rules name but the catalogue lacks")
                .isSubsetOf(listed);
    }

    @TestFactory
    Stream<DynamicTest> eachTechniquesFixture_raisesAFindingOfARuleNamingIt_inItsCategory() throws Exception {
        List<Rule> pack = RulePack.builtIn();
        Map<String, Rule> byId = pack.stream().collect(Collectors.toMap(Rule::id, Function.identity()));
        Engine engine = new Engine(pack, Rule.Exceptions.NONE, RuleTests.CONTEXT);
        return Coverage.catalogue().stream().map(listed -> DynamicTest.dynamicTest(listed.technique(), () -> {
            var detector = new Detector(engine);
            List<Finding> findings = new ArrayList<>();
            for (ObjectNode record : fixture(listed.technique())) {
                findings.addAll(detector.process(Normalizer.normalize(record, null)));
            }
            findings.addAll(detector.flush());
            assertThat(findings).as("findings of %s's fixture", listed.technique())
                    .anySatisfy(f -> {
                        assertThat(byId.get(f.ruleId()).techniques()).contains(listed.technique());
                        assertThat(f.category()).isEqualTo(listed.category());
                    });
        }));
    }

    /** The records of a technique's fixture, repeats expanded, in order. */
    static List<ObjectNode> fixture(String technique) throws Exception {
        String resource = "techniques/" + technique + ".yaml";
        try (InputStream in = TechniqueCoverageTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as("fixture %s", resource).isNotNull();
            JsonNode root = YAML.readTree(in);
            assertThat(root.path("technique").asText()).as("%s names its technique", resource).isEqualTo(technique);
            List<ObjectNode> out = new ArrayList<>();
            for (JsonNode item : root.path("events")) {
                if (item.has("repeat")) {
                    ObjectNode event = (ObjectNode) item.get("event");
                    Duration every = Duration.parse("PT" + item.path("every").asText("1s").toUpperCase());
                    Instant start = Instant.parse(event.get("eventTime").asText());
                    for (int i = 0; i < item.get("repeat").asInt(); i++) {
                        ObjectNode copy = event.deepCopy();
                        copy.put("eventID", event.get("eventID").asText() + "-" + i);
                        copy.put("eventTime", start.plus(every.multipliedBy(i)).toString());
                        for (JsonNode vary : item.path("vary")) {
                            String[] path = vary.asText().split("\\.");
                            ObjectNode parent = copy;
                            for (int p = 0; p < path.length - 1; p++) {
                                parent = (ObjectNode) parent.get(path[p]);
                            }
                            String last = path[path.length - 1];
                            parent.put(last, parent.get(last).asText() + "-" + i);
                        }
                        out.add(copy);
                    }
                } else {
                    out.add((ObjectNode) item);
                }
            }
            assertThat(out).as("%s has events", resource).isNotEmpty();
            return out;
        }
    }
}

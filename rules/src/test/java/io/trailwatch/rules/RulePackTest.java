package io.trailwatch.rules;

import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.detect.engine.RuleParser;
import io.trailwatch.detect.engine.RuleTests;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** The built-in pack: every rule parses, and every rule's every case runs as its own test. */
class RulePackTest {

    private static final Path ROOT = Path.of("src/main/resources/rules");

    @TestFactory
    Stream<DynamicTest> everyCaseOfEveryRule() throws Exception {
        return RulePack.builtIn().stream().flatMap(rule -> rule.tests().stream().map(test ->
                DynamicTest.dynamicTest(rule.id() + " :: " + test.name(), () -> {
                    var result = RuleTests.run(rule, test);
                    assertThat(result.passed()).as(result.detail()).isTrue();
                })));
    }

    @Test
    void theIndexNamesEveryRuleFile_andNothingElse() throws Exception {
        List<String> indexed = Files.readAllLines(ROOT.resolve("index.txt")).stream().filter(l -> !l.isBlank()).toList();
        List<String> files;
        try (Stream<Path> walk = Files.walk(ROOT.resolve("cloudtrail"))) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).map(p -> ROOT.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
        assertThat(indexed).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void theTablesInTheDocs_areTheOnesTheRulesMetadataGives() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "rules.md"));
        String block = doc.substring(doc.indexOf("<!-- rules:begin -->\n") + "<!-- rules:begin -->\n".length(), doc.indexOf("<!-- rules:end -->"));
        assertThat(block).as("docs/rules.md's tables; regenerate them with ./trailwatch rules docs --write docs/rules.md")
                .isEqualTo(io.trailwatch.detect.engine.Coverage.markdown(RulePack.builtIn()));
    }

    @Test
    void everyCategory_isExplainedInTheDocs() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "rules.md"));
        String categories = doc.substring(doc.indexOf("## Categories"), doc.indexOf("## Attempts"));
        for (String c : io.trailwatch.detect.engine.Categories.ALL) {
            assertThat(categories).as("docs/rules.md, Categories").contains("`" + c + "`");
        }
    }

    @Test
    void theTemplate_isAValidRule() throws Exception {
        Rule template = RuleParser.parse("what-happened-in-a-few-words.yaml", Files.readString(Path.of("template.yaml")));
        assertThat(RuleTests.runAll(List.of(template))).allMatch(RuleTests.Result::passed);
    }

    @Test
    void everyRuleIsIndexed_soNoRuleRunsForEveryEvent() throws Exception {
        var engine = new Engine(RulePack.builtIn(), Rule.Exceptions.NONE, RuleTests.CONTEXT);

        assertThat(engine.unindexed()).extracting(Rule::id).isEmpty();
    }
}

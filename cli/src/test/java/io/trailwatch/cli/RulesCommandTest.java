package io.trailwatch.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * ./trailwatch rules test DIR: a line per failing case, then the count. ./trailwatch rules coverage: technique and CIS
 * control to rules. ./trailwatch rules docs: the tables of docs/rules.md.
 */
class RulesCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void printsEachFailingCase_andTheCounts(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("iam"));
        Files.writeString(dir.resolve("iam/good.yaml"), rule("good", "{field: eventName, equals: GetRole}"));
        Files.writeString(dir.resolve("iam/wrong.yaml"), rule("wrong", "{field: eventName, equals: GetRoles}"));

        int exit = run(dir.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(lines()).containsExactly(
                "FAIL wrong :: matches: iam/wrong.yaml:10: expected a match but the rule did not match",
                "3 passed, 1 failed");
    }

    @Test
    void aRuleThatDoesNotParse_isReportedWithItsLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), rule("bad", "{field: eventName, equal: GetRole}"));

        assertThat(run(dir.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("bad.yaml:8: unknown operator 'equal'");
    }

    @Test
    void allPassing_exitsZero(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("good.yaml"), rule("good", "{field: eventName, equals: GetRole}"));

        assertThat(run(dir.toString())).isZero();
        assertThat(lines()).containsExactly("2 passed, 0 failed");
    }

    @Test
    void coverage_mapsEachListedTechniqueAndCisControl_toItsRules() throws Exception {
        assertThat(command("rules", "coverage")).isZero();

        assertThat(lines()).contains("Attack techniques (Stratus Red Team ids): 44 listed, 44 covered, 44 named by rules")
                .anyMatch(l -> l.matches(" +aws\\.defense-evasion\\.cloudtrail-stop +cloudtrail-stop-logging"))
                .anyMatch(l -> l.matches(" +4\\.3 Usage of the root account +root-api-activity, root-console-login, root-credentials-changed"))
                .noneMatch(l -> l.contains("NOT COVERED"));
    }

    @Test
    void coverage_withOwnRules_addsTheirTechniques_andRefusesABrokenRule(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("mine.yaml"), rule("mine", "{field: eventName, equals: GetRole}")
                .replace("maturity:", "techniques: [aws.discovery.my-own-technique]\nmaturity:"));

        assertThat(command("rules", "coverage", dir.toString())).isZero();
        assertThat(lines()).anyMatch(l -> l.matches(" +aws\\.discovery\\.my-own-technique +mine"))
                .contains("Attack techniques (Stratus Red Team ids): 44 listed, 44 covered, 45 named by rules");

        Files.writeString(dir.resolve("mine.yaml"), rule("mine", "{field: eventName, equal: GetRole}"));
        assertThat(command("rules", "coverage", dir.toString())).isEqualTo(2);
    }

    @Test
    void docs_writesTheTablesBetweenTheMarkers_andLeavesTheRestOfTheFile(@TempDir Path dir) throws Exception {
        Path doc = dir.resolve("rules.md");
        Files.writeString(doc, "# Rules\n\nintro\n<!-- rules:begin -->\nstale\n<!-- rules:end -->\n\nafter\n");

        assertThat(command("rules", "docs", "--write", doc.toString())).isZero();

        String text = Files.readString(doc);
        assertThat(text).startsWith("# Rules\n\nintro\n<!-- rules:begin -->\n| Rule | Category | Severity | CIS control | Techniques |")
                .contains("| `cloudtrail-stop-logging` | `cloudtrail-tampering` | high | 4.5 CloudTrail configuration changes | cloudtrail-stop |")
                .contains("| `aws.impact.s3-ransomware-batch-deletion` | `s3-versions-listed-then-batch-deleted` |")
                .endsWith("<!-- rules:end -->\n\nafter\n").doesNotContain("stale");
        Files.writeString(doc, "no markers");
        assertThat(command("rules", "docs", "--write", doc.toString())).isEqualTo(2);
    }

    private int run(String... args) throws Exception {
        return command(java.util.stream.Stream.concat(java.util.stream.Stream.of("rules", "test"), java.util.stream.Stream.of(args))
                .toArray(String[]::new));
    }

    private int command(String... args) {
        return Trailwatch.commandLine()
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    /** A rule of fixtures/rules/template.yaml with its id and condition: its first test matches GetRole of IAM. */
    private static String rule(String id, String match) throws Exception {
        String template = new String(RulesCommandTest.class.getResourceAsStream("/fixtures/rules/template.yaml").readAllBytes(),
                StandardCharsets.UTF_8);
        return template.replace("RULE_ID", id).replace("CONDITION", match);
    }

    private java.util.List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }
}

package io.trailwatch.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** ./trailwatch rules test DIR: a line per failing case, then the count. */
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

    private int run(String... args) throws Exception {
        return Trailwatch.commandLine()
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .execute(java.util.stream.Stream.concat(java.util.stream.Stream.of("rules", "test"), java.util.stream.Stream.of(args))
                        .toArray(String[]::new));
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

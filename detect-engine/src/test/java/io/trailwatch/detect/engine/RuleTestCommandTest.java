package io.trailwatch.detect.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** ./trailwatch rules test DIR: a line per failing case, then the count. */
class RuleTestCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void printsEachFailingCase_andTheCounts(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("iam"));
        Files.writeString(dir.resolve("iam/good.yaml"), Events.rule("good", "{field: eventName, equals: GetRole}"));
        Files.writeString(dir.resolve("iam/wrong.yaml"), Events.rule("wrong", "{field: eventName, equals: GetRoles}"));

        int exit = run(dir.toString());

        assertThat(exit).isEqualTo(1);
        assertThat(lines()).containsExactly(
                "FAIL wrong :: matches: iam/wrong.yaml:10: expected a match but the rule did not match",
                "3 passed, 1 failed");
    }

    @Test
    void aRuleThatDoesNotParse_isReportedWithItsLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), Events.rule("bad", "{field: eventName, equal: GetRole}"));

        assertThat(run(dir.toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("bad.yaml:8: unknown operator 'equal'");
    }

    @Test
    void allPassing_exitsZero(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("good.yaml"), Events.rule("good", "{field: eventName, equals: GetRole}"));

        assertThat(run(dir.toString())).isZero();
        assertThat(lines()).containsExactly("2 passed, 0 failed");
    }

    private int run(String... args) throws Exception {
        return RuleTestCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private java.util.List<String> lines() {
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }
}

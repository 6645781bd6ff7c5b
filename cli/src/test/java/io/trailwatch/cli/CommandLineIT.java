package io.trailwatch.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged command line, run as a process from what this build produced ({@code target/trailwatch-cli.jar} and
 * {@code target/lib/}), in a directory of its own, as the trailwatch script runs it: nothing comes from a Maven
 * repository.
 */
class CommandLineIT {

    private static final Path JAR = Path.of("target", "trailwatch-cli.jar").toAbsolutePath();

    @TempDir
    Path elsewhere;

    @Test
    void rulesTest_runsTheBuiltInPacksOwnTests() throws Exception {
        Result r = run("rules", "test");

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out.lines().reduce((a, b) -> b).orElse("")).matches("[1-9][0-9]* passed, 0 failed");
    }

    @Test
    void detect_onACloudTrailLogFile_printsItsFinding() throws Exception {
        Path trail = Path.of("src/test/resources/fixtures/trails/111122223333_CloudTrail_eu-west-1_20260302T1005Z_stop-logging.json")
                .toAbsolutePath();

        Result r = run("detect", trail.toString());

        assertThat(r.exit).as(r.err).isZero();
        assertThat(r.out.lines().toList()).singleElement().satisfies(line -> assertThat(line)
                .contains("\"ruleId\":\"cloudtrail-stop-logging\"").contains("\"accountId\":\"111122223333\""));
    }

    @Test
    void anUnknownOption_isAnErrorThatNamesIt_andPrintsTheUsage() throws Exception {
        Result r = run("detect", "--no-such-flag", "x");

        assertThat(r.exit).isEqualTo(2);
        assertThat(r.out).isEmpty();
        assertThat(r.err).contains("Unknown option: '--no-such-flag'").contains("Usage: trailwatch detect");
    }

    @Test
    void version_isTheBuildsVersion() throws Exception {
        Result r = run("--version");

        assertThat(r.exit).isZero();
        assertThat(r.out.strip()).startsWith("trailwatch 0.").doesNotContain("development");
    }

    private record Result(int exit, String out, String err) {
    }

    private Result run(String... args) throws IOException, InterruptedException {
        assertThat(JAR).as("the package phase builds the command line").exists();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", JAR.toString()));
        cmd.addAll(List.of(args));
        Path out = elsewhere.resolve("out.txt");
        Path err = elsewhere.resolve("err.txt");
        Process p = new ProcessBuilder(cmd).directory(elsewhere.toFile()).redirectOutput(out.toFile())
                .redirectError(err.toFile()).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished").isTrue();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}

package io.trailwatch.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * AWS's CloudFormation linter (cfn-lint, from the Python package registry), run as a child process. When no
 * {@code cfn-lint} is on the PATH it is installed into a virtual environment under ~/.cache/trailwatch (or, where
 * Python has no venv module, with {@code pip install --user}), at the version below.
 */
final class CfnLint {

    static final String VERSION = "1.51.0";
    private static final Path VENV = Path.of(System.getProperty("user.home"), ".cache", "trailwatch", "cfn-lint-" + VERSION);
    /** The console script's entry point, for a user install whose scripts directory is not on the PATH. */
    private static final String RUN_MODULE = "import sys; from cfnlint.runner import main; sys.exit(main())";

    private static List<String> command;

    private CfnLint() {
    }

    /** A problem cfn-lint reports: its rule id (E... an error, W... a warning, I... information) and the line. */
    record Problem(String line) {
        String rule() {
            String[] parts = line.split(":");
            return parts.length > 5 ? parts[5] : "";
        }

        boolean error() {
            return rule().startsWith("E");
        }
    }

    /** The problems cfn-lint finds in these templates, for these regions. */
    static List<Problem> lint(List<Path> templates, List<String> regions) {
        List<String> cmd = new ArrayList<>(command());
        cmd.add("--format");
        cmd.add("parseable");
        cmd.add("--regions");
        cmd.addAll(regions);
        cmd.add("--");
        templates.forEach(t -> cmd.add(t.toString()));
        Result r = run(cmd);
        // 0: clean; 2: errors; 4: warnings; 6: both; 8: information (sums of these). Anything else: cfn-lint failed.
        if (r.exit() % 2 != 0 || r.exit() > 14) {
            throw new IllegalStateException("cfn-lint failed (exit " + r.exit() + "): " + r.output());
        }
        List<Problem> out = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            if (!line.isBlank()) {
                out.add(new Problem(line.strip()));
            }
        }
        return out;
    }

    static synchronized List<String> command() {
        if (command != null) {
            return command;
        }
        if (works(List.of("cfn-lint", "--version"))) {
            return command = List.of("cfn-lint");
        }
        Path venvLint = VENV.resolve("bin").resolve("cfn-lint");
        if (!Files.isExecutable(venvLint)) {
            Path venvPip = VENV.resolve("bin").resolve("pip");
            if (works(List.of("python3", "-m", "venv", VENV.toString())) && Files.isExecutable(venvPip)) {
                require(List.of(venvPip.toString(), "install", "--quiet", "cfn-lint==" + VERSION));
            }
        }
        if (Files.isExecutable(venvLint)) {
            return command = List.of(venvLint.toString());
        }
        List<String> viaModule = List.of("python3", "-c", RUN_MODULE);
        if (!works(append(viaModule, "--version"))) {
            List<String> pip = List.of("python3", "-m", "pip", "install", "--quiet", "--user", "cfn-lint==" + VERSION);
            if (!works(pip)) {
                // Python that an OS package manager owns (PEP 668) takes a user install only when told to.
                require(append(pip, "--break-system-packages"));
            }
        }
        require(append(viaModule, "--version"));
        return command = viaModule;
    }

    private static List<String> append(List<String> cmd, String arg) {
        List<String> out = new ArrayList<>(cmd);
        out.add(arg);
        return out;
    }

    private record Result(int exit, String output) {
    }

    private static boolean works(List<String> cmd) {
        try {
            return run(cmd).exit() == 0;
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    private static void require(List<String> cmd) {
        Result r = run(cmd);
        if (r.exit() != 0) {
            throw new IllegalStateException("cfn-lint could not be installed: `" + String.join(" ", cmd) + "` exited "
                    + r.exit() + ": " + r.output() + " (it needs Python 3 with pip, and the Python package registry)");
        }
    }

    private static Result run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + cmd);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}

package io.trailwatch.cli;

import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RuleParseException;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.detect.engine.RuleTests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./trailwatch rules ...}: working with rules. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Work with rules.",
        subcommands = RulesCommand.Test.class)
final class RulesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing a subcommand: rules test [DIR]");
    }

    /**
     * {@code ./trailwatch rules test [DIR]}: runs every rule's embedded tests (the built-in pack, or the rules under
     * DIR), prints a line per failing case and a last line {@code N passed, N failed}.
     */
    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Runs every rule's embedded tests: the built-in pack, or the rules under DIR. Prints a line "
                    + "per failing case and 'N passed, N failed'.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:every case passed", "1:a case failed", "2:bad options, or a rule that does not parse"})
    static final class Test implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", arity = "0..1", description = "A directory of rules (trailwatch YAML or Sigma).")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            if (dir != null && !Files.isDirectory(dir)) {
                err.println("trailwatch rules test: " + dir + " is no directory");
                return 2;
            }
            List<Rule> rules;
            try {
                rules = dir == null ? RulePack.builtIn() : RulePack.directory(dir);
            } catch (RuleParseException e) {
                err.println(e.getMessage());
                return 2;
            } catch (java.io.IOException e) {
                err.println("trailwatch rules test: " + dir + ": " + e.getMessage());
                return 2;
            }
            var results = RuleTests.runAll(rules);
            long failed = 0;
            for (var r : results) {
                if (!r.passed()) {
                    failed++;
                    out.println("FAIL " + r.name() + ": " + r.detail());
                }
            }
            out.println((results.size() - failed) + " passed, " + failed + " failed");
            out.flush();
            return failed == 0 ? 0 : 1;
        }
    }
}

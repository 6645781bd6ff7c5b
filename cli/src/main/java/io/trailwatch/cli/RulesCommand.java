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
        subcommands = {RulesCommand.Test.class, RulesCommand.CoverageReport.class, RulesCommand.Docs.class})
final class RulesCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Missing a subcommand: rules test [DIR], rules coverage [DIR], rules docs [--write FILE]");
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

    /** The built-in pack, or the pack with the rules under DIR added (a rule with a built-in id replaces it). */
    private static List<Rule> pack(Path dir) throws RuleParseException, java.io.IOException {
        return dir == null ? RulePack.builtIn() : RulePack.withOverrides(RulePack.builtIn(), RulePack.directory(dir));
    }

    /**
     * {@code ./trailwatch rules coverage [DIR]}: technique → rules and CIS control → rules, from the rules' metadata; exit
     * code 1 when a technique the built-in pack lists has no rule.
     */
    @Command(name = "coverage", mixinStandardHelpOptions = true,
            description = "Prints attack technique -> rules and CIS 4.x control -> rules, from the rules' metadata: the "
                    + "built-in pack, with the rules under DIR added.",
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:every listed technique has a rule", "1:a listed technique has none",
                    "2:bad options, or a rule that does not parse"})
    static final class CoverageReport implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", arity = "0..1", description = "A directory of your own rules, added to the pack.")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<Rule> rules;
            try {
                rules = pack(dir);
            } catch (RuleParseException e) {
                err.println(e.getMessage());
                return 2;
            } catch (java.io.IOException e) {
                err.println("trailwatch rules coverage: " + dir + ": " + e.getMessage());
                return 2;
            }
            var catalogue = io.trailwatch.detect.engine.Coverage.catalogue();
            out.print(io.trailwatch.detect.engine.Coverage.report(catalogue, rules));
            out.flush();
            return io.trailwatch.detect.engine.Coverage.uncovered(catalogue, rules).isEmpty() ? 0 : 1;
        }
    }

    /**
     * {@code ./trailwatch rules docs [--write FILE]}: the rule and technique tables of docs/rules.md, printed, or written
     * between the file's {@code <!-- rules:begin -->} and {@code <!-- rules:end -->} markers.
     */
    @Command(name = "docs", mixinStandardHelpOptions = true,
            description = "Prints the rule and technique tables of docs/rules.md, or writes them into FILE between its "
                    + "'<!-- rules:begin -->' and '<!-- rules:end -->' markers.")
    static final class Docs implements Callable<Integer> {

        static final String BEGIN = "<!-- rules:begin -->";
        static final String END = "<!-- rules:end -->";

        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Option(names = "--write", paramLabel = "FILE", description = "The markdown file to update.")
        Path write;

        @Override
        public Integer call() throws Exception {
            String tables = io.trailwatch.detect.engine.Coverage.markdown(RulePack.builtIn());
            if (write == null) {
                spec.commandLine().getOut().print(tables);
                spec.commandLine().getOut().flush();
                return 0;
            }
            String text = Files.readString(write);
            int begin = text.indexOf(BEGIN);
            int end = text.indexOf(END);
            if (begin < 0 || end < begin) {
                spec.commandLine().getErr().println("trailwatch rules docs: " + write + " has no " + BEGIN + " ... " + END + " block");
                return 2;
            }
            Files.writeString(write, text.substring(0, begin + BEGIN.length()) + "\n" + tables + text.substring(end));
            return 0;
        }
    }
}

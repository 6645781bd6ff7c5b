package io.trailwatch.detect.engine;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ./trailwatch rules test [DIR]}: runs every rule's embedded tests (the built-in pack, or the rules under
 * DIR), prints a line per failing case and a last line {@code N passed, N failed}. Exits 1 when a case failed, 2 when
 * a rule does not parse.
 */
public final class RuleTestCommand {

    private RuleTestCommand() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        List<Rule> rules;
        try {
            if (args.length == 0) {
                rules = RulePack.builtIn();
            } else if (args.length == 1 && Files.isDirectory(Path.of(args[0]))) {
                rules = RulePack.directory(Path.of(args[0]));
            } else {
                err.println("usage: ./trailwatch rules test [DIR]");
                return 2;
            }
        } catch (RuleParseException e) {
            err.println(e.getMessage());
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
        return failed == 0 ? 0 : 1;
    }
}

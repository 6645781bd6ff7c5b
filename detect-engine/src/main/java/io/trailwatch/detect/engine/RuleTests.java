package io.trailwatch.detect.engine;

import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.Normalizer;

import java.util.ArrayList;
import java.util.List;

/** Runs rules' embedded tests: each test event is normalized as ingest-service would, then evaluated. */
public final class RuleTests {

    /**
     * One case's outcome.
     *
     * @param rule   the rule
     * @param test   the case
     * @param passed whether the rule did what the case expects
     * @param detail why it failed, or null
     */
    public record Result(Rule rule, Rule.Test test, boolean passed, String detail) {
        /** {@code <rule-id> :: <case>}. */
        public String name() {
            return rule.id() + " :: " + test.name();
        }
    }

    private RuleTests() {
    }

    public static Result run(Engine engine, Rule rule, Rule.Test test) {
        try {
            var event = Normalizer.normalize(test.event().deepCopy(), null);
            boolean matched = engine.matches(rule, event);
            if (matched == test.expect()) {
                return new Result(rule, test, true, null);
            }
            return new Result(rule, test, false, rule.source() + ":" + test.line() + ": expected "
                    + (test.expect() ? "a match" : "no match") + " but the rule " + (matched ? "matched" : "did not match"));
        } catch (InvalidRecordException e) {
            return new Result(rule, test, false, rule.source() + ":" + test.line() + ": the test event is no valid record: "
                    + e.getMessage());
        }
    }

    /** Every case of every rule of the engine. */
    public static List<Result> runAll(Engine engine) {
        List<Result> out = new ArrayList<>();
        for (Rule r : engine.rules()) {
            for (Rule.Test t : r.tests()) {
                out.add(run(engine, r, t));
            }
        }
        return out;
    }
}

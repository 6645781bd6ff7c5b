package io.trailwatch.detect.engine;

import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.Normalizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs rules' embedded tests: each test event is normalized as ingest-service would, then evaluated against the rule
 * as written (its own exceptions, none of a deployment's), in {@link #CONTEXT}.
 */
public final class RuleTests {

    /**
     * What embedded tests run with, in place of a deployment's country database and lists, so that rules needing
     * them can be tested: the documentation networks of RFC 5737 and RFC 3849 have fixed countries
     * ({@code 203.0.113.0/24} AU, {@code 198.51.100.0/24} NZ, {@code 192.0.2.0/24} US, {@code 2001:db8::/32} DE);
     * the list {@code allowed-countries} is [AU] and {@code trusted-accounts} is [777788889999].
     */
    public static final Engine.Context CONTEXT = new Engine.Context(RuleTests::testCountry,
            java.util.Map.of("allowed-countries", java.util.Set.of("AU"), "trusted-accounts", java.util.Set.of("777788889999")));

    private static String testCountry(String ip) {
        byte[] a = Operators.Cidr.address(ip);
        if (a == null) {
            return null;
        }
        if (a.length == 16) {
            return (a[0] & 0xff) == 0x20 && (a[1] & 0xff) == 0x01 && (a[2] & 0xff) == 0x0d && (a[3] & 0xff) == 0xb8 ? "DE" : null;
        }
        String net = (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff);
        return switch (net) {
            case "203.0.113" -> "AU";
            case "198.51.100" -> "NZ";
            case "192.0.2" -> "US";
            default -> null;
        };
    }

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

    public static Result run(Rule rule, Rule.Test test) {
        if (rule.sequence() != null) {
            return runSequence(rule, test);
        }
        try {
            var event = Normalizer.normalize(test.event().deepCopy(), null);
            var view = new EventView(event, CONTEXT);
            if (test.attempt()) {
                boolean attempted = new Engine(List.of(rule), Rule.Exceptions.NONE, CONTEXT).attempted(rule, event);
                return attempted ? new Result(rule, test, true, null) : new Result(rule, test, false, rule.source() + ":"
                        + test.line() + ": expected an attempt (a refused call, errorCode one of " + new java.util.TreeSet<>(Engine.DENIALS)
                        + ", that the rule would match had it been allowed) but got none");
            }
            boolean matched = rule.match().test(view) && !Engine.excepted(rule.exceptions(), event);
            if (matched == test.expect()) {
                String lacking = matched ? lackingKeyPath(rule, view) : null;
                if (lacking != null) {
                    return new Result(rule, test, false, rule.source() + ":" + test.line() + ": the key path '" + lacking
                            + "' reaches no value in this matching case; every such event would be a key of its own");
                }
                return new Result(rule, test, true, null);
            }
            return new Result(rule, test, false, rule.source() + ":" + test.line() + ": expected "
                    + (test.expect() ? "a match" : "no match") + " but the rule " + (matched ? "matched" : "did not match"));
        } catch (InvalidRecordException e) {
            return new Result(rule, test, false, rule.source() + ":" + test.line() + ": the test event is no valid record: "
                    + e.getMessage());
        }
    }

    /** A sequence's case: its events, in order, through a detector of this rule alone; a finding or none. */
    private static Result runSequence(Rule rule, Rule.Test test) {
        try {
            var detector = new Detector(new Engine(List.of(rule), Rule.Exceptions.NONE, CONTEXT));
            List<io.trailwatch.model.Finding> findings = new ArrayList<>();
            for (var record : test.events()) {
                findings.addAll(detector.process(Normalizer.normalize(record.deepCopy(), null)));
            }
            boolean found = !findings.isEmpty();
            return found == test.expect() ? new Result(rule, test, true, null)
                    : new Result(rule, test, false, rule.source() + ":" + test.line() + ": expected "
                    + (test.expect() ? "the sequence to complete" : "no finding") + " but " + (found ? "it completed" : "it did not complete"));
        } catch (InvalidRecordException e) {
            return new Result(rule, test, false, rule.source() + ":" + test.line() + ": a test event is no valid record: "
                    + e.getMessage());
        }
    }

    /**
     * The first key path of the rule (dedup key, threshold group, first-seen key and value) that reaches no value in an
     * event it matches, or null. Such a key cannot group anything: its events fall back to a key each.
     */
    private static String lackingKeyPath(Rule rule, EventView view) {
        List<FieldPath> paths = new ArrayList<>();
        if (rule.dedup() != null) {
            paths.addAll(rule.dedup().key());
        }
        if (rule.threshold() != null) {
            paths.addAll(rule.threshold().groupBy());
        }
        if (rule.firstSeen() != null) {
            paths.addAll(rule.firstSeen().key());
            paths.add(rule.firstSeen().value());
        }
        for (FieldPath p : paths) {
            if (p.function() == null && p.values(view).isEmpty()) {
                return p.toString();
            }
        }
        return null;
    }

    /** Every case of every rule. */
    public static List<Result> runAll(List<Rule> rules) {
        List<Result> out = new ArrayList<>();
        for (Rule r : rules) {
            for (Rule.Test t : r.tests()) {
                out.add(run(r, t));
            }
        }
        return out;
    }
}

package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One detection rule, as read from its YAML file. Immutable.
 *
 * @param id          matches the file name without {@code .yaml}
 * @param title       one line, for people
 * @param description what the rule finds and why it matters
 * @param severity    the one source of truth for the finding's severity
 * @param category    exactly one of {@link Categories#ALL}
 * @param mitre       MITRE ATT&amp;CK technique ids, e.g. {@code T1562.008}
 * @param techniques  attack techniques the rule detects, as Stratus Red Team names them, e.g.
 *                    {@code aws.defense-evasion.cloudtrail-stop} ({@link Coverage})
 * @param cis         CIS AWS Foundations Benchmark monitoring controls the rule implements, e.g. {@code 4.5}
 * @param references  links
 * @param runbook     what a responder does
 * @param maturity    stable, incubating or deprecated
 * @param match       the condition an event must meet
 * @param dedup       how findings of this rule are grouped, or null
 * @param threshold   how many matches within a window make a finding, or null (every match is one)
 * @param firstSeen   a finding for the first value of a field per key after a learning period, or null
 * @param sequence    a finding when events of several steps happen by one key within a window, or null
 * @param requires    what the deployment must provide for the rule to run: {@code geo} (a country database) or
 *                    {@code list:<name>} (a non-empty named list); the rule is inactive without them
 * @param exceptions  principals, roles, accounts and networks the rule never fires for
 * @param tests       the rule's own test events
 * @param source      the file it came from
 * @param attempts    the severity of a finding for the rule's call when it was refused (access denied), lower than
 *                    {@code severity}; null: refused calls are no findings of this rule
 * @param denied      whether this is the variant of a rule that reports refused calls ({@link #deniedVariant})
 */
public record Rule(String id, String title, String description, Severity severity, String category, List<String> mitre,
                   List<String> techniques, List<String> cis, List<String> references, String runbook, Maturity maturity, Condition match, Dedup dedup,
                   Threshold threshold, FirstSeen firstSeen, Sequence sequence, List<String> requires, Exceptions exceptions, List<Test> tests,
                   String source, Severity attempts, boolean denied) {

    /** How a refused call's finding is grouped: per principal (or caller address) and account, per hour. */
    public static final String DENIED_KEY = "userIdentity.arn|userIdentity.principalId|sourceIPAddress";

    /**
     * The rule that reports its call when refused: same id, category and metadata, the {@code attempts} severity, a
     * title that says it was denied, grouped per principal and account per hour (an attacker probing a hundred times
     * is one finding that grows). Its findings have outcome {@code denied} and are never remediated.
     */
    public Rule deniedVariant() {
        if (attempts == null) {
            throw new IllegalStateException("rule " + id + " reports no attempts");
        }
        return new Rule(id, "Attempt denied: " + title, description, attempts, category, mitre, techniques, cis, references,
                runbook, maturity, match, new Dedup(List.of(FieldPath.of(DENIED_KEY), FieldPath.of("recipientAccountId")),
                Duration.ofHours(1)), null, null, null, requires, exceptions, List.of(), source, null, true);
    }

    /** Whether the rule keeps state beyond one event (thresholds, first use and sequences). */
    public boolean stateful() {
        return threshold != null || firstSeen != null || sequence != null;
    }

    public enum Severity { INFO, LOW, MEDIUM, HIGH, CRITICAL }

    public enum Maturity { STABLE, INCUBATING, DEPRECATED }

    /**
     * Findings with the same rule and the same values of these fields within the period are one finding.
     *
     * @param key    field paths
     * @param period the window
     */
    public record Dedup(List<FieldPath> key, Duration period) {
    }

    /**
     * A finding only when {@code count} matches with the same group key fall within {@code window} of event time.
     *
     * @param count    matches needed (with {@code distinct}: different values needed)
     * @param window   the window, on event time
     * @param groupBy  field paths whose values form the group key
     * @param baseline the group's own usual peak, or null
     * @param distinct a field whose different values are counted instead of matches (a principal denied on ten
     *                 different actions, not ten times on one), or null
     */
    public record Threshold(int count, Duration window, List<FieldPath> groupBy, Baseline baseline, FieldPath distinct) {

        public Threshold(int count, Duration window, List<FieldPath> groupBy, Baseline baseline) {
            this(count, window, groupBy, baseline, null);
        }
    }

    /**
     * A group's own normal: its usual peak, the 95th percentile of its match counts per window (empty windows count
     * as zero) over its history (up to {@code history}, from its first match). A burst needs more than
     * {@code factor} times that peak as well as the threshold's count, so a principal who always fails a little, or
     * a job that fails the same way every hour, pages once rather than every window.
     *
     * @param history how far back the usual peak looks
     * @param factor  how many times its usual peak a group must exceed
     */
    public record Baseline(Duration history, double factor) {
    }

    /**
     * First use: per key (e.g. the account), the values of {@code value} seen so far. During {@code learning} from the
     * key's first matching event (event time) values are learned silently; after it, a value never seen before makes
     * a finding, once.
     *
     * @param key      field paths whose values form the key
     * @param value    the field whose new values are reported
     * @param learning the silent period from the key's first event
     */
    public record FirstSeen(List<FieldPath> key, FieldPath value, Duration learning) {
    }

    /**
     * A correlation: one event of each step, by the same key, within {@code window} of the first (event time), in the
     * steps' order when {@code ordered}. The rule's own match is any step's, so the engine indexes it as usual.
     *
     * @param steps   at least two
     * @param window  how long from the first step the last may come
     * @param ordered whether the steps must happen in the order written
     */
    public record Sequence(List<Step> steps, Duration window, boolean ordered) {
    }

    /**
     * One step of a sequence.
     *
     * @param name  what happened, for people and the finding
     * @param match the condition an event of this step meets
     * @param by    the key that ties the steps together (field paths); each step names the same thing, maybe by
     *              different paths (a role's name in UpdateAssumeRolePolicy, its ARN in AssumeRole)
     */
    public record Step(String name, Condition match, List<FieldPath> by) {
    }

    /**
     * Who the rule never fires for. A deployment adds to these through configuration, without editing the rule.
     *
     * @param principals  principal ARNs or user names
     * @param roleArns    session issuer (role) ARNs
     * @param accounts    account ids
     * @param sourceCidrs networks of the caller's source IP
     */
    public record Exceptions(Set<String> principals, Set<String> roleArns, Set<String> accounts, List<String> sourceCidrs) {
        public static final Exceptions NONE = new Exceptions(Set.of(), Set.of(), Set.of(), List.of());

        /** Exceptions from configuration; a source CIDR that is no CIDR block is an IllegalArgumentException. */
        public static Exceptions of(java.util.Collection<String> principals, java.util.Collection<String> roleArns,
                                    java.util.Collection<String> accounts, List<String> sourceCidrs) {
            sourceCidrs.forEach(Operators.Cidr::parse);
            return new Exceptions(Set.copyOf(principals), Set.copyOf(roleArns), Set.copyOf(accounts), List.copyOf(sourceCidrs));
        }
    }

    /**
     * One embedded test: a CloudTrail record and whether the rule must match it.
     *
     * @param name   what the case shows
     * @param expect  true: the rule matches; false: it does not
     * @param attempt true: the event is a refused call that the rule reports as an attempt ({@code expect: attempt})
     * @param event   the CloudTrail record, as CloudTrail writes it (null in a sequence's case)
     * @param events  a sequence's case: the records, in order (empty otherwise)
     * @param line    where the case starts in the file
     */
    public record Test(String name, boolean expect, boolean attempt, ObjectNode event, List<ObjectNode> events, int line) {
    }
}

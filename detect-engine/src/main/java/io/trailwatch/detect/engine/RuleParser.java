package io.trailwatch.detect.engine;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one rule from YAML, strictly: an unknown key, a missing required key, a wrong type, an unknown operator, a
 * regex that does not compile or a bad CIDR is an error naming the file, the line and the problem. Thread-safe.
 *
 * <pre>
 * id: cloudtrail-stop-logging            # the file name without .yaml
 * title: CloudTrail logging was stopped
 * description: ...
 * severity: high                          # info, low, medium, high, critical
 * category: cloudtrail-tampering
 * mitre: [T1562.008]
 * techniques: [aws.defense-evasion.cloudtrail-stop]   # optional: Stratus Red Team technique ids
 * cis: ['4.5']                            # optional: CIS AWS Foundations monitoring controls
 * references: [https://...]
 * runbook: ...
 * maturity: stable                        # stable, incubating, deprecated
 * attempts: medium                        # optional: the severity of the call when refused (below severity)
 * match:                                  # all / any: [conditions]; not: condition; or a predicate:
 *   all:                                  #   field: a.b.c, one operator, optional ignoreCase, quantifier: any|all
 *     - { field: eventSource, equals: cloudtrail.amazonaws.com }
 *     - { field: eventName, in: [StopLogging] }
 * dedup: { key: [recipientAccountId], period: 1h }                 # optional
 * threshold: { count: 20, window: 10m, groupBy: [sourceIPAddress] } # optional; baseline: {history: 7d, factor: 3}
 *                                         # or distinct: eventName (count different values, not matches)
 * firstSeen: { key: [recipientAccountId], value: eventSource, learning: 7d } # optional, instead of a threshold
 * sequence:                               # optional, instead of match, threshold and firstSeen
 *   by: [userIdentity.arn]                #   the key tying the steps together; a step may name it by its own paths
 *   window: 1h
 *   ordered: true                         #   default true
 *   steps: [{name: ..., match: condition, by: [paths]}]               # at least two
 * requires: [geo, list:allowed-countries]                         # optional
 * exceptions: { principals: [], roleArns: [], accounts: [], sourceCidrs: [] }   # optional
 * tests:                                  # at least one match and one no-match
 *   - { name: ..., expect: match, event: {CloudTrail record} }
 * </pre>
 */
public final class RuleParser {

    private static final YAMLFactory YAML = new YAMLFactory();
    private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
    private static final Set<String> TOP = Set.of("id", "title", "description", "severity", "category", "mitre",
            "techniques", "cis", "references", "runbook", "maturity", "attempts", "match", "dedup", "threshold", "firstSeen", "sequence", "requires", "exceptions", "tests");
    private static final Pattern DURATION = Pattern.compile("^(\\d+)(s|m|h|d)$");
    private static final Pattern ID = Pattern.compile("^[a-z0-9]+(-[a-z0-9]+)*$");
    private static final Pattern TECHNIQUE = Pattern.compile("^aws\\.[a-z]+(-[a-z]+)*\\.[a-z0-9]+(-[a-z0-9]+)*$");

    private RuleParser() {
    }

    /**
     * Parses a rule file's text.
     *
     * @param file the file name, for messages and the id check (its last segment without .yaml must be the id)
     */
    public static Rule parse(String file, String text) throws RuleParseException {
        return new Reader(file).rule(text);
    }

    /** Whether the condition requires a successful call: an {@code errorCode exists: false} among its top-level parts. */
    private static boolean requiresSuccess(Condition c) {
        List<Condition> parts = c instanceof Condition.All all ? all.conditions() : List.of(c);
        return parts.stream().anyMatch(p -> p instanceof Condition.Field f && f.path().toString().equals("errorCode")
                && f.operator().equals(Operators.EXISTS) && !f.argument().asBoolean());
    }

    private static boolean usesCountry(Condition c) {
        if (c instanceof Condition.All all) {
            return all.conditions().stream().anyMatch(RuleParser::usesCountry);
        }
        if (c instanceof Condition.Any any) {
            return any.conditions().stream().anyMatch(RuleParser::usesCountry);
        }
        if (c instanceof Condition.Not not) {
            return usesCountry(not.condition());
        }
        if (c instanceof Condition.SameAs same) {
            return "country".equals(same.path().function()) || "country".equals(same.other().function());
        }
        if (c instanceof Condition.InList in) {
            return "country".equals(in.path().function());
        }
        return "country".equals(((Condition.Field) c).path().function());
    }

    /** The state of one parse: the tree and where each node and field stood. */
    private static final class Reader {
        private final String file;
        private final Map<JsonNode, Integer> nodeLines = new IdentityHashMap<>();
        private final Map<JsonNode, Map<String, Integer>> fieldLines = new IdentityHashMap<>();

        Reader(String file) {
            this.file = file;
        }

        Rule rule(String text) throws RuleParseException {
            JsonNode root = tree(text);
            if (!(root instanceof ObjectNode top)) {
                throw error(root, "a rule is a YAML mapping");
            }
            for (var it = top.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!TOP.contains(key)) {
                    throw errorAt(top, key, "unknown key '" + key + "'; allowed: " + new java.util.TreeSet<>(TOP));
                }
            }
            String id = requiredText(top, "id");
            if (!ID.matcher(id).matches()) {
                throw errorAt(top, "id", "id '" + id + "' must be lower-case words joined by '-'");
            }
            String expected = file.replaceAll(".*/", "").replaceAll("\\.ya?ml$", "");
            if (!expected.equals(id)) {
                throw errorAt(top, "id", "id '" + id + "' does not match the file name '" + expected + "'");
            }
            Rule.Severity severity = enumValue(top, "severity", Rule.Severity.class);
            String category = requiredText(top, "category");
            if (!Categories.ALL.contains(category)) {
                throw errorAt(top, "category", "unknown category '" + category + "'; known: " + new java.util.TreeSet<>(Categories.ALL));
            }
            Rule.Maturity maturity = enumValue(top, "maturity", Rule.Maturity.class);
            Rule.Sequence sequence = sequence(top);
            if (sequence != null && (top.has("match") || top.has("threshold") || top.has("firstSeen") || top.has("dedup"))) {
                throw errorAt(top, "sequence", "a sequence rule has steps instead of match, threshold, firstSeen and dedup");
            }
            Condition match = sequence != null ? new Condition.Any(sequence.steps().stream().map(Rule.Step::match).toList())
                    : condition(required(top, "match"));
            if (usesCountry(match) && !textList(top, "requires").contains("geo")) {
                throw errorAt(top, "match", "the match looks up countries: the rule must declare 'requires: [geo]'");
            }
            if (top.has("threshold") && top.has("firstSeen")) {
                throw errorAt(top, "firstSeen", "a rule has a threshold or firstSeen, not both");
            }
            if ((top.has("threshold") || top.has("firstSeen")) && top.has("dedup")) {
                throw errorAt(top, "dedup", "dedup is for stateless rules; thresholds and firstSeen group by themselves");
            }
            List<String> techniques = textList(top, "techniques");
            for (String t : techniques) {
                if (!TECHNIQUE.matcher(t).matches()) {
                    throw errorAt(top, "techniques", "'" + t + "' is no technique id such as aws.defense-evasion.cloudtrail-stop");
                }
            }
            List<String> cis = textList(top, "cis");
            if (top.has("cis") && !top.get("cis").isEmpty() && !java.util.stream.StreamSupport.stream(top.get("cis").spliterator(), false)
                    .allMatch(JsonNode::isTextual)) {
                throw errorAt(top, "cis", "write CIS controls quoted, e.g. ['4.10']: unquoted, 4.10 is the number 4.1");
            }
            for (String c : cis) {
                if (!Coverage.CIS.containsKey(c)) {
                    throw errorAt(top, "cis", "'" + c + "' is no CIS monitoring control; known: " + Coverage.CIS.keySet());
                }
            }
            Rule.Severity attempts = top.has("attempts") ? enumValue(top, "attempts", Rule.Severity.class) : null;
            if (attempts != null && attempts.compareTo(severity) >= 0) {
                throw errorAt(top, "attempts", "attempts is the severity of a refused call: lower than the rule's " + severity);
            }
            if (attempts != null && sequence != null) {
                throw errorAt(top, "attempts", "a sequence rule has no attempts");
            }
            if (attempts != null && !requiresSuccess(match)) {
                throw errorAt(top, "attempts", "a rule with attempts matches successful calls only: add {field: errorCode, exists: false}");
            }
            var tests = tests(required(top, "tests"), sequence != null);
            if (attempts != null && tests.stream().noneMatch(Rule.Test::attempt)) {
                throw errorAt(top, "attempts", "a rule with attempts needs a test case with 'expect: attempt' (a refused call)");
            }
            if (attempts == null && tests.stream().anyMatch(Rule.Test::attempt)) {
                throw errorAt(top, "tests", "'expect: attempt' needs the rule's 'attempts' severity");
            }
            return new Rule(id, requiredText(top, "title"), requiredText(top, "description"), severity, category,
                    textList(top, "mitre"), techniques, cis, textList(top, "references"), optionalText(top, "runbook"), maturity, match,
                    dedup(top.get("dedup")), threshold(top.get("threshold")), firstSeen(top.get("firstSeen")), sequence,
                    requires(top), exceptions(top.get("exceptions")), tests, file, attempts, false);
        }

        Condition condition(JsonNode node) throws RuleParseException {
            if (!(node instanceof ObjectNode o) || o.isEmpty()) {
                throw error(node, "a condition is a mapping: all, any, not, or field with an operator");
            }
            if (o.has("all") || o.has("any")) {
                String kind = o.has("all") ? "all" : "any";
                onlyKeys(o, Set.of(kind));
                JsonNode list = o.get(kind);
                if (!(list instanceof ArrayNode a) || a.isEmpty()) {
                    throw errorAt(o, kind, kind + " needs a non-empty list of conditions");
                }
                List<Condition> parts = new ArrayList<>();
                for (JsonNode c : a) {
                    parts.add(condition(c));
                }
                return kind.equals("all") ? new Condition.All(parts) : new Condition.Any(parts);
            }
            if (o.has("not")) {
                onlyKeys(o, Set.of("not"));
                return new Condition.Not(condition(o.get("not")));
            }
            if (!o.has("field")) {
                throw error(o, "a condition needs all, any, not or field; found " + names(o));
            }
            FieldPath path;
            try {
                path = FieldPath.of(o.get("field").asText(""));
            } catch (IllegalArgumentException e) {
                throw errorAt(o, "field", e.getMessage());
            }
            String operator = null;
            boolean ignoreCase = false;
            boolean all = false;
            for (var it = o.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                switch (key) {
                    case "field" -> { }
                    case "ignoreCase" -> ignoreCase = bool(o, key);
                    case "quantifier" -> {
                        String q = o.get(key).asText();
                        if (!q.equals("any") && !q.equals("all")) {
                            throw errorAt(o, key, "quantifier is any or all, not '" + q + "'");
                        }
                        all = q.equals("all");
                    }
                    default -> {
                        if (!Operators.known(key)) {
                            throw errorAt(o, key, "unknown operator '" + key + "'; known: " + Operators.names());
                        }
                        if (operator != null) {
                            throw errorAt(o, key, "one operator per predicate: '" + operator + "' and '" + key + "'");
                        }
                        operator = key;
                    }
                }
            }
            if (operator == null) {
                throw error(o, "predicate on '" + path + "' has no operator; known: " + Operators.names());
            }
            JsonNode argument = o.get(operator);
            if (operator.equals(Operators.EXISTS)) {
                if (!argument.isBoolean()) {
                    throw errorAt(o, operator, "exists is true or false");
                }
                return new Condition.Field(path, operator, argument, false, false, null);
            }
            if (operator.equals(Operators.SAME_AS)) {
                try {
                    return new Condition.SameAs(path, FieldPath.of(argument.asText("")), all, ignoreCase);
                } catch (IllegalArgumentException e) {
                    throw errorAt(o, operator, "sameAs names another field: " + e.getMessage());
                }
            }
            if (operator.equals("in") && argument instanceof ObjectNode ref) {
                onlyKeys(ref, Set.of("list"));
                String list = requiredText(ref, "list");
                if (!ID.matcher(list).matches()) {
                    throw errorAt(ref, "list", "a list name is lower-case words joined by '-', not '" + list + "'");
                }
                return new Condition.InList(path, list, all, ignoreCase);
            }
            Predicate<JsonNode> predicate;
            try {
                predicate = Operators.compile(operator, argument, ignoreCase);
            } catch (IllegalArgumentException e) {
                throw errorAt(o, operator, e.getMessage());
            }
            return new Condition.Field(path, operator, argument, all, ignoreCase, predicate);
        }

        List<Rule.Test> tests(JsonNode node, boolean sequence) throws RuleParseException {
            if (!(node instanceof ArrayNode a) || a.isEmpty()) {
                throw error(node, "tests is a non-empty list");
            }
            List<Rule.Test> tests = new ArrayList<>();
            Set<String> names = new LinkedHashSet<>();
            for (JsonNode t : a) {
                if (!(t instanceof ObjectNode o)) {
                    throw error(t, "a test is a mapping with name, expect and event");
                }
                onlyKeys(o, Set.of("name", "expect", sequence ? "events" : "event"));
                String name = requiredText(o, "name");
                if (!names.add(name)) {
                    throw errorAt(o, "name", "two tests are named '" + name + "'");
                }
                String expect = requiredText(o, "expect");
                if (!expect.equals("match") && !expect.equals("no-match") && !expect.equals("attempt")) {
                    throw errorAt(o, "expect", "expect is match, no-match or attempt, not '" + expect + "'");
                }
                if (sequence) {
                    if (!(o.get("events") instanceof ArrayNode events) || events.isEmpty()) {
                        throw errorAt(o, "events", "a sequence's case has events: CloudTrail records, in order");
                    }
                    List<ObjectNode> records = new ArrayList<>();
                    for (JsonNode e : events) {
                        if (!(e instanceof ObjectNode record)) {
                            throw error(e, "each of events is a CloudTrail record (a mapping)");
                        }
                        records.add(record);
                    }
                    tests.add(new Rule.Test(name, !expect.equals("no-match"), false, null, List.copyOf(records), line(o)));
                    continue;
                }
                if (!(o.get("event") instanceof ObjectNode event)) {
                    throw errorAt(o, "event", "event is a CloudTrail record (a mapping)");
                }
                tests.add(new Rule.Test(name, !expect.equals("no-match"), expect.equals("attempt"), event, List.of(), line(o)));
            }
            if (tests.stream().noneMatch(Rule.Test::expect) || tests.stream().allMatch(Rule.Test::expect)) {
                throw error(node, "tests need at least one match and one no-match case");
            }
            return List.copyOf(tests);
        }

        Rule.Sequence sequence(ObjectNode top) throws RuleParseException {
            JsonNode node = top.get("sequence");
            if (node == null) {
                return null;
            }
            ObjectNode o = mapping(node, "sequence");
            onlyKeys(o, Set.of("by", "window", "ordered", "steps"));
            List<FieldPath> by = o.has("by") ? paths(o, "by") : null;
            boolean ordered = !o.has("ordered") || bool(o, "ordered");
            if (!(o.get("steps") instanceof ArrayNode steps) || steps.size() < 2) {
                throw errorAt(o, "steps", "a sequence has at least two steps");
            }
            List<Rule.Step> out = new ArrayList<>();
            for (JsonNode n : steps) {
                ObjectNode step = mapping(n, "step");
                onlyKeys(step, Set.of("name", "match", "by"));
                List<FieldPath> stepBy = step.has("by") ? paths(step, "by") : by;
                if (stepBy == null) {
                    throw error(step, "the step has no key: give the sequence or the step 'by'");
                }
                if (by != null && stepBy.size() != by.size()) {
                    throw errorAt(step, "by", "the step's key has " + stepBy.size() + " paths, the sequence's " + by.size());
                }
                if (!out.isEmpty() && stepBy.size() != out.get(0).by().size()) {
                    throw errorAt(step, "by", "every step's key has as many paths as the first's");
                }
                out.add(new Rule.Step(requiredText(step, "name"), condition(required(step, "match")), stepBy));
            }
            return new Rule.Sequence(List.copyOf(out), duration(o, "window"), ordered);
        }

        Rule.Dedup dedup(JsonNode node) throws RuleParseException {
            if (node == null) {
                return null;
            }
            ObjectNode o = mapping(node, "dedup");
            onlyKeys(o, Set.of("key", "period"));
            return new Rule.Dedup(paths(o, "key"), duration(o, "period"));
        }

        Rule.Threshold threshold(JsonNode node) throws RuleParseException {
            if (node == null) {
                return null;
            }
            ObjectNode o = mapping(node, "threshold");
            onlyKeys(o, Set.of("count", "window", "groupBy", "baseline", "distinct"));
            JsonNode count = required(o, "count");
            if (!count.canConvertToInt() || !count.isIntegralNumber() || count.intValue() < 1) {
                throw errorAt(o, "count", "count is a whole number of at least 1");
            }
            Duration window = duration(o, "window");
            Rule.Baseline baseline = null;
            if (o.has("baseline")) {
                ObjectNode b = mapping(o.get("baseline"), "baseline");
                onlyKeys(b, Set.of("history", "factor"));
                Duration history = duration(b, "history");
                if (history.compareTo(window) <= 0) {
                    throw errorAt(b, "history", "history must be longer than the threshold's window");
                }
                JsonNode factor = required(b, "factor");
                if (!factor.isNumber() || factor.doubleValue() < 1) {
                    throw errorAt(b, "factor", "factor is a number of at least 1");
                }
                baseline = new Rule.Baseline(history, factor.doubleValue());
            }
            FieldPath distinct = null;
            if (o.has("distinct")) {
                if (baseline != null) {
                    throw errorAt(o, "distinct", "a baseline compares counts of matches: a distinct threshold has none");
                }
                try {
                    distinct = FieldPath.of(requiredText(o, "distinct"));
                } catch (IllegalArgumentException e) {
                    throw errorAt(o, "distinct", e.getMessage());
                }
            }
            return new Rule.Threshold(count.intValue(), window, paths(o, "groupBy"), baseline, distinct);
        }

        Rule.FirstSeen firstSeen(JsonNode node) throws RuleParseException {
            if (node == null) {
                return null;
            }
            ObjectNode o = mapping(node, "firstSeen");
            onlyKeys(o, Set.of("key", "value", "learning"));
            FieldPath value;
            try {
                value = FieldPath.of(requiredText(o, "value"));
            } catch (IllegalArgumentException e) {
                throw errorAt(o, "value", e.getMessage());
            }
            // learning 0s: no silent period, the first value of every key is new too
            Duration learning = "0s".equals(o.path("learning").asText()) ? Duration.ZERO : duration(o, "learning");
            return new Rule.FirstSeen(paths(o, "key"), value, learning);
        }

        List<String> requires(ObjectNode top) throws RuleParseException {
            List<String> requires = textList(top, "requires");
            for (String r : requires) {
                if (!r.equals("geo") && !r.matches("list:[a-z0-9]+(-[a-z0-9]+)*")) {
                    throw errorAt(top, "requires", "requires names 'geo' or 'list:<name>', not '" + r + "'");
                }
            }
            return requires;
        }

        Rule.Exceptions exceptions(JsonNode node) throws RuleParseException {
            if (node == null) {
                return Rule.Exceptions.NONE;
            }
            ObjectNode o = mapping(node, "exceptions");
            onlyKeys(o, Set.of("principals", "roleArns", "accounts", "sourceCidrs"));
            List<String> cidrs = textList(o, "sourceCidrs");
            for (String c : cidrs) {
                try {
                    Operators.Cidr.parse(c);
                } catch (IllegalArgumentException e) {
                    throw errorAt(o, "sourceCidrs", e.getMessage());
                }
            }
            return new Rule.Exceptions(Set.copyOf(textList(o, "principals")), Set.copyOf(textList(o, "roleArns")),
                    Set.copyOf(textList(o, "accounts")), cidrs);
        }

        private List<FieldPath> paths(ObjectNode o, String key) throws RuleParseException {
            List<FieldPath> out = new ArrayList<>();
            for (String p : textList(o, key)) {
                try {
                    out.add(FieldPath.of(p));
                } catch (IllegalArgumentException e) {
                    throw errorAt(o, key, e.getMessage());
                }
            }
            if (out.isEmpty()) {
                throw errorAt(o, key, key + " needs at least one field");
            }
            return List.copyOf(out);
        }

        private Duration duration(ObjectNode o, String key) throws RuleParseException {
            String text = requiredText(o, key);
            Matcher m = DURATION.matcher(text);
            if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
                throw errorAt(o, key, key + " is a duration like 30s, 15m, 1h or 7d, not '" + text + "'");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }

        private <E extends Enum<E>> E enumValue(ObjectNode o, String key, Class<E> type) throws RuleParseException {
            String text = requiredText(o, key);
            try {
                return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                List<String> allowed = new ArrayList<>();
                for (E v : type.getEnumConstants()) {
                    allowed.add(v.name().toLowerCase(Locale.ROOT));
                }
                throw errorAt(o, key, key + " is one of " + allowed + ", not '" + text + "'");
            }
        }

        private ObjectNode mapping(JsonNode node, String what) throws RuleParseException {
            if (!(node instanceof ObjectNode o)) {
                throw error(node, what + " is a mapping");
            }
            return o;
        }

        private void onlyKeys(ObjectNode o, Set<String> allowed) throws RuleParseException {
            for (var it = o.fieldNames(); it.hasNext(); ) {
                String key = it.next();
                if (!allowed.contains(key)) {
                    throw errorAt(o, key, "unknown key '" + key + "'; allowed here: " + new java.util.TreeSet<>(allowed));
                }
            }
        }

        private JsonNode required(ObjectNode o, String key) throws RuleParseException {
            JsonNode v = o.get(key);
            if (v == null || v.isNull()) {
                throw error(o, "missing required key '" + key + "'");
            }
            return v;
        }

        private String requiredText(ObjectNode o, String key) throws RuleParseException {
            JsonNode v = required(o, key);
            if (!v.isValueNode() || v.asText().isBlank()) {
                throw errorAt(o, key, key + " must be a non-empty text");
            }
            return v.asText();
        }

        private String optionalText(ObjectNode o, String key) throws RuleParseException {
            return o.has(key) ? requiredText(o, key) : null;
        }

        private boolean bool(ObjectNode o, String key) throws RuleParseException {
            JsonNode v = o.get(key);
            if (!v.isBoolean()) {
                throw errorAt(o, key, key + " is true or false");
            }
            return v.booleanValue();
        }

        private List<String> textList(ObjectNode o, String key) throws RuleParseException {
            JsonNode v = o.get(key);
            if (v == null || v.isNull()) {
                return List.of();
            }
            if (!(v instanceof ArrayNode a)) {
                throw errorAt(o, key, key + " is a list");
            }
            List<String> out = new ArrayList<>();
            for (JsonNode n : a) {
                if (!n.isValueNode() || n.isNull()) {
                    throw errorAt(o, key, key + " holds texts only");
                }
                out.add(n.asText());
            }
            return List.copyOf(out);
        }

        private static String names(ObjectNode o) {
            List<String> n = new ArrayList<>();
            o.fieldNames().forEachRemaining(n::add);
            return n.toString();
        }

        private int line(JsonNode node) {
            return node == null ? 0 : nodeLines.getOrDefault(node, 0);
        }

        private RuleParseException error(JsonNode node, String problem) {
            return new RuleParseException(file, line(node), problem);
        }

        private RuleParseException errorAt(ObjectNode o, String key, String problem) {
            Integer l = fieldLines.getOrDefault(o, Map.of()).get(key);
            return new RuleParseException(file, l == null ? line(o) : l, problem);
        }

        /** The YAML as a tree, with the line of every mapping, list and key remembered. */
        private JsonNode tree(String text) throws RuleParseException {
            try (JsonParser p = YAML.createParser(text)) {
                JsonToken t = p.nextToken();
                if (t == null) {
                    throw new RuleParseException(file, 0, "the file is empty");
                }
                return value(p, t);
            } catch (JsonProcessingException e) {
                throw new RuleParseException(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                        "not valid YAML: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw new RuleParseException(file, 0, "cannot read: " + e.getMessage());
            }
        }

        private JsonNode value(JsonParser p, JsonToken t) throws IOException {
            int line = p.currentTokenLocation().getLineNr();
            switch (t) {
                case START_OBJECT -> {
                    ObjectNode o = NODES.objectNode();
                    nodeLines.put(o, line);
                    Map<String, Integer> lines = new HashMap<>();
                    fieldLines.put(o, lines);
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        int fieldLine = p.currentTokenLocation().getLineNr();
                        if (o.has(name)) {
                            throw new JsonProcessingException("duplicate key '" + name + "'", p.currentTokenLocation()) { };
                        }
                        lines.put(name, fieldLine);
                        o.set(name, value(p, p.nextToken()));
                    }
                    return o;
                }
                case START_ARRAY -> {
                    ArrayNode a = NODES.arrayNode();
                    nodeLines.put(a, line);
                    JsonToken v;
                    while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                        a.add(value(p, v));
                    }
                    return a;
                }
                default -> {
                    JsonNode scalar = io.trailwatch.cloudtrail.JsonScalars.node(p, t, NODES);
                    if (scalar == null) {
                        throw new JsonProcessingException("unexpected " + t, p.currentTokenLocation()) { };
                    }
                    return scalar;
                }
            }
        }
    }
}

package io.trailwatch.detect.engine;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Reads Sigma rules for CloudTrail ({@code logsource: {product: aws, service: cloudtrail}}) into {@link Rule}s.
 * <ul>
 *   <li>Detection: named selections (a mapping: every field matches; a list of mappings: any of them), field
 *   modifiers {@code contains}, {@code startswith}, {@code endswith}, {@code re}, {@code cidr}, {@code all},
 *   {@code exists}, {@code cased}; a list of values matches any of them ({@code |all}: every one); {@code null}
 *   means the field is absent; {@code *} and {@code ?} are wildcards ({@code \*} a literal star).</li>
 *   <li>Condition: selection names, {@code and}, {@code or}, {@code not}, parentheses, {@code 1 of x*},
 *   {@code all of x*}, {@code 1 of them}, {@code all of them}.</li>
 *   <li>Strings match regardless of case, as Sigma says, except {@code eventName} and {@code eventSource}: CloudTrail
 *   writes those in one spelling, and matching them exactly lets the engine index the rule.</li>
 *   <li>Field names are CloudTrail's own ({@code userIdentity.arn}, {@code requestParameters.bucketName}).</li>
 *   <li>The rule's id is its file name; severity comes from {@code level}, maturity from {@code status}, MITRE ids
 *   from {@code attack.tNNNN} tags, the runbook from {@code falsepositives}. The category is the rule's own
 *   {@code category} attribute, else follows from the eventSource it selects.</li>
 * </ul>
 * Keyword searches, aggregations ({@code | count()}) and other log sources are refused with a message naming the
 * file.
 */
public final class SigmaParser {

    private static final YAMLMapper YAML = (YAMLMapper) new YAMLMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    private static final Set<String> CASED_FIELDS = Set.of("eventName", "eventSource");
    private static final Set<String> MODIFIERS = Set.of("contains", "startswith", "endswith", "re", "cidr", "all",
            "exists", "cased");
    private static final Map<String, String> CATEGORY_BY_SOURCE = Map.of(
            "cloudtrail.amazonaws.com", "cloudtrail-tampering",
            "iam.amazonaws.com", "iam-change",
            "kms.amazonaws.com", "kms-key-change",
            "s3.amazonaws.com", "s3-bucket-policy-change",
            "organizations.amazonaws.com", "organizations-change",
            "config.amazonaws.com", "config-change",
            "ec2.amazonaws.com", "network-change",
            "signin.amazonaws.com", "console-auth-failure");

    private SigmaParser() {
    }

    /** Whether a YAML document looks like a Sigma rule (it has logsource and detection). */
    public static boolean isSigma(String text) {
        return text.lines().anyMatch(l -> l.startsWith("logsource:")) && text.lines().anyMatch(l -> l.startsWith("detection:"));
    }

    /** Parses one Sigma rule file; {@code file} names it in messages and gives the rule its id. */
    public static Rule parse(String file, String text) throws RuleParseException {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new RuleParseException(file, e.getLocation() == null ? 0 : e.getLocation().getLineNr(),
                    "not valid YAML: " + e.getOriginalMessage());
        }
        if (!(root instanceof ObjectNode top)) {
            throw new RuleParseException(file, 0, "a Sigma rule is a YAML mapping");
        }
        return new Reader(file, text).rule(top);
    }

    private record Reader(String file, String text) {

        Rule rule(ObjectNode top) throws RuleParseException {
            JsonNode logsource = top.path("logsource");
            if (!"aws".equals(logsource.path("product").asText()) || !"cloudtrail".equals(logsource.path("service").asText())) {
                throw fail("logsource", "only Sigma rules for product 'aws', service 'cloudtrail' apply, not " + logsource);
            }
            String id = file.replaceAll(".*/", "").replaceAll("\\.ya?ml$", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-")
                    .replaceAll("^-|-$", "");
            String title = text(top, "title", null);
            if (title == null) {
                throw fail("title", "a Sigma rule needs a title");
            }
            JsonNode detection = top.get("detection");
            if (!(detection instanceof ObjectNode det) || !det.has("condition")) {
                throw fail("detection", "detection is a mapping of selections with a condition");
            }
            Map<String, Condition> selections = new LinkedHashMap<>();
            for (var it = det.fields(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getKey().equals("condition") && !e.getKey().equals("timeframe")) {
                    selections.put(e.getKey(), selection(e.getKey(), e.getValue()));
                }
            }
            if (det.has("timeframe")) {
                throw fail("timeframe", "timeframe and aggregations are not supported; write a trailwatch threshold rule");
            }
            JsonNode cond = det.get("condition");
            List<String> conditions = new ArrayList<>();
            if (cond.isArray()) {
                cond.forEach(c -> conditions.add(c.asText()));
            } else {
                conditions.add(cond.asText());
            }
            List<Condition> parsed = new ArrayList<>();
            for (String c : conditions) {
                parsed.add(new ConditionParser(this, c, selections).parse());
            }
            Condition match = parsed.size() == 1 ? parsed.get(0) : new Condition.Any(parsed);
            String category = text(top, "category", null);
            if (category == null) {
                category = sources(match).stream().map(CATEGORY_BY_SOURCE::get).filter(java.util.Objects::nonNull).findFirst()
                        .orElseThrow(() -> fail("detection", "no category follows from the eventSource selected; add "
                                + "'category: <one of " + new java.util.TreeSet<>(Categories.ALL) + ">' to the rule"));
            }
            if (!Categories.ALL.contains(category)) {
                throw fail("category", "unknown category '" + category + "'; known: " + new java.util.TreeSet<>(Categories.ALL));
            }
            List<String> mitre = new ArrayList<>();
            for (JsonNode tag : top.path("tags")) {
                String t = tag.asText();
                if (t.matches("(?i)attack\\.t\\d{4}(\\.\\d{3})?")) {
                    mitre.add(t.substring(7).toUpperCase(Locale.ROOT));
                }
            }
            List<String> references = new ArrayList<>();
            top.path("references").forEach(r -> references.add(r.asText()));
            List<String> fps = new ArrayList<>();
            top.path("falsepositives").forEach(r -> fps.add(r.asText()));
            String runbook = fps.isEmpty() ? null : "Known false positives: " + String.join("; ", fps) + ".";
            String description = text(top, "description", title);
            if (top.hasNonNull("id")) {
                references.add("sigma:" + top.get("id").asText());
            }
            return new Rule(id, title, description, severity(text(top, "level", "medium")), category, mitre, List.of(),
                    List.of(), references,
                    runbook, maturity(text(top, "status", "experimental")), match, null, null, null, null, List.of(),
                    Rule.Exceptions.NONE, List.of(), file, null, false);
        }

        Condition selection(String name, JsonNode node) throws RuleParseException {
            if (node instanceof ObjectNode map) {
                List<Condition> fields = new ArrayList<>();
                for (var it = map.fields(); it.hasNext(); ) {
                    var e = it.next();
                    fields.add(field(name, e.getKey(), e.getValue()));
                }
                if (fields.isEmpty()) {
                    throw fail(name, "selection '" + name + "' is empty");
                }
                return fields.size() == 1 ? fields.get(0) : new Condition.All(fields);
            }
            if (node != null && node.isArray() && !node.isEmpty() && node.get(0).isObject()) {
                List<Condition> any = new ArrayList<>();
                for (JsonNode m : node) {
                    if (!m.isObject()) {
                        throw fail(name, "selection '" + name + "' mixes mappings with other values");
                    }
                    any.add(selection(name, m));
                }
                return new Condition.Any(any);
            }
            throw fail(name, "selection '" + name + "' is a keyword search or empty; only field selections are supported");
        }

        Condition field(String selection, String key, JsonNode value) throws RuleParseException {
            String[] parts = key.split("\\|", -1);
            FieldPath path;
            try {
                path = FieldPath.of(parts[0]);
            } catch (IllegalArgumentException e) {
                throw fail(selection, e.getMessage());
            }
            String kind = null;
            boolean all = false;
            boolean cased = CASED_FIELDS.contains(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                String m = parts[i];
                if (!MODIFIERS.contains(m)) {
                    throw fail(selection, "unsupported modifier '" + m + "' on '" + parts[0] + "'; supported: " + new java.util.TreeSet<>(MODIFIERS));
                }
                switch (m) {
                    case "all" -> all = true;
                    case "cased" -> cased = true;
                    default -> {
                        if (kind != null) {
                            throw fail(selection, "'" + key + "' has two matching modifiers");
                        }
                        kind = m;
                    }
                }
            }
            List<JsonNode> values = new ArrayList<>();
            if (value != null && value.isArray()) {
                value.forEach(values::add);
            } else {
                values.add(value);
            }
            if ("exists".equals(kind)) {
                if (values.size() != 1 || !values.get(0).isBoolean()) {
                    throw fail(selection, "'" + key + "' takes true or false");
                }
                return new Condition.Field(path, Operators.EXISTS, values.get(0), false, false, null);
            }
            List<Condition> each = new ArrayList<>();
            for (JsonNode v : values) {
                each.add(value(selection, path, kind, v, cased));
            }
            if (each.size() == 1) {
                return each.get(0);
            }
            return all ? new Condition.All(each) : anyOf(path, kind, values, cased, each);
        }

        /** Plain values of a field fold into one {@code in} predicate (indexable on eventName/eventSource). */
        private Condition anyOf(FieldPath path, String kind, List<JsonNode> values, boolean cased, List<Condition> each) {
            boolean plain = kind == null && values.stream().allMatch(v -> v != null && v.isValueNode() && !v.isNull()
                    && !hasWildcard(v.asText()));
            if (!plain) {
                return new Condition.Any(each);
            }
            var arg = JsonNodeFactory.instance.arrayNode();
            values.forEach(v -> arg.add(unescape(v.asText())));
            return new Condition.Field(path, "in", arg, false, !cased, Operators.compile("in", arg, !cased));
        }

        Condition value(String selection, FieldPath path, String kind, JsonNode v, boolean cased) throws RuleParseException {
            if (v == null || v.isNull()) {
                if (kind != null) {
                    throw fail(selection, "a null value takes no modifier ('" + path + "|" + kind + "')");
                }
                return new Condition.Field(path, Operators.EXISTS, JsonNodeFactory.instance.booleanNode(false), false, false, null);
            }
            if (!v.isValueNode()) {
                throw fail(selection, "the value of '" + path + "' is a " + v.getNodeType() + ", not a value or a list of values");
            }
            String s = v.asText();
            try {
                if ("re".equals(kind)) {
                    return op(path, "regex", s, false);
                }
                if ("cidr".equals(kind)) {
                    return op(path, "cidr", s, false);
                }
                boolean ic = !cased;
                if (!hasWildcard(s)) {
                    String lit = unescape(s);
                    String operator = kind == null ? "equals" : switch (kind) {
                        case "contains" -> "contains";
                        case "startswith" -> "prefix";
                        default -> "suffix";
                    };
                    return op(path, operator, lit, ic);
                }
                String body = wildcardRegex(s);
                String regex = switch (kind == null ? "" : kind) {
                    case "contains" -> body;
                    case "startswith" -> "^" + body;
                    case "endswith" -> body + "$";
                    default -> "^" + body + "$";
                };
                return op(path, "regex", regex, ic);
            } catch (IllegalArgumentException e) {
                throw fail(selection, "'" + path + "': " + e.getMessage());
            }
        }

        private static Condition op(FieldPath path, String operator, String argument, boolean ignoreCase) {
            var arg = JsonNodeFactory.instance.textNode(argument);
            Predicate<com.fasterxml.jackson.databind.JsonNode> p = Operators.compile(operator, arg, ignoreCase);
            return new Condition.Field(path, operator, arg, false, ignoreCase, p);
        }

        private static boolean hasWildcard(String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\') {
                    i++;
                } else if (c == '*' || c == '?') {
                    return true;
                }
            }
            return false;
        }

        private static String unescape(String s) {
            return s.replace("\\*", "*").replace("\\?", "?").replace("\\\\", "\\");
        }

        private static String wildcardRegex(String s) {
            StringBuilder out = new StringBuilder();
            StringBuilder lit = new StringBuilder();
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length() && "*?\\".indexOf(s.charAt(i + 1)) >= 0) {
                    lit.append(s.charAt(++i));
                } else if (c == '*' || c == '?') {
                    if (lit.length() > 0) {
                        out.append(com.google.re2j.Pattern.quote(lit.toString()));
                        lit.setLength(0);
                    }
                    out.append(c == '*' ? ".*" : ".");
                } else {
                    lit.append(c);
                }
            }
            if (lit.length() > 0) {
                out.append(com.google.re2j.Pattern.quote(lit.toString()));
            }
            return "(?s)" + out;
        }

        private static Rule.Severity severity(String level) {
            return switch (level.toLowerCase(Locale.ROOT)) {
                case "informational" -> Rule.Severity.INFO;
                case "low" -> Rule.Severity.LOW;
                case "high" -> Rule.Severity.HIGH;
                case "critical" -> Rule.Severity.CRITICAL;
                default -> Rule.Severity.MEDIUM;
            };
        }

        private static Rule.Maturity maturity(String status) {
            return switch (status.toLowerCase(Locale.ROOT)) {
                case "stable" -> Rule.Maturity.STABLE;
                case "deprecated", "unsupported" -> Rule.Maturity.DEPRECATED;
                default -> Rule.Maturity.INCUBATING;
            };
        }

        private static List<String> sources(Condition c) {
            List<String> out = new ArrayList<>();
            if (c instanceof Condition.All all) {
                all.conditions().forEach(x -> out.addAll(sources(x)));
            } else if (c instanceof Condition.Any any) {
                any.conditions().forEach(x -> out.addAll(sources(x)));
            } else if (c instanceof Condition.Field f && f.path().toString().equals("eventSource") && f.argument() != null) {
                if (f.argument().isArray()) {
                    f.argument().forEach(v -> out.add(v.asText().toLowerCase(Locale.ROOT)));
                } else {
                    out.add(f.argument().asText().toLowerCase(Locale.ROOT));
                }
            }
            return out;
        }

        private String text(ObjectNode o, String key, String fallback) {
            JsonNode v = o.get(key);
            return v == null || v.isNull() ? fallback : v.asText();
        }

        RuleParseException fail(String near, String problem) {
            int line = 0;
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].strip().startsWith(near + ":") || lines[i].strip().startsWith(near + "|")) {
                    line = i + 1;
                    break;
                }
            }
            return new RuleParseException(file, line, problem);
        }
    }

    /** Sigma's condition grammar: or &lt; and &lt; not &lt; (group) | N of pattern | name. */
    private static final class ConditionParser {
        private final Reader reader;
        private final String text;
        private final Map<String, Condition> selections;
        private final List<String> tokens = new ArrayList<>();
        private int at;

        ConditionParser(Reader reader, String text, Map<String, Condition> selections) {
            this.reader = reader;
            this.text = text;
            this.selections = selections;
            var m = Pattern.compile("\\(|\\)|\\||[^\\s()|]+").matcher(text);
            while (m.find()) {
                tokens.add(m.group());
            }
        }

        Condition parse() throws RuleParseException {
            if (tokens.contains("|")) {
                throw reader.fail("condition", "aggregations ('| count() ...') are not supported; write a trailwatch threshold rule");
            }
            Condition c = or();
            if (at != tokens.size()) {
                throw reader.fail("condition", "unexpected '" + tokens.get(at) + "' in condition '" + text + "'");
            }
            return c;
        }

        private Condition or() throws RuleParseException {
            List<Condition> parts = new ArrayList<>(List.of(and()));
            while (peek("or")) {
                at++;
                parts.add(and());
            }
            return parts.size() == 1 ? parts.get(0) : new Condition.Any(parts);
        }

        private Condition and() throws RuleParseException {
            List<Condition> parts = new ArrayList<>(List.of(not()));
            while (peek("and")) {
                at++;
                parts.add(not());
            }
            return parts.size() == 1 ? parts.get(0) : new Condition.All(parts);
        }

        private Condition not() throws RuleParseException {
            if (peek("not")) {
                at++;
                return new Condition.Not(not());
            }
            return atom();
        }

        private Condition atom() throws RuleParseException {
            if (at >= tokens.size()) {
                throw reader.fail("condition", "condition '" + text + "' ends too early");
            }
            String t = tokens.get(at++);
            if (t.equals("(")) {
                Condition c = or();
                if (!peek(")")) {
                    throw reader.fail("condition", "missing ')' in condition '" + text + "'");
                }
                at++;
                return c;
            }
            if ((t.equals("1") || t.equalsIgnoreCase("all") || t.equalsIgnoreCase("any")) && peek("of")) {
                at++;
                if (at >= tokens.size()) {
                    throw reader.fail("condition", "'" + t + " of' needs a name pattern or 'them'");
                }
                String pattern = tokens.get(at++);
                List<Condition> matched = new ArrayList<>();
                Pattern p = pattern.equals("them") ? Pattern.compile("[^_].*")
                        : Pattern.compile(Pattern.quote(pattern).replace("*", "\\E.*\\Q"));
                selections.forEach((name, c) -> {
                    if (p.matcher(name).matches()) {
                        matched.add(c);
                    }
                });
                if (matched.isEmpty()) {
                    throw reader.fail("condition", "'" + t + " of " + pattern + "' names no selection");
                }
                return t.equalsIgnoreCase("all") ? new Condition.All(matched) : new Condition.Any(matched);
            }
            Condition c = selections.get(t);
            if (c == null) {
                throw reader.fail("condition", "condition names '" + t + "', which is no selection; selections: " + selections.keySet());
            }
            return c;
        }

        private boolean peek(String word) {
            return at < tokens.size() && tokens.get(at).equalsIgnoreCase(word);
        }
    }
}

package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeType;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A dotted path into an event, e.g. {@code requestParameters.ipPermissions.items.ipRanges.items.cidrIp}. Arrays met
 * on the way are fanned out (every element is followed), so a path yields all the values it reaches; a string that
 * holds a JSON document is entered as that document. A path may be wrapped in a function that maps each value:
 * {@code arnAccount(requestParameters.roleArn)} (the account id field of an ARN, or a bare 12-digit account id as
 * policies allow), {@code arnName(requestParameters.roleArn)} (the last part of an ARN's resource: a role's, user's
 * or function's name), {@code country(sourceIPAddress)}
 * (the country code of an IP address, from the deployment's country database) or
 * {@code grantees(requestParameters.bucketPolicy)} (who a policy document's Allow statements let in: {@code *} for
 * anyone, or account ids; see {@link Policies}) or {@code outsiders(...)} (the same, less the event's own account).
 * A function may wrap alternatives: {@code grantees(requestParameters.policy|requestParameters.policyText)}. Paths joined by {@code |} are
 * alternatives: the first that reaches a value gives the values
 * ({@code requestParameters.groupId|requestParameters.ModifySecurityGroupRulesRequest.GroupId}), for a field that two
 * APIs name differently. Compiled once per rule.
 */
public final class FieldPath {

    /** The functions a path may be wrapped in. */
    public static final java.util.Set<String> FUNCTIONS = java.util.Set.of("arnAccount", "arnName", "country", "grantees", "outsiders");

    private static final java.util.regex.Pattern CALL = java.util.regex.Pattern.compile("^([A-Za-z]+)\\(([^()]*)\\)$");

    private final String text;
    private final String[] segments;
    private final String function;
    private final FieldPath inner;
    private final List<FieldPath> alternatives;
    /** How the first segment is found ({@link EventView#rootKind}). */
    private final int rootKind;

    private FieldPath(String text, String[] segments, String function, FieldPath inner) {
        this(text, segments, function, inner, List.of());
    }

    private FieldPath(String text, String[] segments, String function, FieldPath inner, List<FieldPath> alternatives) {
        this.text = text;
        this.segments = segments;
        this.function = function;
        this.inner = inner;
        this.alternatives = alternatives;
        this.rootKind = EventView.rootKind(segments[0]);
    }

    /** @throws IllegalArgumentException for an empty path, an empty segment or an unknown function */
    public static FieldPath of(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("field path is empty");
        }
        var call = CALL.matcher(text.strip());
        if (call.matches()) {
            if (!FUNCTIONS.contains(call.group(1))) {
                throw new IllegalArgumentException("unknown function '" + call.group(1) + "' in '" + text + "'; known: "
                        + new java.util.TreeSet<>(FUNCTIONS));
            }
            FieldPath inner = of(call.group(2));
            return new FieldPath(text.strip(), inner.segments, call.group(1), inner);
        }
        if (text.contains("|")) {
            List<FieldPath> alternatives = new ArrayList<>();
            for (String alternative : text.split("\\|", -1)) {
                alternatives.add(of(alternative));
            }
            FieldPath first = alternatives.get(0);
            return new FieldPath(text.strip(), first.segments, null, null, List.copyOf(alternatives));
        }
        if (text.contains("(") || text.contains(")")) {
            throw new IllegalArgumentException("field path '" + text + "' is no path, no alternatives of paths and no function call");
        }
        String[] segments = text.split("\\.", -1);
        for (int i = 0; i < segments.length; i++) {
            // Jackson interns the names of the fields it reads, so an interned segment finds its field by identity
            segments[i] = segments[i].intern();
        }
        for (String s : segments) {
            if (s.isEmpty() || !s.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == ':' || c == '@')) {
                throw new IllegalArgumentException("field path '" + text + "' has an empty or malformed segment");
            }
        }
        return new FieldPath(text, segments, null, null);
    }

    /** Every value the path reaches in the event; empty when it reaches none. JSON nulls are not values. */
    public List<JsonNode> values(EventView view) {
        if (!alternatives.isEmpty()) {
            for (FieldPath alternative : alternatives) {
                List<JsonNode> values = alternative.values(view);
                if (!values.isEmpty()) {
                    return values;
                }
            }
            return List.of();
        }
        if ("grantees".equals(function) || "outsiders".equals(function)) {
            String own = "outsiders".equals(function) ? view.event().accountId() : null;
            List<JsonNode> out = new ArrayList<>(2);
            for (JsonNode v : inner.values(view)) {
                JsonNode policy = v.isTextual() ? view.parsed(v) : v;
                for (String g : Policies.grantees(policy)) {
                    if (!g.equals(own)) {
                        out.add(com.fasterxml.jackson.databind.node.TextNode.valueOf(g));
                    }
                }
            }
            return out;
        }
        if (function != null) {
            List<JsonNode> out = new ArrayList<>(1);
            for (JsonNode v : inner.values(view)) {
                String mapped = v.isTextual() ? apply(view, v.textValue()) : null;
                if (mapped != null) {
                    out.add(com.fasterxml.jackson.databind.node.TextNode.valueOf(mapped));
                }
            }
            return out;
        }
        List<JsonNode> out = new ArrayList<>(2);
        collect(view, view.root(rootKind, segments[0]), 1, out);
        return out;
    }

    /**
     * Whether the values the path reaches meet a test: with {@code all}, there is a value and every value meets it;
     * else some value meets it. The same answer as testing each of {@link #values}, without collecting them: a plain
     * path is walked and the walk stops at the first value that decides.
     */
    public boolean test(EventView view, Predicate<JsonNode> test, boolean all) {
        if (function != null || !alternatives.isEmpty()) {
            List<JsonNode> values = values(view);
            if (values.isEmpty()) {
                return false;
            }
            for (int i = 0; i < values.size(); i++) {
                if (test.test(values.get(i)) != all) {
                    return !all;
                }
            }
            return all;
        }
        int walked = walk(view, view.root(rootKind, segments[0]), 1, test, all);
        return all ? walked == SEEN : walked == DECIDED;
    }

    /** What a walk found: no value; values, none of which decided; a value that decided the answer. */
    private static final int NOTHING = 0;
    private static final int SEEN = 1;
    private static final int DECIDED = 2;

    /** {@link #collect}, testing each value as it is reached: DECIDED at the first that passes (any) or fails (all). */
    private int walk(EventView view, JsonNode node, int i, Predicate<JsonNode> test, boolean all) {
        if (node == null) {
            return NOTHING;
        }
        // one call for the node's type, not one per question (the calls cannot be inlined: every kind of node meets them)
        JsonNodeType type = node.getNodeType();
        if (type == JsonNodeType.MISSING || type == JsonNodeType.NULL) {
            return NOTHING;
        }
        if (type == JsonNodeType.ARRAY) {
            int found = NOTHING;
            for (int e = 0; e < node.size(); e++) {
                int r = walk(view, node.get(e), i, test, all);
                if (r == DECIDED) {
                    return DECIDED;
                }
                found |= r;
            }
            return found;
        }
        if (i == segments.length) {
            return test.test(node) != all ? DECIDED : SEEN;
        }
        if (type == JsonNodeType.STRING) {
            JsonNode parsed = view.parsed(node);
            return parsed != node ? walk(view, parsed, i, test, all) : NOTHING;
        }
        if (type == JsonNodeType.OBJECT) {
            return walk(view, node.get(segments[i]), i + 1, test, all);
        }
        return NOTHING;
    }

    /** The function wrapping this path, or null. */
    public String function() {
        return function;
    }

    private String apply(EventView view, String value) {
        if (function.equals("arnAccount")) {
            if (value.length() == 12 && value.chars().allMatch(Character::isDigit)) {
                return value;
            }
            String account = arnPart(value, 4);
            return account == null || account.isEmpty() ? null : account;
        }
        if (function.equals("arnName")) {
            String resource = arnPart(value, 5);
            if (resource == null) {
                return null;
            }
            int cut = Math.max(resource.lastIndexOf('/'), resource.lastIndexOf(':'));
            return cut < 0 ? resource : resource.substring(cut + 1);
        }
        GeoDb geo = view.context().geo();
        return geo == null ? null : geo.country(value);
    }

    /**
     * Part {@code n} (1 to 5) of an ARN, {@code arn:partition:service:region:account-id:resource}, the resource being
     * everything after the fifth colon; null when the value does not start with {@code arn:} or no colon ends the part
     * (parts 1 to 4), or has fewer than five colons (the resource). The functions read parts 4 and 5, so what they
     * take for an ARN has all five colons.
     */
    static String arnPart(String value, int n) {
        if (!value.startsWith("arn:")) {
            return null;
        }
        int from = 3;
        for (int part = 1; part < n; part++) {
            from = value.indexOf(':', from + 1);
            if (from < 0) {
                return null;
            }
        }
        if (n == 5) {
            return value.substring(from + 1);
        }
        int to = value.indexOf(':', from + 1);
        return to < 0 ? null : value.substring(from + 1, to);
    }

    private void collect(EventView view, JsonNode node, int i, List<JsonNode> out) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                collect(view, element, i, out);
            }
            return;
        }
        if (i == segments.length) {
            out.add(node);
            return;
        }
        if (node.isTextual()) {
            JsonNode parsed = view.parsed(node);
            if (parsed != node) {
                collect(view, parsed, i, out);
            }
            return;
        }
        if (node.isObject()) {
            collect(view, node.get(segments[i]), i + 1, out);
        }
    }

    /** The first segment, e.g. {@code eventName}. */
    public String head() {
        return segments[0];
    }

    public boolean isSingle() {
        return function == null && alternatives.isEmpty() && segments.length == 1;
    }

    @Override
    public String toString() {
        return text;
    }
}

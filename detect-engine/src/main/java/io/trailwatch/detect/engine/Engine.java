package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.trailwatch.model.CloudTrailEvent;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Evaluates events against a rule pack. Each rule is indexed by the first of eventName, eventSource, errorCode,
 * eventType and userIdentity.type whose values its match requires, so each event runs only the rules that can match it. Stateless and
 * thread-safe; thresholds and first-use state live outside ({@link Detector}), on what this reports.
 */
public final class Engine {

    /** The fields rules are indexed by, most selective first. */
    static final List<String> INDEX_FIELDS = List.of("eventName", "eventSource", "errorCode", "eventType", "userIdentity.type");

    /**
     * The error codes of a refused call: the caller lacked the permission (IAM, an SCP, a resource policy, a
     * permissions boundary). A rule with {@code attempts} reports such calls as attempts.
     */
    public static final Set<String> DENIALS = Set.of("AccessDenied", "AccessDeniedException", "Client.UnauthorizedOperation",
            "UnauthorizedOperation", "Client.AccessDenied", "AuthorizationError", "AuthorizationErrorException",
            "UnauthorizedAccess", "Forbidden", "ForbiddenException", "Client.AuthFailure", "AuthFailure");

    private final List<Map<String, List<Candidate>>> indexes = new ArrayList<>();
    private final List<Candidate> unindexed = new ArrayList<>();
    private final Map<String, Rule> byId = new HashMap<>();
    private final List<Map<String, List<Candidate>>> deniedIndexes = new ArrayList<>();
    private final List<Candidate> deniedUnindexed = new ArrayList<>();
    private final List<Rule> rules;
    private final Rule.Exceptions extra;
    private final Context context;
    private final Map<String, String> inactive = new java.util.TreeMap<>();

    /**
     * What a deployment gives rules beyond the event: a country database for {@code country(...)} paths and named
     * lists for {@code in: {list: name}}.
     *
     * @param geo   the country database, or null when none is configured
     * @param lists named lists of values (e.g. {@code trusted-accounts}, {@code allowed-countries})
     */
    public record Context(GeoDb geo, Map<String, Set<String>> lists) {
        public static final Context NONE = new Context(null, Map.of());

        public Context {
            lists = Map.copyOf(lists);
        }

        /** The named list; empty when not configured. */
        public Set<String> list(String name) {
            return lists.getOrDefault(name, Set.of());
        }
    }

    /**
     * @param rules  the pack
     * @param extra  exceptions the deployment adds to every rule
     */
    public Engine(List<Rule> rules, Rule.Exceptions extra) {
        this(rules, extra, Context.NONE);
    }

    /**
     * @param rules   the pack; rules whose {@code requires} the context does not meet are inactive ({@link #inactive})
     * @param extra   exceptions the deployment adds to every rule
     * @param context the country database and named lists
     */
    public Engine(List<Rule> rules, Rule.Exceptions extra, Context context) {
        this.extra = extra;
        this.context = context;
        List<Rule> active = new ArrayList<>();
        for (Rule r : rules) {
            String missing = missing(r, context);
            if (missing == null) {
                active.add(r);
            } else {
                inactive.put(r.id(), missing);
            }
        }
        this.rules = List.copyOf(active);
        index(this.rules, indexes, unindexed);
        this.rules.forEach(r -> byId.put(r.id(), r));
        index(this.rules.stream().filter(r -> r.attempts() != null).map(Rule::deniedVariant).toList(), deniedIndexes, deniedUnindexed);
    }

    /**
     * A rule as the index hands it out: with what is left to test of its condition once the index chose it (the
     * condition less the test on the indexed field, which the lookup has already made).
     */
    private record Candidate(Rule rule, Condition rest) {
    }

    private static void index(List<Rule> rules, List<Map<String, List<Candidate>>> indexes, List<Candidate> unindexed) {
        INDEX_FIELDS.forEach(f -> indexes.add(new HashMap<>()));
        for (Rule r : rules) {
            boolean indexed = false;
            for (int i = 0; i < INDEX_FIELDS.size() && !indexed; i++) {
                String field = INDEX_FIELDS.get(i);
                Set<String> values = Index.required(r.match(), field);
                if (values != null) {
                    var index = indexes.get(i);
                    var candidate = new Candidate(r, Index.rest(r.match(), field));
                    values.forEach(v -> index.computeIfAbsent(v, k -> new ArrayList<>()).add(candidate));
                    indexed = true;
                }
            }
            if (!indexed) {
                unindexed.add(new Candidate(r, r.match()));
            }
        }
    }

    private static String missing(Rule r, Context context) {
        for (String req : r.requires()) {
            if (req.equals("geo") && context.geo() == null) {
                return "no country database is configured";
            }
            if (req.startsWith("list:") && context.list(req.substring(5)).isEmpty()) {
                return "the list '" + req.substring(5) + "' is not configured";
            }
        }
        return null;
    }

    /** Rules of the pack that do not run, by id, with the reason (what the deployment did not provide). */
    public Map<String, String> inactive() {
        return inactive;
    }

    public Context context() {
        return context;
    }

    /** The rules unindexed: they run for every event. */
    public List<Rule> unindexed() {
        return unindexed.stream().map(Candidate::rule).toList();
    }

    /**
     * The event's value of an index field: the normalized field, which is the record's own value as text when that is
     * a single value (and null when it is not), so a rule found under it meets its test on that field. A call seen as
     * if allowed has no error code.
     */
    private static String indexValue(CloudTrailEvent e, int field, boolean asIfAllowed) {
        return switch (field) {
            case 0 -> e.eventName();
            case 1 -> e.eventSource();
            case 2 -> asIfAllowed ? null : e.errorCode();
            case 3 -> e.eventType();
            default -> e.principal() == null ? null : e.principal().type();
        };
    }

    /** The active rules. */
    public List<Rule> rules() {
        return rules;
    }

    /** The active rule of that id, or null. */
    public Rule rule(String id) {
        return byId.get(id);
    }

    /**
     * The rules whose condition the event meets and whose exceptions do not cover it; for a refused call
     * ({@link #DENIALS}), also the {@linkplain Rule#deniedVariant denied variants} of rules with {@code attempts} whose
     * condition the call would have met had it been allowed.
     */
    public List<Rule> matches(CloudTrailEvent event) {
        var view = new EventView(event, context);
        List<Rule> out = new ArrayList<>(2);
        test(indexes, unindexed, event, view, false, out);
        if (event.errorCode() != null && DENIALS.contains(event.errorCode())) {
            test(deniedIndexes, deniedUnindexed, event, view.asIfAllowed(), true, out);
        }
        return out;
    }

    private void test(List<Map<String, List<Candidate>>> indexes, List<Candidate> unindexed, CloudTrailEvent event,
                      EventView view, boolean asIfAllowed, List<Rule> out) {
        for (int i = 0; i < indexes.size(); i++) {
            String v = indexValue(event, i, asIfAllowed);
            if (v != null) {
                List<Candidate> candidates = indexes.get(i).get(v);
                if (candidates != null) {
                    test(candidates, view, out);
                }
            }
        }
        test(unindexed, view, out);
    }

    /** Whether a rule's denied variant reports the event: a refused call the rule would match had it been allowed. */
    public boolean attempted(Rule rule, CloudTrailEvent event) {
        if (rule.attempts() == null || event.errorCode() == null || !DENIALS.contains(event.errorCode())) {
            return false;
        }
        var view = new EventView(event, context).asIfAllowed();
        return rule.match().test(view) && !excepted(rule.exceptions(), event) && !excepted(extra, event);
    }

    /** How many rules an event is tested against (for the benchmark and tests). */
    public int candidates(CloudTrailEvent event) {
        int n = unindexed.size();
        for (int i = 0; i < indexes.size(); i++) {
            String v = indexValue(event, i, false);
            if (v != null) {
                n += indexes.get(i).getOrDefault(v, List.of()).size();
            }
        }
        return n;
    }

    /** Whether one rule matches the event (its condition, less its exceptions). */
    public boolean matches(Rule rule, CloudTrailEvent event) {
        var view = new EventView(event, context);
        return rule.match().test(view) && !excepted(rule.exceptions(), event) && !excepted(extra, event);
    }

    private void test(List<Candidate> candidates, EventView view, List<Rule> out) {
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            if (c.rest().test(view) && !excepted(c.rule().exceptions(), view.event()) && !excepted(extra, view.event())) {
                out.add(c.rule());
            }
        }
    }

    static boolean excepted(Rule.Exceptions ex, CloudTrailEvent e) {
        if (ex == null || ex == Rule.Exceptions.NONE) {
            return false;
        }
        var p = e.principal();
        if (p != null) {
            if ((p.arn() != null && ex.principals().contains(p.arn()))
                    || (p.userName() != null && ex.principals().contains(p.userName()))) {
                return true;
            }
            if (p.sessionIssuer() != null && p.sessionIssuer().arn() != null && ex.roleArns().contains(p.sessionIssuer().arn())) {
                return true;
            }
        }
        if (e.accountId() != null && ex.accounts().contains(e.accountId())) {
            return true;
        }
        if (e.sourceIp() != null && !ex.sourceCidrs().isEmpty()) {
            byte[] ip = Operators.Cidr.address(e.sourceIp());
            if (ip != null) {
                for (String c : ex.sourceCidrs()) {
                    if (Operators.Cidr.parse(c).contains(ip)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Finds the values a condition requires of a top-level field, to index on. */
    static final class Index {

        /** The condition that always holds (all of none). */
        static final Condition ALWAYS = new Condition.All(List.of());

        private Index() {
        }

        /**
         * What is left of a condition to test once the index found the field's value among those {@link #required}
         * gives: the condition without the test that required them, when it is the condition or a part every match
         * needs (a part of an {@code all}); else the whole condition (the values of an {@code any} are a union, so no
         * one part is known to hold).
         */
        static Condition rest(Condition c, String field) {
            if (c instanceof Condition.Field && required(c, field) != null) {
                return ALWAYS;
            }
            if (c instanceof Condition.All all) {
                List<Condition> parts = all.conditions();
                for (int i = 0; i < parts.size(); i++) {
                    if (required(parts.get(i), field) != null) {
                        List<Condition> rest = new ArrayList<>(parts);
                        Condition part = rest(parts.get(i), field);
                        if (part == ALWAYS) {
                            rest.remove(i);
                        } else {
                            rest.set(i, part);
                        }
                        return rest.isEmpty() ? ALWAYS : rest.size() == 1 ? rest.get(0) : new Condition.All(List.copyOf(rest));
                    }
                }
            }
            return c;
        }

        /** The values the field must take for the condition to hold, or null when it is not so constrained. */
        static Set<String> required(Condition c, String field) {
            if (c instanceof Condition.Field f && f.path().toString().equals(field) && !f.ignoreCase()) {
                JsonNode arg = f.argument();
                if (f.operator().equals("equals") && arg.isValueNode()) {
                    return Set.of(arg.asText());
                }
                if (f.operator().equals("in") && arg.isArray()) {
                    Set<String> s = new java.util.HashSet<>();
                    arg.forEach(v -> s.add(v.asText()));
                    return s;
                }
                return null;
            }
            if (c instanceof Condition.All all) {
                for (Condition part : all.conditions()) {
                    Set<String> s = required(part, field);
                    if (s != null) {
                        return s;
                    }
                }
                return null;
            }
            if (c instanceof Condition.Any any) {
                Set<String> union = new java.util.HashSet<>();
                for (Condition part : any.conditions()) {
                    Set<String> s = required(part, field);
                    if (s == null) {
                        return null;
                    }
                    union.addAll(s);
                }
                return union;
            }
            return null;
        }
    }
}

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

    private final List<Map<String, List<Rule>>> indexes = new ArrayList<>();
    private final List<Rule> unindexed = new ArrayList<>();
    private final Map<String, Rule> byId = new HashMap<>();
    private final List<Map<String, List<Rule>>> deniedIndexes = new ArrayList<>();
    private final List<Rule> deniedUnindexed = new ArrayList<>();
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

    private static void index(List<Rule> rules, List<Map<String, List<Rule>>> indexes, List<Rule> unindexed) {
        INDEX_FIELDS.forEach(f -> indexes.add(new HashMap<>()));
        for (Rule r : rules) {
            boolean indexed = false;
            for (int i = 0; i < INDEX_FIELDS.size() && !indexed; i++) {
                Set<String> values = Index.required(r.match(), INDEX_FIELDS.get(i));
                if (values != null) {
                    var index = indexes.get(i);
                    values.forEach(v -> index.computeIfAbsent(v, k -> new ArrayList<>()).add(r));
                    indexed = true;
                }
            }
            if (!indexed) {
                unindexed.add(r);
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
        return unindexed;
    }

    private static String indexValue(CloudTrailEvent e, int field) {
        return switch (field) {
            case 0 -> e.eventName();
            case 1 -> e.eventSource();
            case 2 -> e.errorCode();
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
        test(indexes, unindexed, event, view, out);
        if (event.errorCode() != null && DENIALS.contains(event.errorCode())) {
            test(deniedIndexes, deniedUnindexed, event, view.asIfAllowed(), out);
        }
        return out;
    }

    private void test(List<Map<String, List<Rule>>> indexes, List<Rule> unindexed, CloudTrailEvent event, EventView view,
                      List<Rule> out) {
        for (int i = 0; i < indexes.size(); i++) {
            String v = indexValue(event, i);
            if (v != null) {
                test(indexes.get(i).getOrDefault(v, List.of()), view, out);
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
            String v = indexValue(event, i);
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

    private void test(List<Rule> candidates, EventView view, List<Rule> out) {
        for (Rule r : candidates) {
            if (r.match().test(view) && !excepted(r.exceptions(), view.event()) && !excepted(extra, view.event())) {
                out.add(r);
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
        private Index() {
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

package io.trailwatch.console.store;

import io.trailwatch.model.Severity;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What the findings list is narrowed to. Every field is optional (null or empty: any); text fields match exactly,
 * except {@code text}, a case-insensitive substring of the title, rule, principal, event, source address, account or
 * finding id.
 *
 * @param severities the severities shown; empty: all
 * @param from       event time at or after
 * @param to         event time before
 */
public record FindingFilter(Set<Severity> severities, String category, String rule, String account, String region,
                            String principal, Instant from, Instant to, String text) {

    /** No filter: everything. */
    public static final FindingFilter ALL = new FindingFilter(Set.of(), null, null, null, null, null, null, null, null);

    public FindingFilter {
        severities = severities == null || severities.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(severities));
        category = blankToNull(category);
        rule = blankToNull(rule);
        account = blankToNull(account);
        region = blankToNull(region);
        principal = blankToNull(principal);
        text = blankToNull(text);
    }

    /** The same filter over every severity: what the counts per severity are taken over. */
    public FindingFilter anySeverity() {
        return new FindingFilter(Set.of(), category, rule, account, region, principal, from, to, text);
    }

    /** Whether anything narrows the list. */
    public boolean narrows() {
        return !severities.isEmpty() || category != null || rule != null || account != null || region != null
                || principal != null || from != null || to != null || text != null;
    }

    /** The SQL condition (starting with {@code WHERE}, or empty) and its parameters, in order. */
    Where where() {
        List<String> clauses = new ArrayList<>();
        List<Object> params = new ArrayList<>();
        if (!severities.isEmpty()) {
            clauses.add("severity_rank IN (" + String.join(", ", severities.stream().map(s -> "?").toList()) + ")");
            severities.stream().sorted().forEach(s -> params.add(s.ordinal()));
        }
        equal(clauses, params, "category", category);
        equal(clauses, params, "rule_id", rule);
        equal(clauses, params, "account_id", account);
        equal(clauses, params, "region", region);
        equal(clauses, params, "principal", principal);
        if (from != null) {
            clauses.add("event_time >= ?");
            params.add(from.toEpochMilli());
        }
        if (to != null) {
            clauses.add("event_time < ?");
            params.add(to.toEpochMilli());
        }
        if (text != null) {
            clauses.add("search_text LIKE ? ESCAPE '\\'");
            params.add("%" + likeEscaped(text.toLowerCase(Locale.ROOT)) + "%");
        }
        return new Where(clauses.isEmpty() ? "" : "WHERE " + String.join(" AND ", clauses), params);
    }

    record Where(String sql, List<Object> params) {
        /** This condition and one more. */
        Where and(String clause, List<Object> more) {
            List<Object> all = new ArrayList<>(params);
            all.addAll(more);
            return new Where(sql.isEmpty() ? "WHERE " + clause : sql + " AND " + clause, all);
        }
    }

    private static void equal(List<String> clauses, List<Object> params, String column, String value) {
        if (value != null) {
            clauses.add(column + " = ?");
            params.add(value);
        }
    }

    /** {@code %}, {@code _} and the escape character itself taken literally in a LIKE pattern. */
    static String likeEscaped(String text) {
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}

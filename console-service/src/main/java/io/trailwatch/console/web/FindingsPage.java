package io.trailwatch.console.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quarkus.qute.CheckedTemplate;
import io.quarkus.qute.TemplateInstance;
import io.smallrye.common.annotation.Blocking;
import io.trailwatch.console.config.ConsoleConfig;
import io.trailwatch.console.store.FindingFilter;
import io.trailwatch.console.store.FindingRow;
import io.trailwatch.console.store.Page;
import io.trailwatch.console.store.Store;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Severity;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.net.URI;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** The findings list (filters, counts per severity, pages, live updates) and a finding's page. */
@Path("/")
@Produces(MediaType.TEXT_HTML)
@Blocking
public class FindingsPage {

    private static final ObjectMapper PRETTY = ModelJson.newMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Instant EARLIEST = Instant.EPOCH;
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");
    /** The values a filter's choice list offers at most. */
    private static final int FACETS = 500;

    @CheckedTemplate
    static class Templates {
        static native TemplateInstance findings(ListView view);

        /** The counts and the list alone, for live updates. */
        static native TemplateInstance findings$results(ListView view);

        static native TemplateInstance finding(FindingView view);
    }

    /** The list page's model. */
    public record ListView(Filter filter, List<Count> counts, long total, long shown, List<Row> rows, String olderUrl,
                           String firstUrl, Facets facets, boolean firstPage, String error) {
    }

    /** The filter as the form shows it. */
    public record Filter(Set<String> severities, String category, String rule, String account, String region,
                         String principal, String from, String to, String q, String query) {
        public boolean has(String severity) {
            return severities.contains(severity);
        }
    }

    /** One severity's count, with a link to the list narrowed to it. */
    public record Count(String severity, long count, String url) {
    }

    /** The values each choice list offers. */
    public record Facets(List<String> categories, List<String> rules, List<String> accounts, List<String> regions) {
    }

    /** One row of the list. */
    public record Row(String url, String title, String severity, String ruleId, String category, String accountId,
                      String region, String principal, String eventName, String time, int count, boolean denied) {
    }

    private final Store store;
    private final ConsoleConfig config;

    FindingsPage(Store store, ConsoleConfig config) {
        this.store = store;
        this.config = config;
    }

    @GET
    public Response home() {
        return Response.seeOther(URI.create("/findings")).build();
    }

    /** The list's query parameters: the filters, and where the page starts. */
    public static class Query {
        @QueryParam("severity")
        List<String> severity;
        @QueryParam("category")
        String category;
        @QueryParam("rule")
        String rule;
        @QueryParam("account")
        String account;
        @QueryParam("region")
        String region;
        @QueryParam("principal")
        String principal;
        @QueryParam("from")
        String from;
        @QueryParam("to")
        String to;
        @QueryParam("q")
        String q;
        @QueryParam("after")
        String after;
    }

    @GET
    @Path("findings")
    public TemplateInstance findings(@BeanParam Query query) throws SQLException {
        return Templates.findings(list(query, query.after));
    }

    /** The counts and the first page alone (no page around them): what the live updates swap in. */
    @GET
    @Path("findings/results")
    public TemplateInstance results(@BeanParam Query query) throws SQLException {
        return Templates.findings$results(list(query, null));
    }

    private ListView list(Query asked, String after) throws SQLException {
        List<String> severity = asked.severity;
        String category = asked.category;
        String rule = asked.rule;
        String account = asked.account;
        String region = asked.region;
        String principal = asked.principal;
        String from = asked.from;
        String to = asked.to;
        String q = asked.q;
        List<String> errors = new ArrayList<>();
        Set<Severity> severities = EnumSet.noneOf(Severity.class);
        for (String s : severity == null ? List.<String>of() : severity) {
            Severity.of(s).ifPresentOrElse(severities::add, () -> errors.add("no severity " + s));
        }
        Instant fromTime = time("from", from, errors);
        Instant toTime = time("to", to, errors);
        Page.Cursor cursor = cursor(after);
        FindingFilter filter = new FindingFilter(severities, category, rule, account, region, principal, fromTime, toTime, q);

        Map<String, String> params = new LinkedHashMap<>();
        put(params, "category", category);
        put(params, "rule", rule);
        put(params, "account", account);
        put(params, "region", region);
        put(params, "principal", principal);
        put(params, "from", from);
        put(params, "to", to);
        put(params, "q", q);
        String severityParams = severities.stream().map(s -> "severity=" + s.id()).collect(Collectors.joining("&"));
        String others = params.entrySet().stream().map(e -> e.getKey() + "=" + Links.encode(e.getValue()))
                .collect(Collectors.joining("&"));
        String query = join(severityParams, others);

        Map<Severity, Long> counts = store.counts(filter.anySeverity());
        List<Count> countViews = new ArrayList<>();
        for (Severity s : reversed(Severity.values())) {
            countViews.add(new Count(s.id(), counts.get(s), "/findings?" + join("severity=" + s.id(), others)));
        }
        long total = severities.isEmpty() ? counts.values().stream().mapToLong(Long::longValue).sum()
                : severities.stream().mapToLong(counts::get).sum();
        Page page = store.page(filter, cursor, config.pageSize());
        List<Row> rows = page.rows().stream().map(FindingsPage::row).toList();
        String older = page.hasMore() ? "/findings?" + join(query, "after=" + page.nextTime().toEpochMilli() + "~"
                + Links.encode(page.nextFindingId())) : null;
        Facets facets = new Facets(store.distinct("category", FACETS), store.distinct("rule_id", FACETS),
                store.distinct("account_id", FACETS), store.distinct("region", FACETS));
        Filter form = new Filter(severities.stream().map(Severity::id).collect(Collectors.toSet()), nz(category),
                nz(rule), nz(account), nz(region), nz(principal), nz(from), nz(to), nz(q), query);
        return new ListView(form, countViews, total, rows.size(), rows, older, "/findings" + (query.isEmpty() ? "" : "?" + query),
                facets, cursor == null, errors.isEmpty() ? null : String.join("; ", errors));
    }

    private static Row row(FindingRow r) {
        return new Row(Links.finding(r.findingId()), r.title(), r.severity(), r.ruleId(), r.category(), r.accountId(),
                r.region(), r.principal(), r.eventName(), Links.time(r.eventTime()), r.count(),
                Finding.DENIED.equals(r.outcome()));
    }

    /** A finding's page model. */
    public record FindingView(Finding finding, String ruleUrl, String principal, String time, String windowStart, String windowEnd,
                              String firstSeen, String lastSeen, String runbook, List<EventLink> events,
                              Evidence evidence, List<DeliveryRow> deliveries, List<RemediationRow> remediations) {
        /** Whether the finding stands for more than one event (a threshold, a dedup group). */
        public boolean grouped() {
            return finding.count() > 1 || events.size() > 1;
        }
    }

    /** An event the finding counts, with its link to the CloudTrail console. */
    public record EventLink(String eventId, String cloudTrailUrl) {
    }

    /** The evidence event, readable. */
    public record Evidence(String eventId, String eventSource, String eventName, String time, String region,
                           String sourceIp, String userAgent, String errorCode, String errorMessage, String via,
                           String s3Url, String s3Uri, String cloudTrailUrl, String json) {
    }

    /** One delivery record. */
    public record DeliveryRow(String at, String destination, String type, String route, String status, int attempts,
                              long latencyMs, Integer httpStatus, String detail, Integer grouped) {
    }

    /** One remediation record. */
    public record RemediationRow(String at, String remediation, String function, String invocationType, String outcome,
                                 String reason, int attempts, long latencyMs, Integer statusCode, String functionError,
                                 String response) {
    }

    @GET
    @Path("findings/{id}")
    public TemplateInstance finding(@PathParam("id") String id) throws SQLException {
        Store.StoredFinding stored = store.finding(id).orElseThrow(() -> new NotFoundException("no finding " + id));
        Finding f = stored.finding();
        List<EventLink> events = (f.eventIds() == null ? List.<String>of() : f.eventIds()).stream()
                .map(e -> new EventLink(e, Links.cloudTrailEvent(f.region(), e))).toList();
        List<DeliveryRow> deliveries = store.deliveries(id).stream().map(FindingsPage::delivery).toList();
        List<RemediationRow> remediations = store.remediations(id).stream().map(FindingsPage::remediation).toList();
        return Templates.finding(new FindingView(f, "/findings?rule=" + Links.encode(f.ruleId()), Store.principal(f.principal()), Links.time(f.eventTime()),
                Links.time(f.windowStart()), Links.time(f.windowEnd()), Links.time(stored.firstSeen()),
                Links.time(stored.lastSeen()), f.runbook(), events, evidence(f.evidence()), deliveries, remediations));
    }

    private static Evidence evidence(CloudTrailEvent e) {
        if (e == null) {
            return null;
        }
        String bucket = e.origin() == null ? null : e.origin().bucket();
        String key = e.origin() == null ? null : e.origin().key();
        JsonNode shown = e.raw() != null ? e.raw() : PRETTY.valueToTree(e);
        String json;
        try {
            json = PRETTY.writeValueAsString(shown);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            json = String.valueOf(shown);
        }
        return new Evidence(e.eventId(), e.eventSource(), e.eventName(), Links.time(e.eventTime()), e.awsRegion(),
                e.sourceIp(), e.userAgent(), e.errorCode(), e.errorMessage(),
                e.origin() == null ? null : e.origin().via(), Links.s3Object(bucket, key),
                bucket == null || key == null ? null : "s3://" + bucket + "/" + key,
                Links.cloudTrailEvent(e.awsRegion(), e.eventId()), json);
    }

    private static DeliveryRow delivery(Delivery d) {
        return new DeliveryRow(Links.time(d.at()), d.destination(), d.destinationType(), d.route(), d.status(),
                d.attempts(), d.latencyMs(), d.httpStatus(), d.detail(), d.grouped());
    }

    private static RemediationRow remediation(Remediation r) {
        return new RemediationRow(Links.time(r.at()), r.remediation(), r.function(), r.invocationType(), r.outcome(),
                r.reason(), r.attempts(), r.latencyMs(), r.statusCode(), r.functionError(), r.response());
    }

    /** An instant from a form: RFC 3339, or the browser's {@code datetime-local} (taken as UTC). */
    static Instant time(String field, String text, List<String> errors) {
        if (text == null || text.isBlank()) {
            return null;
        }
        String t = text.strip();
        Instant parsed;
        try {
            parsed = Instant.parse(t);
        } catch (DateTimeParseException e) {
            try {
                parsed = LocalDateTime.parse(t).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e2) {
                errors.add(field + " is no time (2026-03-01T12:00, UTC)");
                return null;
            }
        }
        if (parsed.isBefore(EARLIEST) || parsed.isAfter(LATEST)) {
            errors.add(field + " is outside the years 1970 to 9999");
            return null;
        }
        return parsed;
    }

    /** {@code <epoch ms>~<findingId>}, else null (the first page). */
    static Page.Cursor cursor(String after) {
        if (after == null) {
            return null;
        }
        int tilde = after.indexOf('~');
        if (tilde <= 0) {
            return null;
        }
        try {
            return new Page.Cursor(Instant.ofEpochMilli(Long.parseLong(after.substring(0, tilde))), after.substring(tilde + 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static void put(Map<String, String> params, String name, String value) {
        if (value != null && !value.isBlank()) {
            params.put(name, value.strip());
        }
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : b.isEmpty() ? a : a + "&" + b;
    }

    private static String nz(String s) {
        return s == null ? "" : s.strip();
    }

    private static <T> List<T> reversed(T[] values) {
        List<T> out = new ArrayList<>(List.of(values));
        java.util.Collections.reverse(out);
        return out;
    }
}

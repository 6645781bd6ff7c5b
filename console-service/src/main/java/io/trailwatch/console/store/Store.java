package io.trailwatch.console.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.Principal;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Severity;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What the console shows, in a relational database (ADR 0008): findings (one row each, updated when a finding is
 * published again), every delivery, remediation and integrity record, and the next offset of every partition read,
 * written together. Plain JDBC; the schema is Flyway's ({@code db/migration}). Thread-safe: every call takes its own
 * connection from the pool.
 */
public final class Store {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    private final DataSource dataSource;
    private final java.time.Clock clock;

    /** @param clock when rows are written: a finding's first and last time here, which live updates watch */
    public Store(DataSource dataSource, java.time.Clock clock) {
        this.dataSource = dataSource;
        this.clock = clock;
    }

    /** A record read from a topic, where it was read, for a batch. */
    public record Read<T>(String topic, int partition, long offset, long timestamp, T value) {
    }

    /**
     * One poll's worth of records, written in one transaction with the next offset of every partition they came from
     * (including records that were dead-lettered, which are written nowhere else).
     */
    public record Batch(List<Read<Finding>> findings, List<Read<Delivery>> deliveries,
                        List<Read<Remediation>> remediations, List<Read<IntegrityRecord>> integrity,
                        Map<TopicPart, Long> nextOffsets) {
        public boolean isEmpty() {
            return findings.isEmpty() && deliveries.isEmpty() && remediations.isEmpty() && integrity.isEmpty()
                    && nextOffsets.isEmpty();
        }
    }

    /** A partition of a topic. */
    public record TopicPart(String topic, int partition) {
    }

    /** This store's id, made the first time it is asked for (ADR 0008). */
    public String id() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement s = c.prepareStatement("SELECT id FROM store_identity");
                 ResultSet rs = s.executeQuery()) {
                if (rs.next()) {
                    c.commit();
                    return rs.getString(1);
                }
            }
            String id = UUID.randomUUID().toString();
            try (PreparedStatement s = c.prepareStatement("INSERT INTO store_identity (one, id, created_at) VALUES (1, ?, ?)")) {
                s.setString(1, id);
                s.setLong(2, clock.millis());
                s.executeUpdate();
                c.commit();
                return id;
            } catch (SQLException raced) {
                c.rollback(); // another replica made it first
                try (PreparedStatement s = c.prepareStatement("SELECT id FROM store_identity");
                     ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
                throw raced;
            }
        }
    }

    /** The next offset to read of each partition of {@code topic} that was written. */
    public Map<Integer, Long> offsets(String topic) throws SQLException {
        Map<Integer, Long> out = new HashMap<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT part, next_offset FROM topic_offsets WHERE topic = ?")) {
            s.setString(1, topic);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /**
     * Writes a batch in one transaction: all of it or none. Fenced by the stored offsets: a record below its partition's
     * stored next offset was written before (a poll read again after a failure, a partition that moved between
     * replicas) and is skipped, and no offset goes backwards.
     */
    public void write(Batch batch) throws SQLException {
        if (batch.isEmpty()) {
            return;
        }
        long now = clock.millis();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                Map<TopicPart, Long> stored = lockOffsets(c, batch.nextOffsets().keySet());
                for (Read<Finding> f : fresh(batch.findings(), stored)) {
                    writeFinding(c, f, now);
                }
                appendDeliveries(c, fresh(batch.deliveries(), stored));
                appendRemediations(c, fresh(batch.remediations(), stored));
                appendIntegrity(c, fresh(batch.integrity(), stored));
                Map<TopicPart, Long> next = new LinkedHashMap<>();
                batch.nextOffsets().forEach((tp, offset) -> next.put(tp, Math.max(offset, stored.getOrDefault(tp, 0L))));
                writeOffsets(c, next);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** The stored next offsets of these partitions, their rows locked until the transaction ends. */
    private static Map<TopicPart, Long> lockOffsets(Connection c, java.util.Set<TopicPart> partitions) throws SQLException {
        Map<TopicPart, Long> out = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("SELECT next_offset FROM topic_offsets WHERE topic = ? AND part = ? FOR UPDATE")) {
            for (TopicPart tp : partitions) {
                s.setString(1, tp.topic());
                s.setInt(2, tp.partition());
                try (ResultSet rs = s.executeQuery()) {
                    if (rs.next()) {
                        out.put(tp, rs.getLong(1));
                    }
                }
            }
        }
        return out;
    }

    /** The reads at or above their partition's stored next offset: those not yet written. */
    private static <T> List<Read<T>> fresh(List<Read<T>> reads, Map<TopicPart, Long> stored) {
        return reads.stream().filter(r -> r.offset() >= stored.getOrDefault(new TopicPart(r.topic(), r.partition()), 0L)).toList();
    }

    private static void writeFinding(Connection c, Read<Finding> read, long now) throws SQLException {
        Finding f = read.value();
        String body = json(f);
        String principal = principal(f.principal());
        Severity severity = Severity.of(f.severity()).orElseThrow();
        long eventTime = f.eventTime() == null ? read.timestamp() : f.eventTime().toEpochMilli();
        try (PreparedStatement u = c.prepareStatement("UPDATE findings SET rule_id = ?, title = ?, severity = ?,"
                + " severity_rank = ?, category = ?, account_id = ?, region = ?, principal = ?, source_ip = ?,"
                + " event_source = ?, event_name = ?, event_time = ?, event_count = ?, outcome = ?, search_text = ?,"
                + " last_seen = ?, body = ? WHERE finding_id = ?")) {
            int i = findingColumns(u, f, severity, principal, eventTime);
            u.setLong(i++, now);
            u.setString(i++, body);
            u.setString(i, cap(f.findingId(), 128));
            if (u.executeUpdate() > 0) {
                return;
            }
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO findings (rule_id, title, severity, severity_rank,"
                + " category, account_id, region, principal, source_ip, event_source, event_name, event_time,"
                + " event_count, outcome, search_text, first_seen, last_seen, body, finding_id)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            int i = findingColumns(s, f, severity, principal, eventTime);
            s.setLong(i++, now);
            s.setLong(i++, now);
            s.setString(i++, body);
            s.setString(i, cap(f.findingId(), 128));
            s.executeUpdate();
        }
    }

    /** The columns shared by the finding's insert and update, from the first parameter; the next index. */
    private static int findingColumns(PreparedStatement s, Finding f, Severity severity, String principal, long eventTime)
            throws SQLException {
        int i = 1;
        s.setString(i++, cap(f.ruleId(), 256));
        s.setString(i++, cap(f.title() == null ? f.ruleId() : f.title(), 1024));
        s.setString(i++, severity.id());
        s.setInt(i++, severity.ordinal());
        s.setString(i++, cap(f.category(), 256));
        s.setString(i++, cap(f.accountId(), 64));
        s.setString(i++, cap(f.region(), 64));
        s.setString(i++, cap(principal, 2048));
        s.setString(i++, cap(f.sourceIp(), 256));
        s.setString(i++, cap(f.eventSource(), 256));
        s.setString(i++, cap(f.eventName(), 256));
        s.setLong(i++, eventTime);
        s.setInt(i++, Math.max(1, f.count()));
        s.setString(i++, cap(f.outcome(), 32));
        s.setString(i++, cap(searchText(f, principal), 8000));
        return i;
    }

    /** Who acted, as the list shows and filters it: the ARN, else the type and name. */
    public static String principal(Principal p) {
        if (p == null) {
            return null;
        }
        if (p.arn() != null && !p.arn().isBlank()) {
            return p.arn();
        }
        if (p.type() != null && p.userName() != null) {
            return p.type() + ":" + p.userName();
        }
        return p.type() != null ? p.type() : p.invokedBy();
    }

    private static String searchText(Finding f, String principal) {
        StringBuilder b = new StringBuilder();
        for (String s : new String[]{f.findingId(), f.ruleId(), f.title(), f.category(), f.accountId(), f.region(),
                principal, f.sourceIp(), f.eventSource(), f.eventName()}) {
            if (s != null) {
                b.append(s).append('\n');
            }
        }
        if (f.eventIds() != null) {
            f.eventIds().stream().limit(20).forEach(id -> b.append(id).append('\n'));
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    private static void appendDeliveries(Connection c, List<Read<Delivery>> reads) throws SQLException {
        if (reads.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO deliveries (part, record_offset, finding_id,"
                + " destination, destination_type, route, status, attempts, latency_ms, http_status, detail, grouped_count, at)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Read<Delivery> r : reads) {
                Delivery d = r.value();
                int i = 1;
                s.setInt(i++, r.partition());
                s.setLong(i++, r.offset());
                s.setString(i++, cap(d.findingId(), 128));
                s.setString(i++, cap(d.destination(), 256));
                s.setString(i++, cap(d.destinationType(), 32));
                s.setString(i++, cap(d.route(), 256));
                s.setString(i++, cap(d.status(), 32));
                s.setInt(i++, d.attempts());
                s.setLong(i++, d.latencyMs());
                setInt(s, i++, d.httpStatus());
                s.setString(i++, cap(d.detail(), 2048));
                setInt(s, i++, d.grouped());
                s.setLong(i, d.at() == null ? r.timestamp() : d.at().toEpochMilli());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void appendRemediations(Connection c, List<Read<Remediation>> reads) throws SQLException {
        if (reads.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO remediations (part, record_offset, finding_id,"
                + " remediation, function_name, invocation_type, outcome, reason, status_code, function_error, attempts,"
                + " latency_ms, at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Read<Remediation> r : reads) {
                Remediation m = r.value();
                int i = 1;
                s.setInt(i++, r.partition());
                s.setLong(i++, r.offset());
                s.setString(i++, cap(m.findingId(), 128));
                s.setString(i++, cap(m.remediation(), 256));
                s.setString(i++, cap(m.function(), 512));
                s.setString(i++, cap(m.invocationType(), 32));
                s.setString(i++, cap(m.outcome(), 32));
                s.setString(i++, cap(m.reason(), 2048));
                setInt(s, i++, m.statusCode());
                s.setString(i++, cap(m.functionError(), 64));
                s.setInt(i++, m.attempts());
                s.setLong(i++, m.latencyMs());
                s.setLong(i++, m.at() == null ? r.timestamp() : m.at().toEpochMilli());
                s.setString(i, json(m));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void appendIntegrity(Connection c, List<Read<IntegrityRecord>> reads) throws SQLException {
        if (reads.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("INSERT INTO integrity (part, record_offset, chain, account_id,"
                + " region, trail_name, digest_bucket, digest_key, digest_end_time, status, problems, not_checked,"
                + " log_files, log_files_verified, checked_at, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Read<IntegrityRecord> r : reads) {
                IntegrityRecord g = r.value();
                int i = 1;
                s.setInt(i++, r.partition());
                s.setLong(i++, r.offset());
                s.setString(i++, cap(g.chain(), 512));
                s.setString(i++, cap(g.accountId(), 64));
                s.setString(i++, cap(g.region(), 64));
                s.setString(i++, cap(g.trailName(), 256));
                s.setString(i++, cap(g.digestBucket(), 256));
                s.setString(i++, cap(g.digestKey(), 1024));
                if (g.digestEndTime() == null) {
                    s.setNull(i++, Types.BIGINT);
                } else {
                    s.setLong(i++, g.digestEndTime().toEpochMilli());
                }
                s.setString(i++, cap(g.status(), 16));
                s.setInt(i++, g.problems() == null ? 0 : g.problems().size());
                s.setInt(i++, g.notChecked() == null ? 0 : g.notChecked().size());
                s.setInt(i++, g.logFiles());
                s.setInt(i++, g.logFilesVerified());
                s.setLong(i++, g.checkedAt() == null ? r.timestamp() : g.checkedAt().toEpochMilli());
                s.setString(i, json(g));
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    private static void writeOffsets(Connection c, Map<TopicPart, Long> next) throws SQLException {
        for (var e : next.entrySet()) {
            try (PreparedStatement u = c.prepareStatement("UPDATE topic_offsets SET next_offset = ? WHERE topic = ? AND part = ?")) {
                u.setLong(1, e.getValue());
                u.setString(2, e.getKey().topic());
                u.setInt(3, e.getKey().partition());
                if (u.executeUpdate() > 0) {
                    continue;
                }
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO topic_offsets (topic, part, next_offset) VALUES (?, ?, ?)")) {
                s.setString(1, e.getKey().topic());
                s.setInt(2, e.getKey().partition());
                s.setLong(3, e.getValue());
                s.executeUpdate();
            }
        }
    }

    // ---- reading

    private static final String ROW_COLUMNS = "finding_id, rule_id, title, severity, category, account_id, region,"
            + " principal, event_name, event_time, event_count, outcome";

    /** A page of findings matching {@code filter}, newest event first, starting after {@code after} (null: the first). */
    public Page page(FindingFilter filter, Page.Cursor after, int size) throws SQLException {
        FindingFilter.Where where = filter.where();
        if (after != null) {
            long t = after.time().toEpochMilli();
            where = where.and("(event_time < ? OR (event_time = ? AND finding_id < ?))", List.of(t, t, after.findingId()));
        }
        List<FindingRow> rows = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(pageQuery(where))) {
            int i = bind(s, where.params());
            s.setInt(i, size + 1);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    rows.add(row(rs));
                }
            }
        }
        if (rows.size() <= size) {
            return new Page(rows, null, null);
        }
        List<FindingRow> shown = rows.subList(0, size);
        FindingRow last = shown.get(size - 1);
        return new Page(List.copyOf(shown), last.eventTime(), last.findingId());
    }

    /** The query of {@link #page}: the condition's parameters, then the number of rows. */
    static String pageQuery(FindingFilter.Where where) {
        return "SELECT " + ROW_COLUMNS + " FROM findings " + where.sql() + " ORDER BY event_time DESC, finding_id DESC LIMIT ?";
    }

    /** The query of {@link #counts}: the condition's parameters. */
    static String countsQuery(FindingFilter.Where where) {
        return "SELECT severity_rank, COUNT(*) FROM findings " + where.sql() + " GROUP BY severity_rank";
    }

    /** How many findings match {@code filter} per severity (all severities present, zeros included). */
    public Map<Severity, Long> counts(FindingFilter filter) throws SQLException {
        Map<Severity, Long> counts = new EnumMap<>(Severity.class);
        for (Severity s : Severity.values()) {
            counts.put(s, 0L);
        }
        FindingFilter.Where where = filter.where();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(countsQuery(where))) {
            bind(s, where.params());
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int rank = rs.getInt(1);
                    if (rank >= 0 && rank < Severity.values().length) {
                        counts.put(Severity.values()[rank], rs.getLong(2));
                    }
                }
            }
        }
        return counts;
    }

    /** The distinct values of a column the filters offer (at most {@code limit}, sorted). */
    public List<String> distinct(String column, int limit) throws SQLException {
        if (!List.of("category", "rule_id", "account_id", "region").contains(column)) {
            throw new IllegalArgumentException("not a filter column: " + column);
        }
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT DISTINCT " + column + " FROM findings WHERE " + column
                     + " IS NOT NULL ORDER BY " + column + " LIMIT ?")) {
            s.setInt(1, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /** A finding as stored, with when the console first and last received it. */
    public record StoredFinding(Finding finding, Instant firstSeen, Instant lastSeen) {
    }

    public Optional<StoredFinding> finding(String findingId) throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT body, first_seen, last_seen FROM findings WHERE finding_id = ?")) {
            s.setString(1, findingId);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new StoredFinding(parse(rs.getString(1), Finding.class),
                        Instant.ofEpochMilli(rs.getLong(2)), Instant.ofEpochMilli(rs.getLong(3))));
            }
        }
    }

    /** The deliveries of a finding, oldest first: every attempt and outcome. */
    public List<Delivery> deliveries(String findingId) throws SQLException {
        List<Delivery> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT finding_id, destination, destination_type, route, status,"
                     + " attempts, latency_ms, http_status, detail, grouped_count, at FROM deliveries WHERE finding_id = ?"
                     + " ORDER BY at, part, record_offset")) {
            s.setString(1, findingId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new Delivery(rs.getString(1), null, null, null, rs.getString(4), rs.getString(2),
                            rs.getString(3), rs.getString(5), rs.getInt(6), rs.getLong(7), integer(rs, 8),
                            rs.getString(9), integer(rs, 10), Instant.ofEpochMilli(rs.getLong(11))));
                }
            }
        }
        return out;
    }

    /** The remediations of a finding, oldest first. */
    public List<Remediation> remediations(String findingId) throws SQLException {
        List<Remediation> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT body FROM remediations WHERE finding_id = ?"
                     + " ORDER BY at, part, record_offset")) {
            s.setString(1, findingId);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(parse(rs.getString(1), Remediation.class));
                }
            }
        }
        return out;
    }

    /** A trail's digests as the integrity page lists them. */
    public record TrailIntegrity(String chain, String accountId, String region, String trailName,
                                 IntegrityRecord last, long digests, long invalid) {
    }

    /** Per trail (account, region, trail): its last digest checked, how many there were and how many were invalid. */
    public List<TrailIntegrity> integrity() throws SQLException {
        List<TrailIntegrity> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT chain, account_id, region, trail_name, body, digests, invalid"
                     + " FROM (SELECT chain, account_id, region, trail_name, body,"
                     + " COUNT(*) OVER (PARTITION BY chain) AS digests,"
                     + " SUM(CASE WHEN status = 'invalid' THEN 1 ELSE 0 END) OVER (PARTITION BY chain) AS invalid,"
                     + " ROW_NUMBER() OVER (PARTITION BY chain ORDER BY checked_at DESC, part DESC, record_offset DESC) AS n"
                     + " FROM integrity) t WHERE n = 1 ORDER BY account_id, region, trail_name, chain")) {
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new TrailIntegrity(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                            parse(rs.getString(5), IntegrityRecord.class), rs.getLong(6), rs.getLong(7)));
                }
            }
        }
        return out;
    }

    /** A trail's digest records, newest check first, at most {@code limit}. */
    public List<IntegrityRecord> digests(String chain, int limit) throws SQLException {
        List<IntegrityRecord> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT body FROM integrity WHERE chain = ?"
                     + " ORDER BY checked_at DESC, part DESC, record_offset DESC LIMIT ?")) {
            s.setString(1, chain);
            s.setInt(2, limit);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(parse(rs.getString(1), IntegrityRecord.class));
                }
            }
        }
        return out;
    }

    /** The latest time any finding was written (received), or 0 when there is none: what live updates watch. */
    public long lastWrite() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT MAX(last_seen) FROM findings");
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** What retention deleted. */
    public record Purged(long findings, long deliveries, long remediations, long integrity) {
    }

    /**
     * Deletes findings the console last received before {@code before} (a grown finding's new version counts), with
     * their deliveries and remediations, and integrity records checked before it. Not by event time: a backfill of last
     * year's trail makes findings about events older than any retention, and they stay as long as any other.
     */
    public Purged purge(Instant before) throws SQLException {
        long t = before.toEpochMilli();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                long deliveries = update(c, "DELETE FROM deliveries WHERE finding_id IN"
                        + " (SELECT finding_id FROM findings WHERE last_seen < ?)", t);
                long remediations = update(c, "DELETE FROM remediations WHERE finding_id IN"
                        + " (SELECT finding_id FROM findings WHERE last_seen < ?)", t);
                long findings = update(c, "DELETE FROM findings WHERE last_seen < ?", t);
                // outcomes of findings never seen here (the findings topic's retention ran out first)
                deliveries += update(c, "DELETE FROM deliveries WHERE at < ?", t);
                remediations += update(c, "DELETE FROM remediations WHERE at < ?", t);
                long integrity = update(c, "DELETE FROM integrity WHERE checked_at < ?", t);
                c.commit();
                return new Purged(findings, deliveries, remediations, integrity);
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        }
    }

    /** How many findings there are: for the operations page and metrics. */
    public long findingCount() throws SQLException {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM findings");
             ResultSet rs = s.executeQuery()) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    private static long update(Connection c, String sql, long param) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setLong(1, param);
            return s.executeUpdate();
        }
    }

    private static FindingRow row(ResultSet rs) throws SQLException {
        return new FindingRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9),
                Instant.ofEpochMilli(rs.getLong(10)), rs.getInt(11), rs.getString(12));
    }

    private static int bind(PreparedStatement s, List<Object> params) throws SQLException {
        int i = 1;
        for (Object p : params) {
            if (p instanceof Integer n) {
                s.setInt(i++, n);
            } else if (p instanceof Long n) {
                s.setLong(i++, n);
            } else {
                s.setString(i++, (String) p);
            }
        }
        return i;
    }

    private static Integer integer(ResultSet rs, int column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? null : v;
    }

    private static void setInt(PreparedStatement s, int i, Integer v) throws SQLException {
        if (v == null) {
            s.setNull(i, Types.INTEGER);
        } else {
            s.setInt(i, v);
        }
    }

    /**
     * A value as a column takes it (hostile records carry anything): without NUL characters, which PostgreSQL refuses
     * in text, and cut to the column's width, marked as cut (never between the two halves of a surrogate pair).
     */
    static String cap(String s, int max) {
        if (s == null) {
            return null;
        }
        String clean = s.indexOf('\u0000') < 0 ? s : s.replace("\u0000", "");
        if (clean.length() <= max) {
            return clean;
        }
        int end = max - 1;
        if (Character.isHighSurrogate(clean.charAt(end - 1))) {
            end--;
        }
        return clean.substring(0, end) + "…";
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static <T> T parse(String json, Class<T> type) throws SQLException {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new SQLException("stored " + type.getSimpleName() + " is not readable: " + e.getOriginalMessage(), e);
        }
    }
}

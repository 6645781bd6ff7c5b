package io.trailwatch.console.store;

import io.trailwatch.console.PostgreSql;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The store on a real PostgreSQL server (Debian's package, installed when missing), a new database per test. */
class StoreOnPostgreSqlTest extends StoreTest {

    @Override
    DataSource newDatabase() {
        return PostgreSql.shared().newDataSource();
    }

    @Override
    String[] migrations() {
        return new String[]{"classpath:db/migration", "classpath:db/postgresql"};
    }

    @Test
    void theTextFilter_isAnsweredByTheTrigramIndex_notByReadingEveryFinding() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            // 20,000 findings whose texts differ, as a busy organisation's would after a few weeks
            s.execute("""
                    INSERT INTO findings (finding_id, rule_id, title, severity, severity_rank, event_time, event_count,
                                          search_text, first_seen, last_seen, body)
                    SELECT 'f' || n, 'rule-' || (n % 40), 'finding ' || n, 'high', 1, n, 1,
                           'rule-' || (n % 40) || ' ' || md5(n::text) || ' 203.0.113.' || (n % 250), n, n, '{}'
                    FROM generate_series(1, 20000) AS n""");
            s.execute("ANALYZE findings");
        }
        FindingFilter.Where where = new FindingFilter(Set.of(), null, null, null, null, null, null, null,
                md5("12345").substring(0, 12)).where();

        // the queries the store runs for the list and its counts
        String page = explain(Store.pageQuery(where), where, 11);
        String counts = explain(Store.countsQuery(where), where);

        assertThat(page).contains("findings_by_text").doesNotContain("Seq Scan");
        assertThat(counts).contains("findings_by_text").doesNotContain("Seq Scan");
        assertThat(store.page(new FindingFilter(Set.of(), null, null, null, null, null, null, null,
                md5("12345").substring(0, 12).toUpperCase()), null, 10).rows())
                .extracting(FindingRow::findingId).containsExactly("f12345");
    }

    @Test
    void aDatabaseUserWhoMayNotCreateTheExtension_stillGetsTheSchema_andTheTextFilterWorksWithoutTheIndex() throws SQLException {
        PostgreSql server = PostgreSql.shared();
        String database = server.newDatabase();
        String role = "limited_" + database;
        try (Connection c = server.admin(database); Statement s = c.createStatement()) {
            // may connect and create tables, but not create anything in the database itself (such as an extension)
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'limited-password'");
            s.execute("GRANT USAGE, CREATE ON SCHEMA public TO " + role);
        }
        org.postgresql.ds.PGSimpleDataSource limited = server.dataSource(database);
        limited.setUser(role);
        limited.setPassword("limited-password");

        Flyway.configure().dataSource(limited).locations(migrations()).load().migrate();

        try (Connection c = limited.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'findings_by_text'")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the trigram index").isZero();
        }
        Store onLimited = new Store(limited, java.time.Clock.systemUTC());
        onLimited.write(new Store.Batch(List.of(new Store.Read<>(io.trailwatch.model.Topics.FINDINGS, 0, 0, 0,
                io.trailwatch.console.Fixtures.finding("only", "high", "111122223333", "Trail stopped", java.time.Instant.parse("2026-03-02T10:00:00Z")))),
                List.of(), List.of(), List.of(), Map.of()));
        assertThat(onLimited.page(new FindingFilter(Set.of(), null, null, null, null, null, null, null, "trail STOPPED"), null, 10)
                .rows()).extracting(FindingRow::findingId).containsExactly("only");
    }

    /** The plan of {@code sql}, its parameters those of {@code where} and then {@code more}. */
    private String explain(String sql, FindingFilter.Where where, Object... more) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("EXPLAIN " + sql)) {
            List<Object> params = new java.util.ArrayList<>(where.params());
            params.addAll(List.of(more));
            for (int i = 0; i < params.size(); i++) {
                s.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
        }
        return plan.toString();
    }

    private static String md5(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest(text.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

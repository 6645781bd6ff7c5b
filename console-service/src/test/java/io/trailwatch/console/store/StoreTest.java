package io.trailwatch.console.store;

import io.trailwatch.console.Fixtures;
import io.trailwatch.model.Delivery;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.Remediation;
import io.trailwatch.model.Severity;
import io.trailwatch.model.Topics;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the console's store does, on each database it runs on ({@link StoreOnH2Test}, the embedded default, and
 * {@link StoreOnPostgreSqlTest}, a real server), each with its schema from the Flyway migrations.
 */
abstract class StoreTest {

    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");

    Store store;
    private long offset;
    private final io.trailwatch.testsupport.ManualClock clock = new io.trailwatch.testsupport.ManualClock(Instant.ofEpochMilli(1_000));

    /** A new, empty database of the kind under test. */
    abstract DataSource newDatabase();

    /** Where this kind of database's migrations are, as application.properties gives them to Flyway. */
    abstract String[] migrations();

    DataSource dataSource;

    @BeforeEach
    void freshDatabase() {
        dataSource = newDatabase();
        Flyway.configure().dataSource(dataSource).locations(migrations()).load().migrate();
        store = new Store(dataSource, clock);
    }

    @Test
    void findingsComeNewestFirst_inPagesThatNeitherRepeatNorSkip_evenWhenTimesAreEqual() throws SQLException {
        List<Finding> all = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            // three findings per second: ties broken by findingId
            all.add(Fixtures.finding(String.format("f%02d", i), "high", "111122223333", "t" + i, T0.plusSeconds(i / 3)));
        }
        write(all.toArray(Finding[]::new));

        List<String> seen = new ArrayList<>();
        Page.Cursor cursor = null;
        do {
            Page page = store.page(FindingFilter.ALL, cursor, 10);
            page.rows().forEach(r -> seen.add(r.findingId()));
            cursor = page.hasMore() ? new Page.Cursor(page.nextTime(), page.nextFindingId()) : null;
        } while (cursor != null);

        assertThat(seen).hasSize(23).doesNotHaveDuplicates();
        assertThat(seen.get(0)).isEqualTo("f22");
        assertThat(seen.get(22)).isEqualTo("f00");
        assertThat(seen).isSortedAccordingTo((a, b) -> b.compareTo(a));
    }

    @Test
    void filters_narrowTheListAndTheCounts_andTextMatchesAnywhereButLiterally() throws SQLException {
        write(Fixtures.finding("a", "critical", "111122223333", "Root signed in", T0),
                Fixtures.finding("b", "high", "111122223333", "Trail stopped", T0.plusSeconds(1)),
                Fixtures.finding("c", "high", "444455556666", "Trail 100% stopped", T0.plusSeconds(2)),
                Fixtures.withRule(Fixtures.finding("d", "low", "444455556666", "Key made", T0.plusSeconds(3)), "iam-create-access-key", "persistence"));

        assertThat(ids(new FindingFilter(EnumSet.of(Severity.HIGH), null, null, null, null, null, null, null, null))).containsExactly("c", "b");
        assertThat(ids(new FindingFilter(Set.of(), null, null, "444455556666", null, null, null, null, null))).containsExactly("d", "c");
        assertThat(ids(new FindingFilter(Set.of(), "persistence", null, null, null, null, null, null, null))).containsExactly("d");
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, null, T0.plusSeconds(1), T0.plusSeconds(3), null))).containsExactly("c", "b");
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, null, null, null, "STOPPED"))).containsExactly("c", "b");
        // % and _ are no wildcards
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, null, null, null, "100%"))).containsExactly("c");
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, null, null, null, "%"))).containsExactly("c");
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, null, null, null, "_"))).isEmpty();
        // the principal's ARN, the finding id
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, "arn:aws:sts::111122223333:assumed-role/Operator/ana", null, null, null))).hasSize(4);
        assertThat(ids(new FindingFilter(Set.of(), null, null, null, null, null, null, null, "assumed-role/operator"))).hasSize(4);

        Map<Severity, Long> counts = store.counts(new FindingFilter(Set.of(), null, null, "111122223333", null, null, null, null, null));
        assertThat(counts).containsEntry(Severity.CRITICAL, 1L).containsEntry(Severity.HIGH, 1L).containsEntry(Severity.LOW, 0L)
                .containsEntry(Severity.INFO, 0L);
        assertThat(store.distinct("rule_id", 10)).containsExactly("cloudtrail-stop-logging", "iam-create-access-key");
        assertThatThrownBy(() -> store.distinct("body; DROP TABLE findings", 10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aFindingPublishedAgain_isOneRow_updatedInPlace_keepingWhenItWasFirstSeen() throws SQLException {
        Finding first = Fixtures.finding("grow", "medium", "111122223333", "Burst", T0);
        store.write(batch(List.of(read(Topics.FINDINGS, first, 1)), List.of(), List.of(), List.of()));
        clock.set(Instant.ofEpochMilli(5_000));
        store.write(batch(List.of(read(Topics.FINDINGS, Fixtures.grown(first, 8), 2)), List.of(), List.of(), List.of()));

        assertThat(store.page(FindingFilter.ALL, null, 10).rows()).singleElement()
                .satisfies(r -> assertThat(r.count()).isEqualTo(8));
        Store.StoredFinding stored = store.finding("grow").orElseThrow();
        assertThat(stored.finding().count()).isEqualTo(8);
        assertThat(stored.firstSeen()).isEqualTo(Instant.ofEpochMilli(1_000));
        assertThat(stored.lastSeen()).isEqualTo(Instant.ofEpochMilli(5_000));
        assertThat(store.lastWrite()).isEqualTo(5_000);
    }

    @Test
    void aBatch_isWrittenWithItsOffsets_allOrNothing() throws SQLException {
        Finding f = Fixtures.stopLogging();
        store.write(batch(List.of(read(Topics.FINDINGS, f, 1)), List.of(), List.of(), List.of()));
        assertThat(store.offsets(Topics.FINDINGS)).containsEntry(0, offset);

        // a batch that fails halfway (a delivery repeated at the same partition and offset) leaves nothing behind
        Store.Read<Delivery> d = new Store.Read<>(Topics.DELIVERIES, 0, 7, 1, Fixtures.deliveryOf(Fixtures.delivered(), f.findingId()));
        Finding other = Fixtures.finding("other", "low", "111122223333", "Other", T0);
        long before = offset;
        assertThatThrownBy(() -> store.write(batch(List.of(read(Topics.FINDINGS, other, 2)), List.of(d, d), List.of(), List.of())))
                .isInstanceOf(SQLException.class);
        assertThat(store.finding("other")).isEmpty();
        assertThat(store.deliveries(f.findingId())).isEmpty();
        assertThat(store.offsets(Topics.FINDINGS)).containsEntry(0, before);
    }

    @Test
    void recordsBelowAPartitionsStoredOffset_areSkipped_andNoOffsetGoesBack() throws SQLException {
        Finding f = Fixtures.stopLogging();
        Store.Read<Delivery> first = new Store.Read<>(Topics.DELIVERIES, 0, 10, 1, Fixtures.deliveryOf(Fixtures.retrying(), f.findingId()));
        Store.Read<Delivery> second = new Store.Read<>(Topics.DELIVERIES, 0, 11, 1, Fixtures.deliveryOf(Fixtures.delivered(), f.findingId()));
        store.write(new Store.Batch(List.of(), List.of(first, second), List.of(), List.of(),
                Map.of(new Store.TopicPart(Topics.DELIVERIES, 0), 12L)));

        // the same poll read again (after a failure, or by a replica the partition moved to), and an older one
        store.write(new Store.Batch(List.of(), List.of(first, second), List.of(), List.of(),
                Map.of(new Store.TopicPart(Topics.DELIVERIES, 0), 12L)));
        store.write(new Store.Batch(List.of(), List.of(first), List.of(), List.of(),
                Map.of(new Store.TopicPart(Topics.DELIVERIES, 0), 11L)));

        assertThat(store.deliveries(f.findingId())).hasSize(2);
        assertThat(store.offsets(Topics.DELIVERIES)).containsEntry(0, 12L);
    }

    @Test
    void nulCharacters_whichPostgresRefusesInText_areDropped() throws SQLException {
        write(Fixtures.finding("nul", "high", "1111\u00002222", "Trail\u0000 stopped", T0));
        assertThat(store.page(FindingFilter.ALL, null, 10).rows()).singleElement().satisfies(r -> {
            assertThat(r.title()).isEqualTo("Trail stopped");
            assertThat(r.accountId()).isEqualTo("11112222");
        });
        assertThat(Store.cap("ab\uD83D\uDE00cd", 4)).as("never half a surrogate pair").isEqualTo("ab…");
    }

    @Test
    void aFindingsPage_hasEveryDeliveryAttemptAndRemediation_inTheOrderTheyHappened() throws SQLException {
        Finding f = Fixtures.stopLogging();
        Delivery retrying = Fixtures.deliveryOf(Fixtures.retrying(), f.findingId());
        Delivery delivered = Fixtures.deliveryOf(Fixtures.delivered(), f.findingId());
        Remediation dryRun = Fixtures.remediationOf(Fixtures.dryRun(), f.findingId());
        store.write(batch(List.of(read(Topics.FINDINGS, f, 1)), List.of(read(Topics.DELIVERIES, delivered, 3),
                read(Topics.DELIVERIES, retrying, 2)), List.of(read(Topics.REMEDIATIONS, dryRun, 4)), List.of()));

        assertThat(store.deliveries(f.findingId())).extracting(Delivery::status).containsExactly("retrying", "delivered");
        assertThat(store.remediations(f.findingId())).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo("dry-run");
            assertThat(r.targets()).containsKey("groupId");
        });
    }

    @Test
    void integrity_showsEachTrailsLastDigest_andCountsItsInvalidOnes() throws SQLException {
        IntegrityRecord deleted = Fixtures.deletedLogFile();
        IntegrityRecord valid = Fixtures.validDigest();
        store.write(batch(List.of(), List.of(), List.of(), List.of(read(Topics.INTEGRITY, deleted, 1), read(Topics.INTEGRITY, valid, 2))));

        List<Store.TrailIntegrity> trails = store.integrity();
        assertThat(trails).extracting(Store.TrailIntegrity::chain).doesNotHaveDuplicates();
        Store.TrailIntegrity trail = trails.stream().filter(t -> t.chain().equals(deleted.chain())).findFirst().orElseThrow();
        assertThat(trail.invalid()).isGreaterThanOrEqualTo(1);
        IntegrityRecord newest = deleted.checkedAt().isAfter(valid.checkedAt()) || !valid.chain().equals(deleted.chain()) ? deleted : valid;
        assertThat(trail.last().digestKey()).isEqualTo(newest.digestKey());
        assertThat(store.digests(deleted.chain(), 10)).isNotEmpty();
    }

    @Test
    void retention_deletesFindingsLastReceivedBeforeIt_withTheirOutcomes_andOldDigests_whateverTheEventsTimes() throws SQLException {
        Instant cutoff = T0.plus(Duration.ofDays(10));
        clock.set(T0);
        Finding stale = Fixtures.finding("stale", "high", "111122223333", "Received long ago", T0);
        Finding growing = Fixtures.finding("growing", "high", "111122223333", "Received long ago, grown since", T0);
        store.write(batch(List.of(read(Topics.FINDINGS, stale, 1), read(Topics.FINDINGS, growing, 2)),
                List.of(read(Topics.DELIVERIES, Fixtures.deliveryOf(Fixtures.delivered(), "stale"), 3)),
                List.of(), List.of(read(Topics.INTEGRITY, Fixtures.validDigest(), 4))));
        clock.set(T0.plus(Duration.ofDays(30)));
        Finding backfilled = Fixtures.finding("backfilled", "high", "111122223333", "A year-old event, received now",
                T0.minus(Duration.ofDays(365)));
        store.write(batch(List.of(read(Topics.FINDINGS, backfilled, 5), read(Topics.FINDINGS, Fixtures.grown(growing, 4), 6)),
                List.of(), List.of(), List.of()));

        Store.Purged purged = store.purge(cutoff);

        assertThat(purged.findings()).isEqualTo(1);
        assertThat(purged.deliveries()).isEqualTo(1);
        assertThat(purged.integrity()).as("checked before the cutoff").isEqualTo(1);
        assertThat(store.finding("stale")).isEmpty();
        assertThat(store.finding("backfilled")).as("its event is older than any retention, but it just arrived").isPresent();
        assertThat(store.finding("growing")).as("its new version arrived after the cutoff").isPresent();
        assertThat(store.integrity()).isEmpty();
    }

    @Test
    void hostileValues_longerThanTheirColumns_areCut_notRefused() throws SQLException {
        String huge = "x".repeat(50_000);
        Finding f = Fixtures.finding("long", "high", huge, huge, T0);
        write(f);
        assertThat(store.page(FindingFilter.ALL, null, 10).rows()).singleElement().satisfies(r -> {
            assertThat(r.title()).hasSize(1024).endsWith("…");
            assertThat(r.accountId()).hasSize(64);
        });
        // the whole record is kept as it came
        assertThat(store.finding("long").orElseThrow().finding().title()).hasSize(50_000);
    }

    @Test
    void theStoresId_isMadeOnce() throws SQLException {
        String id = store.id();
        assertThat(store.id()).isEqualTo(id);
    }

    private void write(Finding... findings) throws SQLException {
        List<Store.Read<Finding>> reads = new ArrayList<>();
        for (Finding f : findings) {
            reads.add(read(Topics.FINDINGS, f, 1_000));
        }
        store.write(batch(reads, List.of(), List.of(), List.of()));
    }

    private List<String> ids(FindingFilter filter) throws SQLException {
        return store.page(filter, null, 100).rows().stream().map(FindingRow::findingId).toList();
    }

    private <T> Store.Read<T> read(String topic, T value, long timestamp) {
        return new Store.Read<>(topic, 0, offset++, timestamp, value);
    }

    private Store.Batch batch(List<Store.Read<Finding>> findings, List<Store.Read<Delivery>> deliveries,
                              List<Store.Read<Remediation>> remediations, List<Store.Read<IntegrityRecord>> integrity) {
        Map<Store.TopicPart, Long> next = new java.util.LinkedHashMap<>();
        for (List<? extends Store.Read<?>> list : List.of(findings, deliveries, remediations, integrity)) {
            list.forEach(r -> next.merge(new Store.TopicPart(r.topic(), r.partition()), r.offset() + 1, Math::max));
        }
        return new Store.Batch(findings, deliveries, remediations, integrity, next);
    }
}

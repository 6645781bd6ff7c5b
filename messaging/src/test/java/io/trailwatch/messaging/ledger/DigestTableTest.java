package io.trailwatch.messaging.ledger;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The ledger's table of 128-bit digests: a set with times, checked against a plain map, and its memory per digest. */
class DigestTableTest {

    /** A digest as a map key for the reference model. */
    private record D(long high, long low) {
    }

    @Test
    void anyMixOfAddsRemovalsAndExpiries_leavesExactlyWhatAMapWouldHold() {
        SplittableRandom random = new SplittableRandom(20261207);
        DigestTable table = new DigestTable();
        Map<D, Long> model = new HashMap<>();
        // few distinct digests, so that adds meet digests already there and removals find them
        List<D> pool = random.longs(3_000).mapToObj(h -> new D(h, random.nextLong())).toList();
        for (int step = 0; step < 200_000; step++) {
            D d = pool.get(random.nextInt(pool.size()));
            int op = random.nextInt(100);
            if (op < 55) {
                long at = random.nextLong(1_000_000);
                table.merge(d.high(), d.low(), at);
                model.merge(d, at, Math::max);
            } else if (op < 95) {
                assertThat(table.remove(d.high(), d.low())).isEqualTo(model.remove(d) != null);
            } else if (op < 96) {
                long oldest = random.nextLong(1_000_000);
                int before = model.size();
                model.values().removeIf(at -> at < oldest);
                assertThat(table.removeOlderThan(oldest)).isEqualTo(before - model.size());
            } else {
                assertThat(table.contains(d.high(), d.low())).isEqualTo(model.containsKey(d));
            }
            assertThat(table.size()).isEqualTo(model.size());
        }
        for (D d : pool) {
            assertThat(table.contains(d.high(), d.low())).as("%s", d).isEqualTo(model.containsKey(d));
        }
    }

    @Test
    void aRunOfDigestsThatWrapsAroundTheEndOfTheTable_keepsEveryDigestFindable_whateverIsRemovedFromIt() {
        long seed = 42;
        int slots = new DigestTable(seed).capacity();
        // digests whose runs start in the last two slots and the first two: they make one run, which wraps, and a
        // digest at home in slot 0 sits there, behind two from the end
        SplittableRandom random = new SplittableRandom(1);
        DigestTable probe = new DigestTable(seed);
        List<D> run = new ArrayList<>();
        for (int home : new int[]{slots - 2, 0, slots - 2, slots - 1, slots - 2, 0, 1, slots - 1}) {
            D d;
            do {
                d = new D(random.nextLong(), random.nextLong());
            } while (probe.home(d.high(), d.low()) != home);
            run.add(d);
        }
        for (int removed = 0; removed < run.size(); removed++) {
            DigestTable table = new DigestTable(seed);
            run.forEach(d -> table.merge(d.high(), d.low(), 1));
            D gone = run.get(removed);
            assertThat(table.remove(gone.high(), gone.low())).isTrue();
            for (D d : run) {
                assertThat(table.contains(d.high(), d.low())).as("digest %d after removing %d", run.indexOf(d), removed)
                        .isEqualTo(d != gone);
            }
            assertThat(table.size()).isEqualTo(run.size() - 1);
        }
    }

    @Test
    void theLaterTimeOfADigestCounts_whicheverComesFirst() {
        DigestTable table = new DigestTable();
        table.merge(1, 2, 500);
        table.merge(1, 2, 100);
        assertThat(table.removeOlderThan(400)).isZero();
        table.merge(1, 2, 900);
        assertThat(table.removeOlderThan(800)).isZero();
        assertThat(table.removeOlderThan(901)).isEqualTo(1);
        assertThat(table.contains(1, 2)).isFalse();
    }

    @Test
    void digestsThatDifferInOneHalfOnly_areDifferent_andTheOldestTimeIsATime() {
        DigestTable table = new DigestTable();
        table.merge(7, 0, Long.MIN_VALUE);
        table.merge(0, 7, 0);
        table.merge(0, 0, 0);
        assertThat(table.size()).isEqualTo(3);
        assertThat(table.contains(7, 0)).isTrue();
        assertThat(table.contains(7, 7)).isFalse();
        assertThat(table.contains(0, 0)).isTrue();
        assertThat(table.removeOlderThan(Long.MIN_VALUE + 2)).isEqualTo(1);
        assertThat(table.contains(7, 0)).isFalse();
    }

    @Test
    void aMillionDigests_takeAtMost64BytesEach_andExpiringThemGivesTheMemoryBack() {
        SplittableRandom random = new SplittableRandom(7);
        DigestTable table = new DigestTable();
        for (int i = 0; i < 1_000_000; i++) {
            table.merge(random.nextLong(), random.nextLong(), i < 900_000 ? 1 : 2);
        }
        assertThat(table.size()).isEqualTo(1_000_000);
        assertThat(24L * table.capacity() / table.size()).isLessThanOrEqualTo(64);

        assertThat(table.removeOlderThan(2)).isEqualTo(900_000);
        assertThat(table.size()).isEqualTo(100_000);
        assertThat(24L * table.capacity() / table.size()).isLessThanOrEqualTo(64);
    }
}

package io.trailwatch.detect.service.inbound;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What lets the copies check skip its store: the filter never says "no" for an id the store can still return (one given
 * within the last two spans of the largest time given), and says "no" for nearly every id it was not given.
 */
class RecentIdsTest {

    private static final long DAY = 86_400_000L;

    @Test
    void everyIdGiven_isPerhapsThere_whileTheLargestTimeIsWithinTwoSpansOfIt() {
        var ids = new RecentIds(DAY, RecentIds.BITS);
        List<String> given = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            String id = UUID.randomUUID().toString();
            given.add(id);
            ids.add(id, 1_000_000L + i * (2 * DAY / 30_000)); // two days of ids: the filter turns over twice
        }
        ids.add("later", 1_000_000L + 3 * DAY - 1);

        assertThat(given).allMatch(ids::mightContain);
    }

    @Test
    void anIdIsForgotten_onceTheLargestTimeHasMovedThreeSpansPastItsGeneration() {
        var ids = new RecentIds(DAY, RecentIds.BITS);
        List<String> old = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            old.add("old-" + i);
            ids.add("old-" + i, 1_000L);
        }
        ids.add("day 1", 1_000L + DAY);
        ids.add("day 2", 1_000L + 2 * DAY);
        assertThat(old).allMatch(ids::mightContain);

        ids.add("day 3", 1_000L + 3 * DAY);

        assertThat(old).noneMatch(ids::mightContain);
        assertThat(ids.mightContain("day 3")).isTrue();
    }

    @Test
    void anIdNeverGiven_isCertainlyAbsent_butForAFewFalsePositives() {
        var ids = new RecentIds(DAY, RecentIds.BITS);
        assertThat(ids.mightContain("anything")).as("nothing given yet").isFalse();
        for (int i = 0; i < 100_000; i++) {
            ids.add(UUID.randomUUID().toString(), 1_000L + i);
        }

        long falsePositives = 0;
        for (int i = 0; i < 100_000; i++) {
            if (ids.mightContain(UUID.randomUUID().toString())) {
                falsePositives++;
            }
        }

        assertThat(falsePositives).as("of 100,000 ids never given, with 100,000 given").isLessThan(2_000);
    }

    @Test
    void aTimeGoingBackwards_neverTurnsTheFilterOver() {
        var ids = new RecentIds(DAY, RecentIds.BITS);
        ids.add("first", 10 * DAY);
        ids.add("late", DAY);
        ids.add("later still", 0);

        assertThat(ids.mightContain("first")).isTrue();
        assertThat(ids.mightContain("late")).isTrue();
    }

    @Test
    void aSizeThatIsNoPowerOfTwo_isRefused() {
        assertThatThrownBy(() -> new RecentIds(DAY, 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RecentIds(0, 1024)).isInstanceOf(IllegalArgumentException.class);
    }
}

package io.trailwatch.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SlackLatencyTest {

    private static final long MS = 1_000_000;

    @Test
    void eachStageIsTheTimeFromThePreviousPoint_sortedOverTheItems() {
        // sent, on the events topic, finding committed, at Slack (nanoseconds)
        long[] slowIngest = {0, 900 * MS, 1_200 * MS, 1_230 * MS};
        long[] slowDetect = {5_000 * MS, 5_040 * MS, 7_040 * MS, 7_100 * MS};

        long[][] stages = SlackLatency.split(List.of(slowIngest, slowDetect));

        assertThat(stages[0]).as(SlackLatency.STAGE_NAMES.get(0)).containsExactly(40, 900);
        assertThat(stages[1]).as(SlackLatency.STAGE_NAMES.get(1)).containsExactly(300, 2_000);
        assertThat(stages[2]).as(SlackLatency.STAGE_NAMES.get(2)).containsExactly(30, 60);
    }

    @Test
    void percentiles_areOfTheSortedMilliseconds_andMinusOneWhenNothingArrived() {
        long[] ms = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100};

        assertThat(SlackLatency.percentile(ms, 50)).isEqualTo(50);
        assertThat(SlackLatency.percentile(ms, 99)).isEqualTo(100);
        assertThat(SlackLatency.percentile(new long[0], 50)).isEqualTo(-1);
    }
}

package io.trailwatch.ingest.core;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackfillTest {

    private static final Instant FROM = Instant.parse("2026-03-01T22:00:00Z");
    private static final Instant TO = Instant.parse("2026-03-03T01:00:00Z");

    @Test
    void prefixEndingAtARegionFolder_isListedDayByDay() {
        var request = new Backfill.Request("b", "trails/AWSLogs/111122223333/CloudTrail/eu-west-1/", FROM, TO);

        assertThat(Backfill.prefixes(request)).containsExactly(
                "trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/01/",
                "trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/",
                "trails/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/03/");
    }

    @Test
    void otherPrefixes_areListedWhole() {
        assertThat(Backfill.prefixes(new Backfill.Request("b", "AWSLogs/", FROM, TO))).containsExactly("AWSLogs/");
        assertThat(Backfill.prefixes(new Backfill.Request("b", null, FROM, TO))).containsExactly("");
    }

    @Test
    void deliveryTime_comesFromTheFileName_elseLastModified() {
        var named = new ObjectRef("b", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/"
                + "111122223333_CloudTrail_eu-west-1_20260302T1005Z_abc.json.gz", 1, null, null, Instant.EPOCH);
        var unnamed = new ObjectRef("b", "exports/trail.json", 1, null, null, Instant.parse("2026-03-02T00:00:00Z"));

        assertThat(Backfill.deliveryTime(named)).isEqualTo(Instant.parse("2026-03-02T10:05:00Z"));
        assertThat(Backfill.deliveryTime(unnamed)).isEqualTo(Instant.parse("2026-03-02T00:00:00Z"));
        assertThat(Backfill.inRange(named, new Backfill.Request("b", "", FROM, TO))).isTrue();
        assertThat(Backfill.inRange(named, new Backfill.Request("b", "", FROM, Instant.parse("2026-03-02T10:05:00Z")))).isFalse();
    }

    @Test
    void request_needsABucketAndAnOrderedRange() {
        assertThatThrownBy(() -> new Backfill.Request("", "p", FROM, TO)).hasMessageContaining("bucket");
        assertThatThrownBy(() -> new Backfill.Request("b", "p", TO, FROM)).hasMessageContaining("before");
    }
}

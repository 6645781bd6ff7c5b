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
    void aRangeLongerThanTheLimit_isRefused_beforeAnyPrefixIsBuilt() {
        var backfill = backfill(new BlockingSource(), new io.trailwatch.testsupport.ManualClock(FROM));

        assertThatThrownBy(() -> backfill.start(new Backfill.Request("b", "AWSLogs/111122223333/CloudTrail/eu-west-1/",
                Instant.parse("0001-01-01T00:00:00Z"), Instant.parse("9999-01-01T00:00:00Z"))))
                .isInstanceOf(Backfill.RefusedException.class).hasMessageContaining("max-range")
                .satisfies(e -> assertThat(((Backfill.RefusedException) e).tooBusy()).isFalse());
        assertThat(backfill.all()).isEmpty();
    }

    @Test
    void runningJobs_areCapped_andFinishedJobsAreForgottenAfterTheirKeepPeriod() throws Exception {
        var source = new BlockingSource();
        var now = new io.trailwatch.testsupport.ManualClock(FROM);
        var backfill = backfill(source, now);
        var request = new Backfill.Request("b", "p/", FROM, TO);
        String first = backfill.start(request);
        String second = backfill.start(request);

        assertThatThrownBy(() -> backfill.start(request)).isInstanceOf(Backfill.RefusedException.class)
                .hasMessageContaining("max-running")
                .satisfies(e -> assertThat(((Backfill.RefusedException) e).tooBusy()).isTrue());

        source.release.countDown();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> backfill.all().stream().allMatch(p -> p.state().equals("done")));
        assertThat(backfill.start(request)).as("a slot is free again").isNotBlank();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> backfill.all().stream().allMatch(p -> p.state().equals("done")));

        now.set(FROM.plus(java.time.Duration.ofHours(2)));
        assertThat(backfill.progress(first)).as("finished an hour ago, still kept").isPresent();
        now.set(FROM.plus(java.time.Duration.ofDays(2)));
        assertThat(backfill.progress(first)).isEmpty();
        assertThat(backfill.progress(second)).isEmpty();
        assertThat(backfill.all()).isEmpty();
    }

    private static Backfill backfill(ObjectSource source, java.time.Clock clock) {
        return new Backfill(source, null, java.util.concurrent.Executors.newSingleThreadExecutor(), 1, clock,
                new Backfill.Limits(java.time.Duration.ofDays(400), 2, java.time.Duration.ofDays(1)));
    }

    /** A bucket whose listing (empty) takes until released. */
    private static final class BlockingSource implements ObjectSource {
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

        @Override
        public OpenedObject open(ObjectRef ref) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void list(String bucket, String prefix, String startAfter, java.util.function.Consumer<ObjectRef> each) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Test
    void request_needsABucketAndAnOrderedRange() {
        assertThatThrownBy(() -> new Backfill.Request("", "p", FROM, TO)).hasMessageContaining("bucket");
        assertThatThrownBy(() -> new Backfill.Request("b", "p", TO, FROM)).hasMessageContaining("before");
    }
}

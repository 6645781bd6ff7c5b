package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One destination's courier: retries what may be retried, within its budget, and never what was refused. */
class CourierTest {

    /** A destination that answers from a script, and counts what it was sent. */
    private static final class Scripted implements Destination {
        private final Deque<Attempt> answers;
        int calls;

        Scripted(List<Attempt> answers) {
            this.answers = new ArrayDeque<>(answers);
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public String type() {
            return "webhook";
        }

        @Override
        public Attempt send(Finding finding) {
            calls++;
            return answers.size() > 1 ? answers.pop() : answers.peek();
        }

        @Override
        public Attempt sendDigest(Grouper.Digest digest) {
            return send(digest.first());
        }
    }

    private static Courier courier(Destination d, Duration budget) {
        return new Courier(d, Duration.ofMillis(10), Duration.ofMillis(50), budget, 1000, 10);
    }

    @Test
    void retriesUntilDelivered_countingAttempts() throws Exception {
        var d = new Scripted(List.of(new Attempt.Retry(503, null, "HTTP 503"), new Attempt.Retry(null, null, "IOException"),
                new Attempt.Delivered(200)));
        try (var c = courier(d, Duration.ofSeconds(5))) {
            var o = c.deliver(TestFindings.stopLogging()).get();

            assertThat(o.delivered()).isTrue();
            assertThat(o.attempts()).isEqualTo(3);
            assertThat(d.calls).isEqualTo(3);
        }
    }

    @Test
    void aRefusal_isNotRetried() throws Exception {
        var d = new Scripted(List.of(new Attempt.Refused(400, "HTTP 400")));
        try (var c = courier(d, Duration.ofSeconds(5))) {
            var o = c.deliver(TestFindings.stopLogging()).get();

            assertThat(o.delivered()).isFalse();
            assertThat(o.attempts()).isEqualTo(1);
            assertThat(o.reason()).isEqualTo("HTTP 400");
        }
    }

    @Test
    void theBudget_endsRetrying_withTheLastReason() throws Exception {
        var d = new Scripted(List.of(new Attempt.Retry(503, null, "HTTP 503")));
        try (var c = courier(d, Duration.ofMillis(300))) {
            var o = c.deliver(TestFindings.stopLogging()).get();

            assertThat(o.delivered()).isFalse();
            assertThat(o.attempts()).isGreaterThan(1);
            assertThat(o.reason()).startsWith("retry budget of PT0.3S spent; last: HTTP 503");
        }
    }

    @Test
    void afterStopTaking_queuedFindingsAreAbandoned_notAttempted() throws Exception {
        var d = new Scripted(List.of(new Attempt.Delivered(200)));
        try (var c = courier(d, Duration.ofSeconds(5))) {
            c.stopTaking();
            var o = c.deliver(TestFindings.stopLogging()).get();

            assertThat(o.abandoned()).isTrue();
            assertThat(d.calls).isZero();
        }
    }
}

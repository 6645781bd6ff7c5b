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
        return courier(d, budget, Duration.ofMinutes(1));
    }

    private static Courier courier(Destination d, Duration budget, Duration probeEvery) {
        return new Courier(d, Duration.ofMillis(10), Duration.ofMillis(50), budget, 1000, 10, probeEvery);
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
    void aDestinationDownLongerThanARetryBudget_isDown_laterJobsEndAtOnceUnattempted_andOneProbeBringsItBack() throws Exception {
        var up = new java.util.concurrent.atomic.AtomicBoolean(false);
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        Destination flaky = answering("flaky", f -> {
            calls.incrementAndGet();
            return up.get() ? new Attempt.Delivered(200) : new Attempt.Retry(503, null, "HTTP 503");
        });
        try (Courier c = courier(flaky, Duration.ofMillis(200), Duration.ofMillis(500))) {
            var first = c.deliver(TestFindings.finding("a", "r", "high", "c", "111", "eu-west-1")).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first.down()).as("its budget spent: the destination is down, not the finding refused").isTrue();
            assertThat(first.reason()).startsWith("retry budget of PT0.2S spent; last: HTTP 503");
            assertThat(c.down()).isTrue();

            int before = calls.get();
            var queued = c.deliver(TestFindings.finding("b", "r", "high", "c", "111", "eu-west-1")).get(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(queued.down()).isTrue();
            assertThat(queued.attempts()).as("not attempted while the circuit is open").isZero();
            assertThat(calls.get()).isEqualTo(before);

            up.set(true);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    c.deliver(TestFindings.finding("c", "r", "high", "c", "111", "eu-west-1")).get().delivered());
            assertThat(c.down()).as("a probe got through: the destination is back").isFalse();
            assertThat(c.deliver(TestFindings.finding("d", "r", "high", "c", "111", "eu-west-1")).get().delivered()).isTrue();
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

    @Test
    void aCriticalFinding_overtakesLowerOnesStillQueued_andEachSeverityKeepsItsOrder() throws Exception {
        List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        var gate = new java.util.concurrent.CountDownLatch(1);
        var underWay = new java.util.concurrent.CountDownLatch(1);
        Destination recording = answering("recording", f -> {
            underWay.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            order.add(f.findingId());
            return new Attempt.Delivered(200);
        });
        try (Courier c = courier(recording, Duration.ofSeconds(5))) {
            List<java.util.concurrent.CompletableFuture<Courier.Outcome>> all = new java.util.ArrayList<>();
            all.add(c.deliver(TestFindings.finding("low-0", "r", "low", "c", "111", "eu-west-1"))); // under way, held at the gate
            assertThat(underWay.await(5, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            for (int i = 1; i <= 3; i++) {
                all.add(c.deliver(TestFindings.finding("low-" + i, "r", "low", "c", "111", "eu-west-1")));
            }
            all.add(c.deliver(TestFindings.finding("high-1", "r", "high", "c", "111", "eu-west-1")));
            all.add(c.deliver(TestFindings.finding("critical-1", "root", "critical", "c", "111", "eu-west-1")));
            all.add(c.deliver(TestFindings.finding("medium-1", "r", "medium", "c", "111", "eu-west-1")));
            all.add(c.deliver(TestFindings.finding("critical-2", "root", "critical", "c", "111", "eu-west-1")));
            gate.countDown();
            for (var f : all) {
                assertThat(f.get(5, java.util.concurrent.TimeUnit.SECONDS).delivered()).isTrue();
            }
        }

        assertThat(order).containsExactly("low-0", "critical-1", "critical-2", "high-1", "medium-1", "low-1", "low-2", "low-3");
    }

    @Test
    void withConcurrency_aSlowAnswerHoldsUpOneDelivery_theOthersGoPastIt_withinTheRate() throws Exception {
        var slow = new java.util.concurrent.CountDownLatch(1);
        var atOnce = new java.util.concurrent.atomic.AtomicInteger();
        var most = new java.util.concurrent.atomic.AtomicInteger();
        Destination receiver = answering("receiver", f -> {
            most.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            try {
                if (f.findingId().equals("slow")) {
                    slow.await(); // an answer that takes its time
                }
                return new Attempt.Delivered(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Attempt.Retry(null, null, "interrupted");
            } finally {
                atOnce.decrementAndGet();
            }
        });
        try (Courier c = new Courier(receiver, Duration.ofMillis(10), Duration.ofMillis(50), Duration.ofSeconds(5), 1000, 10,
                Duration.ofMinutes(1), 4)) {
            var held = c.deliver(TestFindings.finding("slow", "r", "high", "c", "111", "eu-west-1"));
            List<java.util.concurrent.CompletableFuture<Courier.Outcome>> others = new java.util.ArrayList<>();
            for (int i = 0; i < 20; i++) {
                others.add(c.deliver(TestFindings.finding("f-" + i, "r", "low", "c", "111", "eu-west-1")));
            }
            for (var f : others) {
                assertThat(f.get(5, java.util.concurrent.TimeUnit.SECONDS).delivered()).as("delivered while the slow one waits").isTrue();
            }
            assertThat(held).isNotDone();
            slow.countDown();
            assertThat(held.get(5, java.util.concurrent.TimeUnit.SECONDS).delivered()).isTrue();
        }
        assertThat(most.get()).as("deliveries under way at once").isBetween(2, 4);

        var one = new java.util.concurrent.CountDownLatch(1);
        Destination gated = answering("gated", f -> {
            try {
                one.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return new Attempt.Delivered(200);
        });
        try (Courier c = courier(gated, Duration.ofSeconds(5))) {
            var first = c.deliver(TestFindings.finding("a", "r", "high", "c", "111", "eu-west-1"));
            var second = c.deliver(TestFindings.finding("b", "r", "high", "c", "111", "eu-west-1"));
            // a delivery that does not start cannot signal it: the second stays undone while the first is held
            org.awaitility.Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !second.isDone());
            assertThat(second).as("one at a time by default: the second waits for the first").isNotDone();
            one.countDown();
            assertThat(first.get(5, java.util.concurrent.TimeUnit.SECONDS).delivered()).isTrue();
            assertThat(second.get(5, java.util.concurrent.TimeUnit.SECONDS).delivered()).isTrue();
        }
    }

    @Test
    void anErrorThrownWhileDelivering_failsThatDelivery_andTheCourierGoesOnAlive() throws Exception {
        var answers = new java.util.concurrent.atomic.AtomicInteger();
        Destination erratic = answering("erratic", f -> {
            if (answers.getAndIncrement() == 0) {
                throw new LinkageError("a class that could not be loaded");
            }
            return new Attempt.Delivered(200);
        });
        try (Courier c = courier(erratic, Duration.ofSeconds(5))) {
            var first = c.deliver(TestFindings.finding("a", "r", "high", "c", "111", "eu-west-1")).get(5, java.util.concurrent.TimeUnit.SECONDS);
            var second = c.deliver(TestFindings.finding("b", "r", "high", "c", "111", "eu-west-1")).get(5, java.util.concurrent.TimeUnit.SECONDS);

            assertThat(first.delivered()).isFalse();
            assertThat(first.reason()).contains("LinkageError");
            assertThat(second.delivered()).as("the next one goes").isTrue();
            assertThat(c.alive(Duration.ofSeconds(30))).isTrue();
        }
        var closed = courier(erratic, Duration.ofSeconds(5));
        closed.close();
        assertThat(closed.alive(Duration.ofSeconds(30))).as("a courier whose thread ended is reported dead").isFalse();
    }

    /** A destination that answers each finding (and a digest's first) as {@code send} says. */
    private static Destination answering(String name, java.util.function.Function<Finding, Attempt> send) {
        return new Destination() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String type() {
                return "webhook";
            }

            @Override
            public Attempt send(Finding f) {
                return send.apply(f);
            }

            @Override
            public Attempt sendDigest(Grouper.Digest d) {
                return send.apply(d.first());
            }
        };
    }
}

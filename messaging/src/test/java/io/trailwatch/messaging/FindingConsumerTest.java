package io.trailwatch.messaging;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared way to act on findings: bounded, so a slow destination pauses consumption instead of filling memory. */
class FindingConsumerTest {

    /** An emitter whose every message Kafka "took" at once. */
    private static final class Taking<T> implements Emitter<T> {
        final AtomicInteger sent = new AtomicInteger();

        @Override
        public CompletionStage<Void> send(T payload) {
            sent.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public <M extends Message<? extends T>> void send(M msg) {
            sent.incrementAndGet();
            msg.ack();
        }

        @Override
        public void complete() {
        }

        @Override
        public void error(Exception e) {
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean hasRequests() {
            return true;
        }
    }

    @Test
    void pastTheLimitOfFindingsUnderWay_theNextIsTakenOnlyWhenOneFinishes_andNoneIsLost() throws Exception {
        var ledger = new Ledger();
        ledger.markReady();
        List<CompletableFuture<FindingConsumer.Outcome<String>>> work = new java.util.concurrent.CopyOnWriteArrayList<>();
        var consumer = new FindingConsumer<String>("test", ledger, CompletableFuture.completedFuture(null), new Taking<>(),
                new Taking<DeadLetter>(), new SimpleMeterRegistry(), (f, m) -> List.of(new FindingConsumer.Task<>("d|" + f.findingId(), () -> {
                    var w = new CompletableFuture<FindingConsumer.Outcome<String>>();
                    work.add(w);
                    return w;
                })), 2);
        AtomicInteger acked = new AtomicInteger();

        var first = consumer.accept(message("f-1", acked));
        var second = consumer.accept(message("f-2", acked));
        var third = consumer.accept(message("f-3", acked));

        assertThat(first.toCompletableFuture()).isDone();
        assertThat(second.toCompletableFuture()).isDone();
        assertThat(third.toCompletableFuture()).as("two under way: the channel waits").isNotDone();
        assertThat(consumer.inFlight()).isEqualTo(2);
        assertThat(work).hasSize(2);

        work.get(0).complete(FindingConsumer.done("delivered"));

        assertThat(third.toCompletableFuture()).as("taken once one finished").isDone();
        assertThat(work).hasSize(3);
        work.get(1).complete(FindingConsumer.done("delivered"));
        work.get(2).complete(FindingConsumer.done("delivered"));
        assertThat(acked).hasValue(3);
        assertThat(consumer.inFlight()).isZero();
    }

    private static Message<FindingDeserializer.Read> message(String id, AtomicInteger acked) throws Exception {
        Finding f;
        try (InputStream in = FindingConsumerTest.class.getClassLoader().getResourceAsStream("golden/trailwatch.findings.v1/v1/stop-logging.json")) {
            f = ModelJson.newMapper().readValue(in, Finding.class);
        }
        Finding mine = new Finding(id, f.ruleId(), f.title(), f.description(), f.severity(), f.category(), f.mitre(), f.accountId(),
                f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(), f.eventIds(), 1, null, null,
                f.evidence(), f.runbook(), f.references());
        return Message.of(new FindingDeserializer.Read(mine, null, null), () -> {
            acked.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
    }
}

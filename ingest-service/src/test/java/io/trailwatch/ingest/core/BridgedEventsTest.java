package io.trailwatch.ingest.core;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.cloudtrail.RawRecord;
import io.trailwatch.ingest.Notifications;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IngestedObject;
import io.trailwatch.model.IntegrityRecord;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/** The near-real-time path: CloudTrail events EventBridge delivered, published as they are or dead-lettered with a reason. */
class BridgedEventsTest {

    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-02T10:01:13Z"), ZoneOffset.UTC);
    private final Sink sink = new Sink();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final IngestMetrics metrics = new IngestMetrics(registry);

    @Test
    void aCloudTrailEvent_isPublishedAsItsRecord_keyedByItsAccount_withItsEventBridgeId_andItsAccountVerified() throws Exception {
        BridgedEvent event = event("eventbridge-cloudtrail-api-call.json", "111122223333");

        var outcome = events(Set.of(), 262_144).publish(event, Map.of("sqsMessageId", "m-1"));

        assertThat(outcome).isEqualTo(ObjectIngestor.Outcome.INGESTED);
        assertThat(sink.published).singleElement().satisfies(p -> {
            assertThat(p.record().eventId()).isEqualTo("eb-stop-logging-0001");
            assertThat(p.record().bytes()).isEqualTo(event.bytes());
            assertThat(p.accountId()).isEqualTo("111122223333");
            assertThat(p.eventTime()).isEqualTo(Instant.parse("2026-03-02T10:01:11Z"));
            assertThat(p.eventBridgeId()).isEqualTo("3e0f5a61-7c2b-4d8e-9a1f-5b6c7d8e9f01");
            assertThat(p.accountCheck()).isEqualTo(EventOrigin.VERIFIED);
        });
        assertThat(sink.deadLetters).isEmpty();
        assertThat(registry.counter(IngestMetrics.EVENTBRIDGE_EVENTS, "outcome", "published", "reason", "ok").count()).isEqualTo(1);
        assertThat(registry.timer(IngestMetrics.EVENTBRIDGE_LAG).count()).isEqualTo(1);
    }

    @Test
    void aRecordOfAnotherAccountThanItsEvent_isDeadLettered_notPublished() throws Exception {
        var outcome = events(Set.of(), 262_144).publish(event("eventbridge-cloudtrail-api-call.json", "444455556666"), Map.of("sqsMessageId", "m-2"));

        assertThat(outcome).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);
        assertThat(sink.published).isEmpty();
        assertThat(sink.deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("account-mismatch");
            assertThat(d.detail()).contains("444455556666", "111122223333");
            assertThat(d.source()).containsEntry("sqsMessageId", "m-2").containsEntry("eventBridgeId", "3e0f5a61-7c2b-4d8e-9a1f-5b6c7d8e9f01");
            assertThat(d.payload()).contains("eb-stop-logging-0001");
        });
        assertThat(registry.counter(IngestMetrics.DEAD_LETTERS, "channel", "records", "reason", "account-mismatch").count()).isEqualTo(1);
    }

    @Test
    void anAccountOutsideTheConfiguredSources_isRefused() throws Exception {
        var outcome = events(Set.of("999999999999"), 262_144).publish(event("eventbridge-cloudtrail-api-call.json", "111122223333"), Map.of());

        assertThat(outcome).isEqualTo(ObjectIngestor.Outcome.REFUSED);
        assertThat(sink.published).isEmpty();
        assertThat(sink.deadLetters).extracting(DeadLetter::reason).containsExactly(BridgedEvents.ACCOUNT_NOT_ALLOWED);
    }

    @Test
    void anEventLargerThanEventBridgeSends_isDeadLettered_withoutItsBody() throws Exception {
        var outcome = events(Set.of(), 200).publish(event("eventbridge-cloudtrail-api-call.json", "111122223333"), Map.of());

        assertThat(outcome).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);
        assertThat(sink.deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(BridgedEvents.EVENT_TOO_LARGE);
            assertThat(d.payload()).isNull();
        });
    }

    @Test
    void aDetailThatIsNoCloudTrailRecord_isDeadLettered_withTheReason() throws Exception {
        BridgedEvent good = event("eventbridge-cloudtrail-api-call.json", "111122223333");
        var detail = (com.fasterxml.jackson.databind.node.ObjectNode) good.detail().deepCopy();
        detail.remove("eventName");
        var bad = new BridgedEvent(good.id(), good.detailType(), good.source(), good.account(), good.region(), detail,
                detail.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(events(Set.of(), 262_144).publish(bad, Map.of())).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);
        assertThat(sink.deadLetters).extracting(DeadLetter::reason).containsExactly("missing-field");
    }

    @Test
    void kafkaRefusingForSize_deadLetters_whileAnyOtherFailure_leavesTheMessageForRedelivery() throws Exception {
        BridgedEvent event = event("eventbridge-cloudtrail-api-call.json", "111122223333");
        sink.failure = new EventSink.TooLargeException("The message is 1048588 bytes when serialized");
        assertThat(events(Set.of(), 262_144).publish(event, Map.of())).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);
        assertThat(sink.deadLetters).extracting(DeadLetter::reason).containsExactly(ObjectIngestor.TOO_LARGE_FOR_KAFKA);

        sink.failure = new IllegalStateException("broker gone");
        assertThat(events(Set.of(), 262_144).publish(event, Map.of())).isEqualTo(ObjectIngestor.Outcome.RETRY);
        assertThat(registry.counter(IngestMetrics.EVENTBRIDGE_EVENTS, "outcome", "retried", "reason", "kafka-error").count()).isEqualTo(1);
    }

    private BridgedEvents events(Set<String> accounts, long maxBytes) {
        return new BridgedEvents(sink, accounts, maxBytes, metrics, Duration.ofSeconds(5), CLOCK);
    }

    private static BridgedEvent event(String fixture, String recipient) throws Exception {
        return Envelopes.parse(Notifications.render(fixture, Map.of("account", recipient))).events().get(0);
    }

    private record Published(RawRecord record, String accountId, Instant eventTime, String eventBridgeId, String accountCheck) {
    }

    private static final class Sink implements EventSink {
        final List<Published> published = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        RuntimeException failure;

        @Override
        public FileEvents events(ObjectRef from, String accountCheck) {
            throw new AssertionError("no log file here");
        }

        @Override
        public CompletionStage<Void> bridged(RawRecord record, String accountId, Instant eventTime, String eventBridgeId, String accountCheck) {
            if (failure != null) {
                return CompletableFuture.failedFuture(failure);
            }
            published.add(new Published(record, accountId, eventTime, eventBridgeId, accountCheck));
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key) {
            assertThat(channel).isEqualTo(DeadLetterChannel.RECORDS);
            deadLetters.add(letter);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> completed(IngestedObject object) {
            throw new AssertionError("no ledger here");
        }

        @Override
        public CompletionStage<Void> integrity(IntegrityRecord record) {
            throw new AssertionError("no digest here");
        }

        @Override
        public CompletionStage<Void> finding(Finding finding) {
            throw new AssertionError("no finding here");
        }
    }
}

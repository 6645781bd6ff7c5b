package io.trailwatch.ingest.core;

import io.trailwatch.messaging.ledger.Ledger;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.IngestedObject;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** The decisions of one object's ingestion, with an in-memory source and sink standing in for S3 and Kafka. */
class ObjectIngestorTest {

    private static final String KEY = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/111122223333_CloudTrail_eu-west-1_20260302T1005Z_a.json";

    private final Map<String, byte[]> objects = new HashMap<>();
    private final List<String> opened = java.util.Collections.synchronizedList(new ArrayList<>());
    private volatile CountDownLatch opening;
    private volatile CountDownLatch gate; // when set, the next open waits for it
    private final Sink sink = new Sink();
    private final Ledger ledger = new Ledger();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ObjectIngestor ingestor = new ObjectIngestor(
            new Admission(Set.of("trail"), List.of(), Set.of(), Pattern.compile("CloudTrail-Digest/")),
            new Source(), sink, ledger, new LogFileReader(Caps.DEFAULT), new IngestMetrics(registry),
            Duration.ofSeconds(5), Clock.fixed(Instant.parse("2026-03-02T10:10:00Z"), ZoneOffset.UTC));

    @Test
    void goodFile_everyRecordPublished_thenLedgered() {
        objects.put(KEY, file(3));

        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.INGESTED);

        assertThat(sink.events).extracting(CloudTrailEvent::eventId).containsExactly("e0", "e1", "e2");
        assertThat(sink.events).extracting(CloudTrailEvent::accountId).containsOnly("111122223333");
        assertThat(sink.events).extracting(CloudTrailEvent::origin)
                .containsOnly(new io.trailwatch.model.EventOrigin("trail", KEY, io.trailwatch.model.EventOrigin.VERIFIED));
        assertThat(sink.ledger).singleElement().satisfies(o -> {
            assertThat(o.records()).isEqualTo(3);
            assertThat(o.etag()).isEqualTo("etag-1");
        });
        assertThat(ledger.contains(IngestedObject.ledgerKey("trail", KEY, "etag-1", null))).isTrue();
    }

    @Test
    void thePublishedRecordsMetric_countsEveryRecordHandedToKafka_whenItsFileEnds_whateverTheFilesSize() {
        int records = 2 * ObjectIngestor.COUNT_EVERY + 3;
        objects.put(KEY, file(records));
        String other = KEY.replace("_a.json", "_b.json");
        objects.put(other, file(5));
        sink.failFrom = records + 2; // the second file's third record is refused: it was handed to Kafka all the same

        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.INGESTED);
        assertThat(registry.counter(IngestMetrics.RECORDS_PUBLISHED).count()).isEqualTo(records);
        assertThat(ingestor.ingest(ref(other), Map.of())).isEqualTo(ObjectIngestor.Outcome.RETRY);
        assertThat(registry.counter(IngestMetrics.RECORDS_PUBLISHED).count()).isEqualTo(records + 3);
    }

    @Test
    void objectInTheLedger_isSkipped_beforeItIsFetchedWhenTheEtagIsKnown() {
        objects.put(KEY, file(3));
        ledger.add(IngestedObject.ledgerKey("trail", KEY, "etag-1", null));

        assertThat(ingestor.ingest(new ObjectRef("trail", KEY, 1, "etag-1", null, null), Map.of()))
                .isEqualTo(ObjectIngestor.Outcome.SKIPPED);
        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.SKIPPED);

        assertThat(opened).containsExactly(KEY);
        assertThat(sink.events).isEmpty();
    }

    @Test
    void foreignBucket_isRefusedAndNeverOpened() {
        assertThat(ingestor.ingest(new ObjectRef("elsewhere", KEY, 1, null, null, null), Map.of("sqsMessageId", "m1")))
                .isEqualTo(ObjectIngestor.Outcome.REFUSED);

        assertThat(opened).isEmpty();
        assertThat(sink.deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo("bucket-not-allowed");
            assertThat(d.source()).containsEntry("sqsMessageId", "m1").containsEntry("bucket", "elsewhere");
        });
    }

    @Test
    void kafkaRefusingARecord_stopsReading_andAsksForARetry_withoutLedgering() {
        objects.put(KEY, file(50));
        sink.failFrom = 2;

        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.RETRY);

        assertThat(sink.attempts).as("reading stopped soon after the first refusal").isLessThan(10);
        assertThat(sink.ledger).isEmpty();
    }

    @Test
    void aRecordKafkaRefusesForItsSize_isDeadLettered_notRetried_andItsSiblingsArePublished() {
        objects.put(KEY, file(3));
        sink.tooLarge = "e1";

        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.INGESTED);

        assertThat(sink.events).extracting(CloudTrailEvent::eventId).containsExactly("e0", "e2");
        assertThat(sink.deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(ObjectIngestor.TOO_LARGE_FOR_KAFKA);
            assertThat(d.detail()).contains("e1");
            assertThat(d.source()).containsEntry("recordIndex", "1");
        });
        assertThat(sink.ledger).singleElement().satisfies(o -> {
            assertThat(o.records()).isEqualTo(2);
            assertThat(o.deadLettered()).isEqualTo(1);
        });
    }

    @Test
    void recordsNamingAnotherAccount_thanTheKey_areNotPublished_butDeadLettered_andRaiseOneCriticalFinding() {
        String forged = fileText(3).replace("\"eventID\":\"e1\"", "\"eventID\":\"e1\",\"recipientAccountId\":\"444455556666\"")
                .replace("\"eventID\":\"e2\"", "\"eventID\":\"e2\",\"recipientAccountId\":\"444455556666\"");
        objects.put(KEY, forged.getBytes(StandardCharsets.UTF_8));

        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.INGESTED);
        assertThat(ingestor.ingest(ref(KEY), Map.of())).as("a redelivery").isEqualTo(ObjectIngestor.Outcome.SKIPPED);

        assertThat(sink.events).extracting(CloudTrailEvent::eventId).containsExactly("e0");
        assertThat(sink.events).extracting(CloudTrailEvent::accountId).containsOnly("111122223333");
        assertThat(sink.deadLetters).extracting(DeadLetter::reason).containsOnly("account-mismatch").hasSize(2);
        assertThat(sink.deadLetters.get(0).payload()).contains("444455556666");
        assertThat(sink.findings).singleElement().satisfies(f -> {
            assertThat(f.ruleId()).isEqualTo("cloudtrail-integrity-account-mismatch");
            assertThat(f.severity()).isEqualTo("critical");
            assertThat(f.category()).isEqualTo("cloudtrail-tampering");
            assertThat(f.accountId()).as("the account whose key was used").isEqualTo("111122223333");
            assertThat(f.region()).isEqualTo("eu-west-1");
            assertThat(f.description()).contains("2 record(s)").contains("444455556666").contains(KEY);
        });
    }

    @Test
    void anObjectS3RefusesUnderTheExpectedBucketOwner_isDeadLettered_withACriticalFinding_andNotRetried() {
        objects.put(KEY, file(1));
        ownerRefused = true;

        assertThat(ingestor.ingest(ref(KEY), Map.of("sqsMessageId", "m1"))).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);

        assertThat(sink.events).isEmpty();
        assertThat(sink.deadLetters).singleElement().satisfies(d -> assertThat(d.reason()).isEqualTo("bucket-owner-mismatch"));
        assertThat(sink.findings).singleElement().satisfies(f -> {
            assertThat(f.ruleId()).isEqualTo("cloudtrail-integrity-bucket-owner-mismatch");
            assertThat(f.severity()).isEqualTo("critical");
            assertThat(f.accountId()).isEqualTo("111122223333");
        });
    }

    @Test
    void unreadableFile_isDeadLettered_afterItsEarlierRecordsWereAcknowledged() {
        byte[] whole = file(3);
        objects.put(KEY, java.util.Arrays.copyOf(whole, whole.length - 10));

        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);

        assertThat(sink.deadLetters).extracting(DeadLetter::reason).containsExactly("truncated-json");
        assertThat(sink.ledger).isEmpty();
    }

    @Test
    void missingObject_isDeadLettered_andTransientS3Errors_areRetried() {
        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.DEAD_LETTERED);
        assertThat(sink.deadLetters).extracting(DeadLetter::reason).containsExactly("object-not-found");

        objects.put(KEY, null);
        assertThat(ingestor.ingest(ref(KEY), Map.of())).isEqualTo(ObjectIngestor.Outcome.RETRY);
    }

    @Test
    void aSecondRequestForAnObjectBeingRead_waitsForTheFirst_andIsThenSkipped() throws Exception {
        objects.put(KEY, file(3));
        opening = new CountDownLatch(1);
        var release = new CountDownLatch(1);
        gate = release;
        // the S3 notification (with the ETag), then CloudTrail's SNS notification of the same file (without)
        var first = CompletableFuture.supplyAsync(() -> ingestor.ingest(new ObjectRef("trail", KEY, 1, "etag-1", null, null),
                Map.of("sqsMessageId", "m1")));
        assertThat(opening.await(5, TimeUnit.SECONDS)).isTrue();

        var second = CompletableFuture.supplyAsync(() -> ingestor.ingest(ref(KEY), Map.of("sqsMessageId", "m2")));
        Thread.sleep(300);
        assertThat(second).as("waiting for the first").isNotDone();
        release.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(ObjectIngestor.Outcome.INGESTED);
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(ObjectIngestor.Outcome.SKIPPED);
        assertThat(sink.events).extracting(CloudTrailEvent::eventId).containsExactly("e0", "e1", "e2");
    }

    @Test
    void aFileOutsideCloudTrailsKeyLayout_isIngested_butItsEventsAccountIsMarkedUnverifiable() {
        objects.put("exports/trail.json", file(1));

        assertThat(ingestor.ingest(ref("exports/trail.json"), Map.of())).isEqualTo(ObjectIngestor.Outcome.INGESTED);

        assertThat(sink.events).singleElement().satisfies(e -> assertThat(e.origin().accountVerified()).isFalse());
    }

    @Test
    void digest_isSkippedUnopened() {
        String digest = "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/02/x.json.gz";

        assertThat(ingestor.ingest(ref(digest), Map.of())).isEqualTo(ObjectIngestor.Outcome.SKIPPED);
        assertThat(opened).isEmpty();
    }

    private static ObjectRef ref(String key) {
        return new ObjectRef("trail", key, -1, null, null, null);
    }

    private volatile boolean ownerRefused;

    private static String fileText(int n) {
        return new String(file(n), StandardCharsets.UTF_8);
    }

    private static byte[] file(int n) {
        var sb = new StringBuilder("{\"Records\":[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : ",").append("{\"eventID\":\"e").append(i)
                    .append("\",\"eventTime\":\"2026-03-02T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"}");
        }
        return sb.append("]}").toString().getBytes(StandardCharsets.UTF_8);
    }

    private final class Source implements ObjectSource {
        @Override
        public OpenedObject open(ObjectRef ref) throws ObjectMissingException, OwnerRefusedException, IOException {
            opened.add(ref.key());
            if (ownerRefused) {
                throw new OwnerRefusedException("S3 answered 403 AccessDenied with expectedBucketOwner 999988887777");
            }
            if (gate != null) {
                CountDownLatch g = gate;
                gate = null;
                opening.countDown();
                try {
                    g.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
            }
            if (!objects.containsKey(ref.key())) {
                throw new ObjectMissingException("no " + ref.key());
            }
            byte[] bytes = objects.get(ref.key());
            if (bytes == null) {
                throw new IOException("S3 answered 503 SlowDown");
            }
            return new OpenedObject(new ByteArrayInputStream(bytes), "\"etag-1\"", null, Instant.parse("2026-03-02T10:06:00Z"), bytes.length);
        }

        @Override
        public void list(String bucket, String prefix, String startAfter, Consumer<ObjectRef> each) {
            throw new UnsupportedOperationException();
        }
    }

    private static final class Sink implements EventSink {
        final List<CloudTrailEvent> events = new ArrayList<>();
        final List<DeadLetter> deadLetters = new ArrayList<>();
        final List<IngestedObject> ledger = new ArrayList<>();
        final List<io.trailwatch.model.IntegrityRecord> integrity = new ArrayList<>();
        final List<io.trailwatch.model.Finding> findings = new ArrayList<>();
        int failFrom = Integer.MAX_VALUE;
        int attempts;
        String tooLarge;

        /** Decodes what it is given as a consumer of the events topic would. */
        @Override
        public FileEvents events(ObjectRef from, String accountCheck) {
            Map<String, String> headers = Map.of(io.trailwatch.model.Headers.S3_BUCKET, from.bucket(),
                    io.trailwatch.model.Headers.S3_KEY, from.key(), io.trailwatch.model.Headers.ACCOUNT_CHECK, accountCheck);
            return (record, accountId, eventTime, recordIndex, settled) -> {
                try {
                    var event = io.trailwatch.cloudtrail.EventMessages.decode(record.bytes(), accountId, headers::get);
                    assertThat(event.eventTime()).isEqualTo(eventTime);
                    assertThat(event.accountId()).isEqualTo(accountId);
                    publish(event).whenComplete((ok, failure) -> settled.settled(failure));
                } catch (io.trailwatch.cloudtrail.InvalidRecordException e) {
                    throw new AssertionError("a published record is no event", e);
                }
            };
        }

        @Override
        public CompletionStage<Void> bridged(io.trailwatch.cloudtrail.RawRecord record, String accountId, java.time.Instant eventTime,
                                             String eventBridgeId, String accountCheck) {
            throw new AssertionError("a log file's records are never published as EventBridge's");
        }

        private CompletionStage<Void> publish(CloudTrailEvent event) {
            if (event.eventId().equals(tooLarge)) {
                return CompletableFuture.failedFuture(new TooLargeException("The request included a message larger than the max message size the server will accept."));
            }
            if (attempts++ >= failFrom) {
                return CompletableFuture.failedFuture(new IllegalStateException("broker gone"));
            }
            events.add(event);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key) {
            deadLetters.add(letter);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> completed(IngestedObject object) {
            ledger.add(object);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> integrity(io.trailwatch.model.IntegrityRecord record) {
            integrity.add(record);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> finding(io.trailwatch.model.Finding finding) {
            findings.add(finding);
            return CompletableFuture.completedFuture(null);
        }
    }
}

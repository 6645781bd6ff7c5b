package io.trailwatch.ingest.inbound;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.ingest.core.Admission;
import io.trailwatch.ingest.core.EventSink;
import io.trailwatch.ingest.core.IngestMetrics;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.ingest.core.ObjectIngestor;
import io.trailwatch.ingest.core.ObjectRef;
import io.trailwatch.ingest.core.ObjectSource;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.IngestedObject;
import io.trailwatch.devkit.SqsServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The poll loop against a real SQS server: visibility is kept extended, transient failures come back, and EventBridge
 * events keep being received while earlier ones await Kafka; and against a scripted client: an unexpected throwable
 * never leaves a zombie.
 */
class SqsPollerIT {

    private static final String BODY = "{\"s3Bucket\":\"trail\",\"s3ObjectKey\":[\"AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/"
            + "111122223333_CloudTrail_eu-west-1_20260302T1005Z_a.json\"]}";

    private final SqsServer sqs = SqsServer.shared();
    private final AtomicInteger opens = new AtomicInteger();
    private final AtomicInteger published = new AtomicInteger();
    /** The EventBridge events the sink took, each acknowledged by Kafka when the test completes it. */
    private final List<CompletableFuture<Void>> unacknowledged = new java.util.concurrent.CopyOnWriteArrayList<>();
    private SqsPoller poller;

    @AfterEach
    void stop() {
        if (poller != null) {
            poller.stop(null);
        }
    }

    @Test
    void slowObject_keepsItsMessageInvisible_untilDone_thenDeletesIt() {
        String queue = sqs.createQueue("poller-slow-" + UUID.randomUUID(), 2);
        poller = poller(queue, ref -> slowly(file(), Duration.ofSeconds(6)));

        sqs.send(queue, BODY);

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> published.get() == 1 && sqs.undeleted(queue) == 0);
        assertThat(opens.get()).as("never redelivered while processed for 3 visibility timeouts").isEqualTo(1);
    }

    @Test
    void transientFailure_bringsTheMessageBackAfterTheRetryDelay_andItIsIngestedThen() {
        String queue = sqs.createQueue("poller-retry-" + UUID.randomUUID(), 30);
        poller = poller(queue, ref -> {
            if (opens.get() == 1) {
                throw new IOException("S3 answered 503 SlowDown");
            }
            return new ByteArrayInputStream(file());
        });

        sqs.send(queue, BODY);

        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> published.get() == 1 && sqs.undeleted(queue) == 0);
        assertThat(opens.get()).isEqualTo(2);
    }

    @Test
    void eventBridgeMessages_keepBeingReceived_whileEarlierOnesAwaitKafka_upToTheConfiguredNumberInFlight() {
        String queue = sqs.createQueue("poller-files-" + UUID.randomUUID(), 30);
        String events = sqs.createQueue("poller-events-" + UUID.randomUUID(), 60);
        String body = io.trailwatch.ingest.Notifications.render("eventbridge-cloudtrail-api-call.json",
                Map.of("account", "111122223333"));
        poller = poller(queue, ref -> new ByteArrayInputStream(file()), Map.of(
                "trailwatch.ingest.near-real-time.queue-url", events,
                "trailwatch.ingest.near-real-time.max-messages-in-flight", "20",
                "trailwatch.ingest.sqs.visibility-timeout", "PT60S"));

        for (int i = 0; i < 35; i++) {
            sqs.send(events, body);
        }

        // Kafka acknowledges nothing yet: the loop still receives, two receives' worth, and then waits.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> unacknowledged.size() == 20);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> unacknowledged.size() == 20);
        assertThat(sqs.undeleted(events)).as("nothing acknowledged, nothing deleted").isEqualTo(35);

        // Kafka acknowledges: the rest are received, and every message is deleted once its event is acknowledged.
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            unacknowledged.forEach(f -> f.complete(null));
            return unacknowledged.size() == 35 && sqs.undeleted(events) == 0;
        });
        assertThat(published.get()).isEqualTo(35);
    }

    @Test
    void anErrorThrownInThePollLoop_isLoggedAndTheLoopGoesOn_whileAnErrorOfTheJvmEndsItAndFailsLiveness() {
        AtomicInteger receives = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<Error> next = new java.util.concurrent.atomic.AtomicReference<>(
                new LinkageError("a class that could not be loaded"));
        var scripted = new software.amazon.awssdk.services.sqs.SqsClient() {
            @Override
            public software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse receiveMessage(
                    software.amazon.awssdk.services.sqs.model.ReceiveMessageRequest request) {
                receives.incrementAndGet();
                Error e = next.getAndSet(null);
                if (e != null) {
                    throw e;
                }
                try {
                    Thread.sleep(50); // a long poll that found nothing
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                return software.amazon.awssdk.services.sqs.model.ReceiveMessageResponse.builder().messages(List.of()).build();
            }

            @Override
            public software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse getQueueAttributes(
                    software.amazon.awssdk.services.sqs.model.GetQueueAttributesRequest request) {
                return software.amazon.awssdk.services.sqs.model.GetQueueAttributesResponse.builder().build();
            }

            @Override
            public String serviceName() {
                return "sqs";
            }

            @Override
            public void close() {
            }
        };
        var ledger = new Ledger();
        ledger.markReady();
        poller = new SqsPoller(scripted, config("https://sqs.eu-west-1.amazonaws.com/111122223333/q"), null, new CountingSink(),
                new IngestMetrics(new SimpleMeterRegistry()), ledger);
        poller.start(null);

        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> receives.get() >= 3);
        assertThat(poller.loopProblem()).as("the loop went on past the error").isNull();

        next.set(new StackOverflowError("the JVM itself"));
        Awaitility.await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(30)).until(() -> poller.loopProblem() != null);
        assertThat(poller.loopProblem()).isEqualTo("the SQS poll loop died");
    }

    private static IngestConfig config(String queue) {
        return config(queue, Map.of());
    }

    /** The test's configuration, with {@code overrides}. */
    private static IngestConfig config(String queue, Map<String, String> overrides) {
        Map<String, String> properties = new java.util.HashMap<>(Map.of(
                "trailwatch.ingest.sources.buckets", "trail",
                "trailwatch.ingest.sqs.queue-url", queue,
                "trailwatch.ingest.sqs.wait-time-seconds", "1",
                "trailwatch.ingest.sqs.visibility-timeout", "PT2S",
                "trailwatch.ingest.sqs.retry-delay", "PT1S"));
        properties.putAll(overrides);
        return new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .withConverter(Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .withMapping(IngestConfig.class)
                .build().getConfigMapping(IngestConfig.class);
    }

    private SqsPoller poller(String queue, Opener opener) {
        return poller(queue, opener, Map.of());
    }

    private SqsPoller poller(String queue, Opener opener, Map<String, String> overrides) {
        IngestConfig config = config(queue, overrides);
        var metrics = new IngestMetrics(new SimpleMeterRegistry());
        var ledger = new Ledger();
        ledger.markReady();
        EventSink sink = new CountingSink();
        ObjectSource source = new ObjectSource() {
            @Override
            public OpenedObject open(ObjectRef ref) throws IOException {
                opens.incrementAndGet();
                InputStream body = opener.open(ref);
                return new OpenedObject(body, "\"e-" + opens.get() + "\"", null, Instant.now(), -1);
            }

            @Override
            public void list(String bucket, String prefix, String startAfter, Consumer<ObjectRef> each) {
                throw new UnsupportedOperationException();
            }
        };
        var ingestor = new ObjectIngestor(new Admission(Set.of("trail"), List.of(), Set.of(), Pattern.compile("Digest")),
                source, sink, ledger, new LogFileReader(Caps.DEFAULT), metrics, Duration.ofSeconds(10), Clock.systemUTC());
        var p = new SqsPoller(sqs.client(), config, ingestor, sink, metrics, ledger);
        p.start(null);
        return p;
    }

    private static byte[] file() {
        return ("{\"Records\":[{\"eventID\":\"e1\",\"eventTime\":\"2026-03-02T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"GetObject\"}]}").getBytes(StandardCharsets.UTF_8);
    }

    /** A stream that takes its time: the bytes arrive only after the delay. */
    private static InputStream slowly(byte[] bytes, Duration delay) {
        return new ByteArrayInputStream(bytes) {
            private boolean waited;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                if (!waited) {
                    waited = true;
                    try {
                        Thread.sleep(delay.toMillis());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return super.read(b, off, len);
            }
        };
    }

    @FunctionalInterface
    private interface Opener {
        InputStream open(ObjectRef ref) throws IOException;
    }

    private final class CountingSink implements EventSink {
        @Override
        public FileEvents events(ObjectRef from, String accountCheck) {
            return (record, accountId, eventTime, recordIndex, settled) -> {
                published.incrementAndGet();
                settled.settled(null);
            };
        }

        @Override
        public CompletionStage<Void> bridged(io.trailwatch.cloudtrail.RawRecord record, String accountId, java.time.Instant eventTime,
                                             String eventBridgeId, String accountCheck) {
            published.incrementAndGet();
            // acknowledged when the test says so
            var acknowledged = new CompletableFuture<Void>();
            unacknowledged.add(acknowledged);
            return acknowledged;
        }

        @Override
        public CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> completed(IngestedObject object) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> integrity(io.trailwatch.model.IntegrityRecord record) {
            // not used here
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> finding(io.trailwatch.model.Finding finding) {
            // not used here
            return CompletableFuture.completedFuture(null);
        }
    }
}

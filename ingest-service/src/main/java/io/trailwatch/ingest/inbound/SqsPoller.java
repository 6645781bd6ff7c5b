package io.trailwatch.ingest.inbound;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.ingest.core.BridgedEvent;
import io.trailwatch.ingest.core.BridgedEvents;
import io.trailwatch.ingest.core.Envelopes;
import io.trailwatch.ingest.core.EventSink;
import io.trailwatch.ingest.core.IngestMetrics;
import io.trailwatch.ingest.core.InvalidNotificationException;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.ingest.core.Notification;
import io.trailwatch.ingest.core.ObjectIngestor;
import io.trailwatch.ingest.core.ObjectRef;
import io.trailwatch.model.DeadLetter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Long-polls the SQS queue and hands each announced object to the {@link ObjectIngestor}, at most
 * {@code concurrency} objects at once. CloudTrail events that came through EventBridge are published in the poll loop
 * itself ({@link BridgedEvents}), from this queue or from the near-real-time queue, which has a loop of its own that
 * never waits for object slots. A message is deleted only when every object in it is done (ingested, skipped,
 * refused or dead-lettered, all acknowledged by Kafka), up to ten to a request ({@link SqsDeletions}); while its
 * objects are processed its visibility timeout is kept extended; when one failed transiently the message becomes
 * visible again after the retry delay.
 *
 * <p>SQS has no SmallRye connector that resolves here, so this is the one hand-written poll loop of the service. An
 * unexpected throwable in the poll loop or the visibility extender is logged and the loop goes on (after a pause);
 * an error of the JVM itself ends the thread, and {@link IngestLiveness} reports it, as it reports a loop that stopped
 * turning.
 */
@ApplicationScoped
public class SqsPoller {

    private static final Logger LOG = Logger.getLogger(SqsPoller.class);
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

    private final SqsClient sqs;
    private final IngestConfig config;
    private final ObjectIngestor ingestor;
    private final EventSink sink;
    private final IngestMetrics metrics;
    private final Ledger ledger;
    private final Semaphore slots;
    private final SqsDeletions deletions;
    private final BridgedEvents bridged;
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    private final AtomicReference<String> lastSqsError = new AtomicReference<>("not polled yet");
    private volatile boolean running;
    private volatile long pollBeat = System.nanoTime();
    private volatile long extendBeat = System.nanoTime();
    private volatile boolean waitingForSlots;
    private ExecutorService workers;
    private ScheduledExecutorService extender;
    private Duration extendEvery = Duration.ZERO;
    private Thread poller;
    private Thread eventPoller;

    SqsPoller(SqsClient sqs, IngestConfig config, ObjectIngestor ingestor, EventSink sink, IngestMetrics metrics,
              Ledger ledger) {
        this.sqs = sqs;
        this.config = config;
        this.ingestor = ingestor;
        this.sink = sink;
        this.metrics = metrics;
        this.ledger = ledger;
        this.slots = new Semaphore(config.concurrency());
        this.deletions = new SqsDeletions(sqs, metrics);
        this.bridged = new BridgedEvents(sink, config.sources().accounts().orElse(Set.of()), config.nearRealTime().maxEventBytes(),
                metrics, config.publishTimeout(), Clock.systemUTC());
    }

    void start(@Observes StartupEvent ignored) {
        if (!config.sqs().enabled()) {
            LOG.info("SQS polling is disabled (trailwatch.ingest.sqs.enabled=false)");
            lastSqsError.set(null);
            return;
        }
        String queue = config.sqs().queueUrl().orElseThrow(() -> new IllegalStateException(
                "trailwatch.ingest.sqs.queue-url is required while SQS polling is enabled"));
        running = true;
        workers = Executors.newFixedThreadPool(config.concurrency(), named("ingest-object"));
        extender = Executors.newSingleThreadScheduledExecutor(named("sqs-visibility"));
        long every = Math.max(1, config.sqs().visibilityTimeout().toMillis() / 3);
        extendEvery = Duration.ofMillis(every);
        extender.scheduleWithFixedDelay(this::extendVisibilitySafely, every, every, TimeUnit.MILLISECONDS);
        extender.scheduleWithFixedDelay(this::flushDeletionsSafely, SqsDeletions.LINGER_MILLIS, SqsDeletions.LINGER_MILLIS,
                TimeUnit.MILLISECONDS);
        poller = named("sqs-poller").newThread(() -> pollLoop(queue, true));
        poller.start();
        LOG.infof("Polling %s with %d objects in flight", queue, config.concurrency());
        var nearRealTime = config.nearRealTime().queueUrl().filter(q -> !q.equals(queue));
        if (nearRealTime.isPresent()) {
            eventPoller = named("sqs-eventbridge-poller").newThread(() -> pollLoop(nearRealTime.get(), false));
            eventPoller.start();
            LOG.infof("Polling %s for CloudTrail events through EventBridge", nearRealTime.get());
        }
    }

    void stop(@Observes ShutdownEvent ignored) {
        running = false;
        if (poller != null) {
            poller.interrupt();
        }
        if (eventPoller != null) {
            eventPoller.interrupt();
        }
        if (workers != null) {
            workers.shutdown();
            try {
                if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
                    workers.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (extender != null) {
            extender.shutdownNow();
        }
        deletions.flush();
    }

    /** Null when the last SQS call succeeded (or polling is off), else what went wrong. */
    public String sqsProblem() {
        return lastSqsError.get();
    }

    /**
     * Why the poll loop or the visibility extender is not alive, or null when both are (or polling is off): a thread
     * that died, or a loop that has not turned for longer than it ever should.
     */
    public String loopProblem() {
        if (!running) {
            return null;
        }
        long now = System.nanoTime();
        Duration pollQuiet = Duration.ofSeconds(config.sqs().waitTimeSeconds()).plus(config.sqs().visibilityTimeout())
                .plus(Duration.ofMinutes(1));
        if (poller == null || !poller.isAlive()) {
            return "the SQS poll loop died";
        }
        if (eventPoller != null && !eventPoller.isAlive()) {
            return "the SQS poll loop of the EventBridge queue died";
        }
        if (now - pollBeat > pollQuiet.toNanos() && !waitingForSlots) {
            return "the SQS poll loop has not turned for " + Duration.ofNanos(now - pollBeat).toSeconds() + "s";
        }
        if (extender == null || extender.isShutdown()
                || now - extendBeat > extendEvery.multipliedBy(3).plus(Duration.ofMinutes(1)).toNanos()) {
            return "the visibility extender stopped";
        }
        return null;
    }

    /** Messages whose objects are being processed. */
    public int messagesInFlight() {
        return inFlight.size();
    }

    /**
     * @param gated receive only as many messages as there are free object slots: the S3 notifications' queue. The
     *              EventBridge queue's messages are published in this loop, never waiting for a log file. In either
     *              loop, up to {@code near-real-time.max-messages-in-flight} messages of EventBridge events await
     *              Kafka's acknowledgement while the loop receives more; it waits only when that many do.
     */
    private void pollLoop(String queue, boolean gated) {
        Duration backoff = Duration.ofMillis(500);
        // messages of EventBridge events received and not yet settled (published or dead-lettered, and deleted)
        Semaphore unsettled = new Semaphore(config.nearRealTime().maxMessagesInFlight());
        while (running) {
            if (gated) {
                pollBeat = System.nanoTime();
            }
            try {
                if (!ledger.isReady()) {
                    TimeUnit.MILLISECONDS.sleep(100);
                    continue;
                }
                if (lastSqsError.get() != null) {
                    // A cheap call proves the queue is reachable before a long poll, for readiness.
                    sqs.getQueueAttributes(b -> b.queueUrl(queue).attributeNamesWithStrings("QueueArn"));
                    lastSqsError.set(null);
                }
                int free = config.sqs().maxMessages();
                if (gated) {
                    // Receive only as many messages as there are free object slots (at least one).
                    waitingForSlots = true; // every object slot busy: waiting here is back-pressure, not a stall
                    try {
                        slots.acquire();
                    } finally {
                        waitingForSlots = false;
                    }
                    free = Math.min(free, slots.availablePermits() + 1);
                    slots.release();
                }
                // Room for the EventBridge events received: the loop goes on while earlier ones are acknowledged, and
                // receives only as many as may still be in flight (at least one, else it waits here).
                waitingForSlots = gated; // as for object slots: back-pressure from Kafka, not a stall
                try {
                    unsettled.acquire();
                } finally {
                    waitingForSlots = false;
                }
                int room = 1;
                while (room < free && unsettled.tryAcquire()) {
                    room++;
                }
                int max = room;
                List<Message> messages;
                try {
                    messages = sqs.receiveMessage(b -> b.queueUrl(queue)
                            .maxNumberOfMessages(max)
                            .waitTimeSeconds(config.sqs().waitTimeSeconds())
                            .visibilityTimeout((int) config.sqs().visibilityTimeout().toSeconds())
                            .messageSystemAttributeNames(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT))
                            .messages();
                } catch (RuntimeException e) {
                    unsettled.release(max);
                    throw e;
                }
                unsettled.release(max - messages.size());
                lastSqsError.set(null);
                backoff = Duration.ofMillis(500);
                for (int i = 0; i < messages.size(); i++) {
                    CompletableFuture<Void> settled;
                    try {
                        settled = handle(queue, messages.get(i));
                    } catch (InterruptedException | RuntimeException e) {
                        unsettled.release(messages.size() - i);
                        throw e;
                    }
                    settled.whenComplete((ok, error) -> unsettled.release());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (SdkException e) {
                lastSqsError.set(e.getMessage());
                metrics.sqsError("receive");
                LOG.warnf("Receiving from SQS failed, retrying in %s: %s", backoff, e.getMessage());
                try {
                    TimeUnit.MILLISECONDS.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30)
                        : backoff.multipliedBy(2);
            } catch (VirtualMachineError e) {
                LOG.error("The JVM failed in the SQS poll loop; the loop ends and liveness fails", e);
                throw e;
            } catch (Throwable e) {
                LOG.error("Unexpected failure in the SQS poll loop; going on in a second", e);
                metrics.sqsError("poll-loop");
                try {
                    TimeUnit.SECONDS.sleep(1);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Handles one message; the future completes once its EventBridge events (if any) are published and it is deleted. */
    private CompletableFuture<Void> handle(String queue, Message message) throws InterruptedException {
        Notification notification;
        try {
            notification = Envelopes.parse(message.body());
        } catch (InvalidNotificationException e) {
            LOG.warnf("SQS message %s is no notification (%s): %s", message.messageId(), e.reason(), e.getMessage());
            var letter = DeadLetter.of("ingest", EventSink.DeadLetterChannel.NOTIFICATIONS.id(), e.reason(),
                    e.getMessage(), Instant.now(), Map.of("sqsMessageId", message.messageId()), message.body());
            try {
                sink.deadLetter(EventSink.DeadLetterChannel.NOTIFICATIONS, letter, message.messageId())
                        .toCompletableFuture().get(config.publishTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception failure) {
                LOG.warnf("Dead-lettering SQS message %s failed; it stays on the queue: %s", message.messageId(),
                        failure.getMessage());
                metrics.sqsError("dead-letter");
                return DONE;
            }
            metrics.deadLetter(EventSink.DeadLetterChannel.NOTIFICATIONS.id(), e.reason());
            metrics.notification(e.envelope(), "dead-lettered");
            deletions.delete(queue, message);
            return DONE;
        }
        if (!notification.events().isEmpty()) {
            metrics.notification(notification.envelope(), "accepted");
            return publishEvents(queue, message, notification.events());
        }
        if (notification.objects().isEmpty()) {
            LOG.infof("SQS message %s needs no ingestion: %s", message.messageId(), notification.ignored());
            metrics.notification(notification.envelope(), "ignored");
            deletions.delete(queue, message);
            return DONE;
        }
        metrics.notification(notification.envelope(), "accepted");
        var flight = new InFlight(queue, message, notification.objects().size());
        inFlight.put(message.receiptHandle(), flight);
        for (ObjectRef ref : notification.objects()) {
            slots.acquire();
            try {
                workers.execute(() -> {
                    ObjectIngestor.Outcome outcome = ObjectIngestor.Outcome.RETRY;
                    try {
                        outcome = ingestor.ingest(ref, Map.of("sqsMessageId", message.messageId()));
                    } catch (Throwable e) {
                        LOG.errorf(e, "Ingesting %s failed unexpectedly; the message will be redelivered", ref.uri());
                    } finally {
                        slots.release();
                        flight.objectDone(outcome);
                    }
                });
            } catch (RuntimeException rejected) {
                slots.release();
                flight.objectDone(ObjectIngestor.Outcome.RETRY);
            }
        }
        return DONE;
    }

    /**
     * Publishes EventBridge's CloudTrail events without waiting for Kafka (the poll loop waits for the batch); the
     * message is deleted once each is published or dead-lettered, else it comes back after the retry delay.
     */
    private CompletableFuture<Void> publishEvents(String queue, Message message, List<BridgedEvent> events) {
        List<CompletableFuture<ObjectIngestor.Outcome>> outcomes = events.stream()
                .map(e -> bridged.publishAsync(e, Map.of("sqsMessageId", message.messageId()))).toList();
        // on the extender's thread, not the Kafka producer's, which completes the outcomes: SQS calls may block
        return CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).thenRunAsync(() -> {
            if (outcomes.stream().allMatch(o -> o.join().isDone())) {
                deletions.delete(queue, message);
                return;
            }
            int delay = (int) config.sqs().retryDelay().toSeconds();
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(queue).receiptHandle(message.receiptHandle()).visibilityTimeout(delay));
            } catch (SdkException e) {
                metrics.sqsError("change-visibility");
                LOG.warnf("Could not shorten the visibility of %s; it returns after its timeout: %s", message.messageId(), e.getMessage());
            }
        }, extender);
    }

    private void finished(InFlight flight) {
        inFlight.remove(flight.message.receiptHandle());
        if (flight.retry.get() == 0) {
            deletions.delete(flight.queue, flight.message);
        } else {
            int delay = (int) config.sqs().retryDelay().toSeconds();
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(flight.queue).receiptHandle(flight.message.receiptHandle())
                        .visibilityTimeout(delay));
            } catch (SdkException e) {
                metrics.sqsError("change-visibility");
                LOG.warnf("Could not shorten the visibility of %s; it returns after its timeout: %s",
                        flight.message.messageId(), e.getMessage());
            }
        }
    }

    /** One turn of the deletions' flush: anything it throws is logged, never the end of the schedule. */
    private void flushDeletionsSafely() {
        try {
            deletions.flush();
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            metrics.sqsError("delete");
            LOG.error("Unexpected failure deleting SQS messages; going on", e);
        }
    }

    /** One turn of the extender: anything it throws is logged, never the end of the schedule. */
    private void extendVisibilitySafely() {
        extendBeat = System.nanoTime();
        try {
            extendVisibility();
        } catch (VirtualMachineError e) {
            LOG.error("The JVM failed in the visibility extender; it stops and liveness fails", e);
            throw e;
        } catch (Throwable e) {
            metrics.sqsError("extend-visibility");
            LOG.error("Unexpected failure extending visibility; going on", e);
        }
    }

    void extendVisibility() {
        int seconds = (int) config.sqs().visibilityTimeout().toSeconds();
        for (InFlight flight : inFlight.values()) {
            try {
                sqs.changeMessageVisibility(b -> b.queueUrl(flight.queue).receiptHandle(flight.message.receiptHandle())
                        .visibilityTimeout(seconds));
            } catch (SdkException e) {
                metrics.sqsError("extend-visibility");
                LOG.warnf("Extending the visibility of %s failed: %s", flight.message.messageId(), e.getMessage());
            }
        }
    }

    private static java.util.concurrent.ThreadFactory named(String name) {
        var counter = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + counter.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A received message and its objects still being processed. */
    private final class InFlight {
        final String queue;
        final Message message;
        final AtomicInteger remaining;
        final AtomicInteger retry = new AtomicInteger();

        InFlight(String queue, Message message, int objects) {
            this.queue = queue;
            this.message = message;
            this.remaining = new AtomicInteger(objects);
        }

        void objectDone(ObjectIngestor.Outcome outcome) {
            if (!outcome.isDone()) {
                retry.incrementAndGet();
            }
            if (remaining.decrementAndGet() == 0) {
                finished(this);
            }
        }
    }
}

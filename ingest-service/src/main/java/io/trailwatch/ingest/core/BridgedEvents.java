package io.trailwatch.ingest.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.cloudtrail.RawRecord;
import io.trailwatch.ingest.core.EventSink.DeadLetterChannel;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.IntegrityRecord.Problem;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Publishes CloudTrail events that came through EventBridge, the near-real-time path: each event's detail is the
 * CloudTrail record, checked as a log file's record is ({@link Normalizer#check}) and published to the events topic
 * marked {@code tw_via=eventbridge}, minutes before its log file arrives. The log file's copy is published too, when
 * it comes: it is the durable, digest-validated one; detect-service acts on whichever copy comes first and skips the
 * other (docs/topics.md, "Two copies of an event").
 *
 * <p>What is not published is dead-lettered on the records' dead-letter topic with a reason: a record whose account
 * is not the EventBridge event's ({@code account-mismatch}), an account outside {@code sources.accounts}
 * ({@code account-not-allowed}), an event larger than EventBridge ever sends ({@code event-too-large}) or than Kafka
 * takes ({@code record-too-large-for-kafka}), and a detail that is no CloudTrail record. Thread-safe.
 */
public final class BridgedEvents {

    private static final Logger LOG = Logger.getLogger(BridgedEvents.class);
    /** The dead-letter reason of an event larger than {@code max-event-bytes}. */
    public static final String EVENT_TOO_LARGE = "event-too-large";
    /** The dead-letter reason of an event from an account outside {@code sources.accounts}. */
    public static final String ACCOUNT_NOT_ALLOWED = "account-not-allowed";

    private final EventSink sink;
    private final Set<String> accounts;
    private final long maxEventBytes;
    private final IngestMetrics metrics;
    private final Duration publishTimeout;
    private final Clock clock;

    /**
     * @param accounts      accounts whose events may be published; empty means any
     * @param maxEventBytes the largest record to publish (EventBridge's own limit is 256 KiB)
     */
    public BridgedEvents(EventSink sink, Set<String> accounts, long maxEventBytes, IngestMetrics metrics, Duration publishTimeout,
                         Clock clock) {
        this.sink = sink;
        this.accounts = Set.copyOf(accounts);
        this.maxEventBytes = maxEventBytes;
        this.metrics = metrics;
        this.publishTimeout = publishTimeout;
        this.clock = clock;
    }

    /**
     * Publishes one event, or dead-letters it; returns once Kafka acknowledged either.
     *
     * @param provenance where it came from, for dead letters (e.g. {@code sqsMessageId})
     * @return {@link ObjectIngestor.Outcome#INGESTED}, {@code DEAD_LETTERED}, {@code REFUSED}, or {@code RETRY} when
     * Kafka did not acknowledge within the publish timeout (the message is then left for redelivery)
     */
    public ObjectIngestor.Outcome publish(BridgedEvent event, Map<String, String> provenance) throws InterruptedException {
        try {
            return publishAsync(event, provenance).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing cannot fail, only come to an outcome", e);
        }
    }

    /**
     * Publishes one event, or dead-letters it, without waiting for Kafka: the events of a batch of messages go out
     * together and share the producer's linger, instead of one linger each. Completes (never exceptionally) when Kafka
     * acknowledged, or with {@code RETRY} after the publish timeout.
     */
    public CompletableFuture<ObjectIngestor.Outcome> publishAsync(BridgedEvent event, Map<String, String> provenance) {
        Map<String, String> where = new LinkedHashMap<>(provenance);
        where.put("eventBridgeId", event.id());
        where.put("source", event.source());
        where.put("detailType", event.detailType());
        where.put("account", event.account());
        if (event.bytes().length > maxEventBytes) {
            return deadLetter(event, where, EVENT_TOO_LARGE, "the record takes " + event.bytes().length + " bytes, more than "
                    + maxEventBytes + " (trailwatch.ingest.near-real-time.max-event-bytes; EventBridge sends at most 256 KiB)", false);
        }
        RawRecord record = raw(event.detail(), event.bytes());
        Instant eventTime;
        try {
            eventTime = Normalizer.check(record);
        } catch (InvalidRecordException e) {
            return deadLetter(event, where, e.reason(), "the detail is no CloudTrail record: " + e.getMessage(), true);
        }
        String account = Normalizer.account(record, event.account());
        if (!account.equals(event.account())) {
            return deadLetter(event, where, Problem.ACCOUNT_MISMATCH, "recipientAccountId " + account
                    + " is not " + event.account() + ", the account of the EventBridge event", true);
        }
        if (!accounts.isEmpty() && !accounts.contains(account)) {
            metrics.bridged("refused", ACCOUNT_NOT_ALLOWED);
            return deadLetter(event, where, ACCOUNT_NOT_ALLOWED, "account " + account + " is not among trailwatch.ingest.sources.accounts", true)
                    .thenApply(o -> o == ObjectIngestor.Outcome.RETRY ? o : ObjectIngestor.Outcome.REFUSED);
        }
        CompletableFuture<Void> sent;
        try {
            sent = sink.bridged(record, account, eventTime, event.id(), EventOrigin.VERIFIED).toCompletableFuture();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        // not on the producer's thread, which completes the send: a dead letter may wait for the producer's room
        return sent.orTimeout(publishTimeout.toMillis(), TimeUnit.MILLISECONDS).handleAsync((ok, error) -> {
            if (error == null) {
                metrics.recordPublished();
                metrics.bridged("published", "ok");
                metrics.bridgedLag(Duration.between(eventTime, clock.instant()));
                return CompletableFuture.completedFuture(ObjectIngestor.Outcome.INGESTED);
            }
            Throwable cause = error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error;
            if (cause instanceof EventSink.TooLargeException) {
                return deadLetter(event, where, ObjectIngestor.TOO_LARGE_FOR_KAFKA, cause.getMessage(), false);
            }
            LOG.warnf("Kafka did not take EventBridge event %s, will retry: %s", event.id(), String.valueOf(cause));
            metrics.bridged("retried", "kafka-error");
            return CompletableFuture.completedFuture(ObjectIngestor.Outcome.RETRY);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<ObjectIngestor.Outcome> deadLetter(BridgedEvent event, Map<String, String> where, String reason,
                                                                 String detail, boolean withPayload) {
        LOG.warnf("EventBridge event %s dead-lettered (%s): %s", event.id(), reason, detail);
        String payload = withPayload ? new String(event.bytes(), StandardCharsets.UTF_8) : null;
        var letter = DeadLetter.of("ingest", DeadLetterChannel.RECORDS.id(), reason, detail, clock.instant(), where, payload);
        CompletableFuture<Void> written;
        try {
            written = sink.deadLetter(DeadLetterChannel.RECORDS, letter, event.id()).toCompletableFuture();
        } catch (RuntimeException e) {
            written = CompletableFuture.failedFuture(e);
        }
        return written.orTimeout(publishTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((ok, error) -> {
            if (error != null) {
                LOG.warnf("Dead-lettering EventBridge event %s failed, will retry: %s", event.id(), error.toString());
                metrics.bridged("retried", "kafka-error");
                return ObjectIngestor.Outcome.RETRY;
            }
            metrics.deadLetter(DeadLetterChannel.RECORDS.id(), reason);
            if (!ACCOUNT_NOT_ALLOWED.equals(reason)) {
                metrics.bridged("dead-lettered", reason);
            }
            return ObjectIngestor.Outcome.DEAD_LETTERED;
        });
    }

    /** The record's fields a publisher needs, as {@link io.trailwatch.cloudtrail.LogFileReader} reads them from a file. */
    static RawRecord raw(JsonNode detail, byte[] bytes) {
        JsonNode identity = detail.get("userIdentity");
        return new RawRecord(bytes, text(detail, "eventID"), text(detail, "eventTime"), text(detail, "eventSource"),
                text(detail, "eventName"), text(detail, "awsRegion"), text(detail, "recipientAccountId"),
                identity != null && identity.isObject() ? text(identity, "accountId") : null);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || !v.isValueNode() || v.isNull() ? null : v.asText();
    }
}

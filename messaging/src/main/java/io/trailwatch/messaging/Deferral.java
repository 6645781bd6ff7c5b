package io.trailwatch.messaging;

import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.model.Finding;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A task put off, as its record on a service's deferred topic says in its headers: for what (a remediation, a
 * destination), why, since when, and until when it may wait. The record's value is the finding itself, so it comes
 * back through the service's {@link FindingConsumer} like any finding, {@code recheck-every} after it was written.
 * One way to defer for every service: {@link #putOff} writes, {@link #whenDue} waits, {@link #of} reads.
 *
 * @param subject what it was put off for: a remediation's name, a destination's name
 * @param reason  why, e.g. {@value #AWAITING_DIGEST}, {@value #CIRCUIT_OPEN}
 * @param since   when it was first put off
 * @param until   when waiting ends: then the service records its final outcome
 */
public record Deferral(String subject, String reason, Instant since, Instant until) {

    public static final String AWAITING_DIGEST = "awaiting-digest";
    public static final String CIRCUIT_OPEN = "circuit-open";

    static final String SUBJECT = "tw_deferred_for";
    /** remediate-service's name of the subject header before destinations could be put off too. */
    static final String REMEDIATION = "tw_remediation";
    static final String REASON = "tw_deferred_reason";
    static final String SINCE = "tw_deferred_since";
    static final String UNTIL = "tw_deferred_until";

    /** The deferral these headers describe; empty when they describe none (a record of the findings topic). */
    public static Optional<Deferral> of(Iterable<Header> headers) {
        String subject = null;
        String reason = null;
        String since = null;
        String until = null;
        for (Header h : headers) {
            String v = h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            switch (h.key()) {
                case SUBJECT, REMEDIATION -> subject = v;
                case REASON -> reason = v;
                case SINCE -> since = v;
                case UNTIL -> until = v;
                default -> { }
            }
        }
        if (subject == null || reason == null || since == null || until == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Deferral(subject, reason, Instant.parse(since), Instant.parse(until)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The deferral a record read from a deferred topic carries; empty for any other record. */
    public static Optional<Deferral> of(Message<?> message) {
        return message.getMetadata(IncomingKafkaRecordMetadata.class).flatMap(m -> of(m.getHeaders()));
    }

    /** The deferral {@code earlier} when it was for the same reason, else a new one from now, for {@code wait}. */
    public static Deferral continuing(Optional<Deferral> earlier, String subject, String reason, Duration wait, Instant now) {
        return earlier.filter(e -> e.reason().equals(reason) && e.subject().equals(subject))
                .orElse(new Deferral(subject, reason, now, now.plus(wait)));
    }

    /** The headers of its record. */
    public RecordHeaders headers() {
        var headers = new RecordHeaders();
        headers.add(SUBJECT, subject.getBytes(StandardCharsets.UTF_8));
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(SINCE, since.toString().getBytes(StandardCharsets.UTF_8));
        headers.add(UNTIL, until.toString().getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** Whether waiting is over at {@code now}. */
    public boolean expired(Instant now) {
        return now.isAfter(until);
    }

    /**
     * Writes the finding, put off, to the deferred topic under {@code key}: completes true once Kafka has it, false when
     * Kafka refused it (then the finding must stay unacknowledged).
     */
    public CompletableFuture<Boolean> putOff(Emitter<Finding> deferred, Finding f, String key) {
        CompletableFuture<Boolean> written = new CompletableFuture<>();
        deferred.send(Message.of(f).addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key)
                        .withHeaders(headers()).build())
                .withAckWithMetadata(m -> {
                    written.complete(true);
                    return CompletableFuture.completedFuture(null);
                }).withNackWithMetadata((e, m) -> {
                    written.complete(false);
                    return CompletableFuture.completedFuture(null);
                }));
        return written;
    }

    /**
     * Runs {@code then} once {@code recheckEvery} has passed since the record was written (at once if it has).
     * Records come in the order they were written, so waiting for the first is waiting for the earliest.
     */
    public static CompletionStage<Void> whenDue(Message<?> message, Duration recheckEvery, Supplier<CompletionStage<Void>> then) {
        long written = message.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getTimestamp().toEpochMilli()).orElse(0L);
        long wait = written + recheckEvery.toMillis() - System.currentTimeMillis();
        if (wait <= 0) {
            return then.get();
        }
        return CompletableFuture.runAsync(() -> { }, CompletableFuture.delayedExecutor(wait, TimeUnit.MILLISECONDS))
                .thenCompose(x -> then.get());
    }
}

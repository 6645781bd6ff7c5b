package io.trailwatch.ingest.outbound;

import io.smallrye.reactive.messaging.kafka.KafkaClientService;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.trailwatch.ingest.config.IngestConfig;
import io.trailwatch.cloudtrail.EventMessages;
import io.trailwatch.cloudtrail.EventTimes;
import io.trailwatch.ingest.core.EventSink;
import io.trailwatch.ingest.core.ObjectRef;
import io.trailwatch.messaging.DeadLetters;
import io.trailwatch.messaging.FindingHeaders;
import io.trailwatch.cloudtrail.RawRecord;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.IntegrityRecord;
import io.trailwatch.model.Headers;
import io.trailwatch.model.IngestedObject;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.Metadata;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;

/**
 * Publishes to Kafka; every stage completes when the broker acknowledged (acks=all, idempotent producer, see
 * application.properties). At most {@link IngestConfig#maxUnacknowledgedEvents()} events wait for acknowledgement;
 * the caller blocks beyond that.
 *
 * <p>Dead letters and ledger entries go through SmallRye emitters. Events, the hot path, go straight to the
 * {@code events} channel's producer (which SmallRye creates, configures, reports on and closes): a message through
 * an emitter costs a context snapshot, Mutiny queues and maps per event, and measured at about 40% of the service's
 * CPU (docs/adr/0003-events-through-the-channel-producer.md).
 */
@ApplicationScoped
public class KafkaEventSink implements EventSink {

    /** The record dead letters' emitter buffer is larger than the unacknowledged cap, so a send never overflows. */
    static final int EMITTER_BUFFER = 16384;

    /** Declares the events channel, so SmallRye builds its producer; events are sent through that producer. */
    @Inject
    @Channel(Channels.EVENTS)
    Emitter<byte[]> events;

    @Inject
    @Channel(Channels.LEDGER)
    Emitter<IngestedObject> ledger;

    @Inject
    @Channel(Channels.DLQ_NOTIFICATIONS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<DeadLetter> dlqNotifications;

    @Inject
    @Channel(Channels.DLQ_OBJECTS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<DeadLetter> dlqObjects;

    @Inject
    @Channel(Channels.DLQ_RECORDS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = EMITTER_BUFFER)
    Emitter<DeadLetter> dlqRecords;

    @Inject
    @Channel(Channels.INTEGRITY)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<IntegrityRecord> integrity;

    @Inject
    @Channel(Channels.FINDINGS)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 1024)
    Emitter<Finding> findings;

    private final Semaphore unacknowledged;
    private final KafkaClientService clients;
    private final String eventsTopic;
    private volatile Producer<String, Object> eventsProducer;

    @Inject
    KafkaEventSink(IngestConfig config, KafkaClientService clients,
                   @ConfigProperty(name = "mp.messaging.outgoing.events.topic") String eventsTopic) {
        this.unacknowledged = new Semaphore(Math.min(config.maxUnacknowledgedEvents(), EMITTER_BUFFER / 2));
        this.clients = clients;
        this.eventsTopic = eventsTopic;
    }

    /** The headers every event has. */
    private static final Header TYPE = header(Headers.CE_TYPE, CloudTrailEvent.CE_TYPE);
    private static final Header SPEC_VERSION = header(Headers.CE_SPECVERSION, Headers.CE_SPECVERSION_1_0);
    private static final Header CONTENT_TYPE = header(Headers.CONTENT_TYPE, Headers.APPLICATION_JSON);
    private static final Header SCHEMA_VERSION = header(Headers.SCHEMA_VERSION, CloudTrailEvent.SCHEMA_VERSION);
    private static final Header VIA_EVENTBRIDGE = header(Headers.VIA, EventOrigin.VIA_EVENTBRIDGE);

    @Override
    public FileEvents events(ObjectRef from, String accountCheck) {
        return new LogFileEvents(header(Headers.S3_BUCKET, from.bucket()), header(Headers.S3_KEY, from.key()),
                header(Headers.LOG_FILE, EventMessages.logFileId(from.bucket(), from.key())), header(Headers.ACCOUNT_CHECK, accountCheck));
    }

    /**
     * The events of one log file, read by one thread. Every record names the file by its id ({@code tw_log_file}); the
     * first published for each key (account) also names its bucket and key, which a consumer of that partition keeps
     * by the id, so the per-file headers are not repeated on each of the file's records. One whose send is refused at
     * once (too large) does not count as the first: the next record names them. A file ingested again names them again;
     * a record without a key (no account anywhere), which may go to any partition, names them itself.
     * A log file holds one account and region, so its {@code ce_source} is made once and then compared, not looked up,
     * for each record; a file that names others makes each anew.
     */
    private final class LogFileEvents implements FileEvents {
        private final Header bucket;
        private final Header key;
        private final Header logFile;
        private final Header check;
        /** The keys (accounts) whose first record named the bucket and key: written by the reading thread, cleared by a refusal. */
        private final Set<String> named = ConcurrentHashMap.newKeySet(2);
        private String account;
        private String region;
        private Header source;

        LogFileEvents(Header bucket, Header key, Header logFile, Header check) {
            this.bucket = bucket;
            this.key = key;
            this.logFile = logFile;
            this.check = check;
        }

        @Override
        public void publish(RawRecord record, String accountId, Instant eventTime, int recordIndex, Settled settled) {
            String awsRegion = record.awsRegion();
            if (source == null || !Objects.equals(accountId, account) || !Objects.equals(awsRegion, region)) {
                source = header(Headers.CE_SOURCE, EventMessages.ceSource(accountId, awsRegion));
                account = accountId;
                region = awsRegion;
            }
            Header id = header(Headers.CE_ID, record.eventId());
            Header time = header(Headers.CE_TIME, EventTimes.isoText(record.eventTime(), eventTime));
            Header index = header(Headers.RECORD_INDEX, Integer.toString(recordIndex));
            // a record without a key goes to any partition: it names the file itself
            if (accountId == null || named.add(accountId)) {
                var headers = new RecordHeaders(new Header[]{id, TYPE, source, time, SPEC_VERSION, CONTENT_TYPE, SCHEMA_VERSION,
                        logFile, bucket, key, index, check});
                send(new ProducerRecord<>(eventsTopic, null, null, accountId, record.bytes(), headers), failure -> {
                    if (failure != null && accountId != null) {
                        named.remove(accountId);
                    }
                    settled.settled(failure);
                });
            } else {
                var headers = new RecordHeaders(new Header[]{id, TYPE, source, time, SPEC_VERSION, CONTENT_TYPE, SCHEMA_VERSION,
                        logFile, index, check});
                send(new ProducerRecord<>(eventsTopic, null, null, accountId, record.bytes(), headers), settled);
            }
        }
    }

    @Override
    public CompletionStage<Void> bridged(RawRecord record, String accountId, Instant eventTime, String eventBridgeId,
                                         String accountCheck) {
        var headers = new RecordHeaders(new Header[]{
                header(Headers.CE_ID, record.eventId()), TYPE,
                header(Headers.CE_SOURCE, EventMessages.ceSource(accountId, record.awsRegion())),
                header(Headers.CE_TIME, EventTimes.isoText(record.eventTime(), eventTime)), SPEC_VERSION, CONTENT_TYPE, SCHEMA_VERSION,
                VIA_EVENTBRIDGE, header(Headers.EVENTBRIDGE_ID, eventBridgeId), header(Headers.ACCOUNT_CHECK, accountCheck)});
        var acked = new CompletableFuture<Void>();
        send(new ProducerRecord<>(eventsTopic, null, null, accountId, record.bytes(), headers), failure -> {
            if (failure == null) {
                acked.complete(null);
            } else {
                acked.completeExceptionally(failure);
            }
        });
        return acked;
    }

    /** Sends an event once fewer than the cap await acknowledgement, and tells {@code settled} how it ended, once. */
    private void send(ProducerRecord<String, Object> record, Settled settled) {
        try {
            unacknowledged.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            settled.settled(e);
            return;
        }
        try {
            producer().send(record, (meta, error) -> {
                unacknowledged.release();
                settled.settled(error == null ? null : tooLarge(error));
            });
        } catch (RuntimeException e) {
            // the producer refused it before sending: its callback did not run, and will not
            unacknowledged.release();
            settled.settled(tooLarge(e));
        }
    }

    private static Header header(String name, String value) {
        return new RecordHeader(name, utf8(value));
    }

    /** Kafka's refusal for size (producer max.request.size or broker message.max.bytes), as the core's exception. */
    private static Throwable tooLarge(Throwable error) {
        if (error instanceof RecordTooLargeException) {
            return new TooLargeException(error.getMessage());
        }
        return error;
    }

    private Producer<String, Object> producer() {
        var p = eventsProducer;
        if (p == null) {
            p = clients.<String, Object>getProducer(Channels.EVENTS).unwrap();
            eventsProducer = p;
        }
        return p;
    }

    @Override
    public CompletionStage<Void> deadLetter(DeadLetterChannel channel, DeadLetter letter, String key) {
        var headers = DeadLetters.headers(letter);
        if (channel != DeadLetterChannel.RECORDS) {
            return send(channel == DeadLetterChannel.OBJECTS ? dlqObjects : dlqNotifications, letter, key, headers, null);
        }
        // A poison file can dead-letter every one of its records: those wait for acknowledgement like events do.
        try {
            unacknowledged.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.failedFuture(e);
        }
        return send(dlqRecords, letter, key, headers, unacknowledged);
    }

    @Override
    public CompletionStage<Void> completed(IngestedObject object) {
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(Headers.CONTENT_TYPE, utf8(Headers.APPLICATION_JSON))
                .add(Headers.SCHEMA_VERSION, utf8("1"));
        return send(ledger, object, object.ledgerKey(), headers, null);
    }

    @Override
    public CompletionStage<Void> integrity(IntegrityRecord record) {
        org.apache.kafka.common.header.Headers headers = new RecordHeaders()
                .add(Headers.CONTENT_TYPE, utf8(Headers.APPLICATION_JSON))
                .add(Headers.SCHEMA_VERSION, utf8(IntegrityRecord.SCHEMA_VERSION));
        return send(integrity, record, record.chain(), headers, null);
    }

    @Override
    public CompletionStage<Void> finding(Finding finding) {
        var headers = FindingHeaders.of(finding, "ingest");
        return send(findings, finding, finding.findingId(), headers, null);
    }

    private static <T> CompletionStage<Void> send(Emitter<T> emitter, T payload, String key, org.apache.kafka.common.header.Headers headers,
                                                  Semaphore permits) {
        var acked = new CompletableFuture<Void>();
        var metadata = OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withHeaders(headers).build();
        Message<T> message = Message.of(payload, Metadata.of(metadata),
                () -> {
                    release(permits);
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                },
                failure -> {
                    release(permits);
                    acked.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            release(permits);
            acked.completeExceptionally(e);
        }
        return acked;
    }

    private static void release(Semaphore permits) {
        if (permits != null) {
            permits.release();
        }
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}

package io.trailwatch.ingest.config;

import io.micrometer.core.instrument.MeterRegistry;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.ingest.core.Admission;
import io.trailwatch.ingest.core.Backfill;
import io.trailwatch.ingest.core.EventSink;
import io.trailwatch.ingest.core.IngestMetrics;
import io.quarkus.runtime.Startup;
import io.smallrye.common.annotation.Identifier;
import io.trailwatch.messaging.KafkaConnection;
import io.trailwatch.messaging.NativeCompression;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import jakarta.enterprise.inject.Disposes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.trailwatch.ingest.core.ObjectIngestor;
import io.trailwatch.ingest.core.ObjectSource;
import io.trailwatch.cloudtrail.digest.PublicKeys;
import io.trailwatch.ingest.core.DigestValidator;
import io.trailwatch.ingest.core.PublicKeySource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Path;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Builds the framework-free core from the configuration: plain constructors, no magic. */
@ApplicationScoped
public class Wiring {

    private static final Logger LOG = Logger.getLogger(Wiring.class);

    /** Events are compressed with lz4 (application.properties): natively, not in Java ({@link NativeCompression}). */
    void nativeCompression(@Observes @Priority(1) StartupEvent start) {
        LOG.infof("Events are compressed with %s lz4", NativeCompression.loadLz4());
    }

    @Produces
    @Singleton
    Admission admission(IngestConfig config) {
        var sources = config.sources();
        Pattern skip;
        try {
            skip = Pattern.compile(sources.skipKeyPattern());
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("trailwatch.ingest.sources.skip-key-pattern is no regular expression: "
                    + e.getDescription(), e);
        }
        return new Admission(sources.buckets(), sources.keyPrefixes().orElse(List.of()),
                sources.accounts().orElse(Set.of()), skip, config.integrity().enabled());
    }

    @Produces
    @Singleton
    LogFileReader reader(IngestConfig config,
                         @ConfigProperty(name = "mp.messaging.outgoing.events.max.request.size", defaultValue = "1048576") long maxRequestSize) {
        checkRequestSize(config.caps().maxRecordBytes(), maxRequestSize);
        return new LogFileReader(new Caps(config.caps().maxDecompressedBytes(), config.caps().maxRecordBytes()));
    }

    /**
     * An event carries its record as written plus headers: a record the cap lets through must fit the producer's
     * request size, or it would be refused on every retry.
     */
    static void checkRequestSize(long maxRecordBytes, long maxRequestSize) {
        long needed = maxRecordBytes + EVENT_OVERHEAD;
        if (maxRequestSize < needed) {
            throw new IllegalArgumentException("trailwatch.ingest.caps.max-record-bytes=" + maxRecordBytes
                    + " needs mp.messaging.outgoing.events.max.request.size of at least " + needed + " (the record "
                    + "plus its headers), but it is " + maxRequestSize
                    + ": lower the cap or raise the request size (and the topic's max.message.bytes)");
        }
    }

    /** Room for an event's key, headers and envelope beyond its record. */
    static final long EVENT_OVERHEAD = 64 * 1024;

    @Produces
    @Singleton
    Ledger ledger(IngestConfig config) {
        return new Ledger(config.ledger().retention());
    }

    /**
     * Follows the ledger topic from start-up on, so objects completed by other replicas are known too; the SQS poller
     * waits until it was read to its end.
     */
    @Produces
    @Singleton
    @Startup
    LedgerFollower ledgerFollower(Ledger ledger, IngestConfig config,
                                  @Identifier("default-kafka-broker") Map<String, Object> kafkaConfig,
                                  @ConfigProperty(name = "mp.messaging.outgoing.ledger.topic") String topic) {
        return LedgerFollower.start(ledger, KafkaConnection.of(kafkaConfig), topic, config.ledger().partitions());
    }

    void close(@Disposes LedgerFollower follower) {
        follower.close();
    }

    @Produces
    @Singleton
    IngestMetrics metrics(MeterRegistry registry) {
        return new IngestMetrics(registry);
    }

    @Produces
    @Singleton
    ObjectIngestor ingestor(IngestConfig config, Admission admission, ObjectSource source, EventSink sink, Ledger ledger,
                            LogFileReader reader, IngestMetrics metrics, DigestValidator validator) {
        return new ObjectIngestor(admission, source, sink, ledger, reader, metrics, config.publishTimeout(),
                Clock.systemUTC(), validator);
    }

    @Produces
    @Singleton
    DigestValidator validator(IngestConfig config, Admission admission, ObjectSource source, EventSink sink,
                              Ledger ledger, PublicKeySource keys, IngestMetrics metrics) {
        return new DigestValidator(admission, source, sink, ledger, keys, metrics,
                config.integrity().maxDigestBytes(), config.caps().maxDecompressedBytes(), config.publishTimeout(),
                Clock.systemUTC());
    }

    @Produces
    @Singleton
    PublicKeySource publicKeys(IngestConfig config, Instance<PublicKeySource.Fetcher> fetcher) {
        var integrity = config.integrity();
        List<PublicKeys.Entry> configured = List.of();
        if (integrity.publicKeysFile().isPresent()) {
            Path file = integrity.publicKeysFile().get();
            try {
                configured = PublicKeys.readFile(file);
            } catch (IOException e) {
                throw new IllegalArgumentException("trailwatch.ingest.integrity.public-keys-file: " + e.getMessage(), e);
            }
            LOG.infof("Read %d CloudTrail public keys from %s", configured.size(), file);
        }
        return new PublicKeySource(configured, integrity.fetchPublicKeys() ? fetcher.get() : null, Clock.systemUTC());
    }

    @Produces
    @Singleton
    Backfill backfill(IngestConfig config, ObjectSource source, ObjectIngestor ingestor) {
        int concurrency = config.backfill().concurrency();
        return new Backfill(source, ingestor, Executors.newFixedThreadPool(concurrency, r -> {
            Thread t = new Thread(r, "backfill-object");
            t.setDaemon(true);
            return t;
        }), concurrency, Clock.systemUTC(), new Backfill.Limits(config.backfill().maxRange(),
                config.backfill().maxRunning(), config.backfill().keepFinished()));
    }
}

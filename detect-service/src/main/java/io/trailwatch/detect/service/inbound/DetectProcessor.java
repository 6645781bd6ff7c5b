package io.trailwatch.detect.service.inbound;

import io.trailwatch.detect.service.core.DetectMetrics;
import io.trailwatch.detect.service.outbound.KafkaStateStore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.cloudtrail.EventMessages;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.messaging.DeadLetters;
import io.trailwatch.messaging.FindingHeaders;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.DeadLetter;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One task's detector: reads each event, names the object it was read from ({@link LogFiles}), skips it when it is an
 * event's second copy ({@link EventCopies}), runs it
 * through the {@link Detector} (its state in the task's store) and
 * forwards findings, keyed by findingId, to {@link DetectTopology#FINDINGS_SINK}; an event it cannot read or evaluate
 * goes, with the reason, to {@link DetectTopology#DEAD_LETTER_SINK}, and the next event is processed.
 */
final class DetectProcessor implements Processor<byte[], byte[], String, byte[]> {

    private static final Logger LOG = Logger.getLogger(DetectProcessor.class);
    private static final ObjectMapper JSON = ModelJson.newMapper();

    private final Engine engine;
    private final Duration remember;
    private final Duration forget;
    private final Duration expireEvery;
    private final Duration maxClockSkew;
    private final DetectMetrics metrics;
    private final EventCopies.Settings copiesConfig;
    private ProcessorContext<String, byte[]> context;
    private Detector detector;
    private EventCopies copies;
    private LogFiles logFiles;
    private boolean seenAny;

    /** @param copies how to recognize an event's second copy; null: every copy is processed */
    DetectProcessor(Engine engine, Duration remember, Duration forget, Duration expireEvery, Duration maxClockSkew,
                    EventCopies.Settings copies, DetectMetrics metrics) {
        this.copiesConfig = copies;
        this.engine = engine;
        this.remember = remember;
        this.forget = forget;
        this.expireEvery = expireEvery;
        this.maxClockSkew = maxClockSkew;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
        this.context = context;
        KeyValueStore<String, String> store = context.getStateStore(DetectTopology.STORE);
        this.detector = new Detector(engine, new KafkaStateStore(store), remember, forget, java.time.Clock.systemUTC(), maxClockSkew);
        this.logFiles = new LogFiles(context.getStateStore(DetectTopology.LOG_FILES_STORE));
        if (copiesConfig != null) {
            this.copies = new EventCopies(context.getStateStore(DetectTopology.COPIES_STORE), copiesConfig);
        }
        context.schedule(expireEvery, PunctuationType.WALL_CLOCK_TIME, now -> {
            if (seenAny) {
                List<Finding> finals = detector.expire(detector.streamTime());
                for (Finding f : finals) {
                    forward(new Record<>(null, null, now), f);
                }
            }
        });
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        metrics.event();
        CloudTrailEvent event;
        try {
            String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
            event = EventMessages.decode(record.value(), key, name -> header(record, name));
        } catch (InvalidRecordException e) {
            deadLetter(record, null, "invalid-event", "not a trailwatch.events.v3 event: " + e.getMessage());
            return;
        }
        if (event.origin() != null && event.origin().logFile() != null) {
            event = logFiles.resolve(event, record.timestamp());
            if (!LogFiles.known(event)) {
                metrics.unknownLogFile();
            }
        }
        if (copies != null) {
            String first = copies.secondCopyOf(event, record.timestamp());
            if (first != null) {
                metrics.secondCopy(EventCopies.via(event), first);
                return;
            }
        }
        seenAny = true;
        if (detector.isFutureDated(event)) {
            metrics.futureDated();
        }
        List<Finding> findings;
        try {
            findings = detector.process(event);
        } catch (RuntimeException e) {
            LOG.warnf(e, "event %s could not be evaluated", event.eventId());
            deadLetter(record, event.eventId(), "evaluation-failed", e.toString());
            return;
        }
        for (Finding f : findings) {
            forward(record, f);
        }
    }

    private static String header(Record<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private void forward(Record<byte[], byte[]> in, Finding f) {
        byte[] value;
        try {
            value = JSON.writeValueAsBytes(f);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a finding does not serialize", e);
        }
        var headers = FindingHeaders.of(f, "detect");
        context.forward(new Record<>(f.findingId(), value, in.timestamp(), headers), DetectTopology.FINDINGS_SINK);
        metrics.finding(f);
    }

    private void deadLetter(Record<byte[], byte[]> in, String eventId, String reason, String detail) {
        metrics.deadLetter(reason);
        Map<String, String> source = new LinkedHashMap<>();
        context.recordMetadata().ifPresent(m -> {
            source.put("topic", m.topic());
            source.put("partition", Integer.toString(m.partition()));
            source.put("offset", Long.toString(m.offset()));
        });
        String payload = in.value() == null ? null : new String(in.value(), StandardCharsets.UTF_8);
        DeadLetter letter = DeadLetter.of("detect", "events", reason, detail, Instant.now(), source, payload);
        byte[] value;
        try {
            value = JSON.writeValueAsBytes(letter);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a dead letter does not serialize", e);
        }
        var headers = DeadLetters.headers(letter);
        context.forward(new Record<>(eventId, value, in.timestamp(), headers), DetectTopology.DEAD_LETTER_SINK);
    }
}

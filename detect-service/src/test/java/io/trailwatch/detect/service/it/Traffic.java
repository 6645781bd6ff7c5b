package io.trailwatch.detect.service.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Headers;
import io.trailwatch.model.ModelJson;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Publishes events to the events topic as ingest-service does: the record as written, keyed by account. Close it. */
final class Traffic implements AutoCloseable {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;

    Traffic(String bootstrap, String topic) {
        this.producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5),
                new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
    }

    /** A CloudTrail record, as JSON, normalized. */
    static CloudTrailEvent event(String recordJson) {
        try {
            return Normalizer.normalize((ObjectNode) JSON.readTree(recordJson), null);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A successful API call. */
    static CloudTrailEvent call(String id, String account, String service, String eventName, String region, String time) {
        return event("""
                {"eventVersion":"1.09","eventID":"%s","eventTime":"%s","eventSource":"%s.amazonaws.com","eventName":"%s",
                 "awsRegion":"%s","eventType":"AwsApiCall","recipientAccountId":"%s","sourceIPAddress":"203.0.113.20",
                 "userIdentity":{"type":"IAMUser","accountId":"%s","arn":"arn:aws:iam::%s:user/ana","userName":"ana"},
                 "requestParameters":{"name":"trail-%s"}}
                """.formatted(id, time, service, eventName, region, account, account, account, id));
    }

    void send(CloudTrailEvent e) {
        var headers = new RecordHeaders()
                .add(Headers.CE_ID, e.eventId().getBytes(StandardCharsets.UTF_8))
                .add(Headers.CE_TYPE, CloudTrailEvent.CE_TYPE.getBytes(StandardCharsets.UTF_8))
                .add(Headers.CE_TIME, e.eventTime().toString().getBytes(StandardCharsets.UTF_8));
        try {
            producer.send(new ProducerRecord<>(topic, null, e.accountId(), JSON.writeValueAsBytes(e.raw()), headers));
        } catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    void sendRaw(String key, String value) {
        producer.send(new ProducerRecord<>(topic, key, value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close();
    }
}

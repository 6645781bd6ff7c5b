package io.trailwatch.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.devkit.CloudTrailLogs;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class ProducerFloorTest {

    @Test
    void theFloorSendsEveryRecordAsWrittenKeyedByItsAccount() throws Exception {
        var records = new CloudTrailLogs(3).records("444455556666", "us-east-1", Instant.parse("2026-03-02T10:00:00Z"), 40);
        var producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());

        int sent = ProducerFloor.send(producer, new JsonFactory(), "floor", CloudTrailLogs.file(records, true));

        assertThat(sent).isEqualTo(40);
        var json = new ObjectMapper();
        for (int i = 0; i < 40; i++) {
            var record = producer.history().get(i);
            assertThat(json.readTree(record.value())).isEqualTo(records.get(i));
            assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(records.get(i).path("recipientAccountId").asText());
        }
    }
}

package io.trailwatch.messaging;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A record on the findings topic is a finding, or the reason it is none with what it was: never an exception. */
class FindingDeserializerTest {

    private final FindingDeserializer deserializer = new FindingDeserializer();

    @Test
    void aGoldenFinding_isRead() throws Exception {
        byte[] bytes;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("golden/trailwatch.findings.v1/v1/stop-logging.json")) {
            bytes = in.readAllBytes();
        }

        var read = deserializer.deserialize("trailwatch.findings.v1", bytes);

        assertThat(read.error()).isNull();
        assertThat(read.finding().ruleId()).isEqualTo("cloudtrail-stop-logging");
    }

    @Test
    void whatIsNoFinding_keepsItsBytesAndTheReason() {
        var notJson = deserializer.deserialize("t", "{not a finding".getBytes(StandardCharsets.UTF_8));
        var incomplete = deserializer.deserialize("t", "{\"findingId\":\"f-1\"}".getBytes(StandardCharsets.UTF_8));
        var empty = deserializer.deserialize("t", null);
        var jsonNull = deserializer.deserialize("t", "null".getBytes(StandardCharsets.UTF_8));

        assertThat(notJson.finding()).isNull();
        assertThat(notJson.error()).startsWith("not a trailwatch.findings.v1 finding");
        assertThat(notJson.raw()).isEqualTo("{not a finding");
        assertThat(incomplete.error()).isEqualTo("no findingId, ruleId or severity");
        assertThat(empty.error()).isEqualTo("the record has no value");
        assertThat(jsonNull.finding()).isNull();
    }
}

package io.trailwatch.messaging;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import org.apache.kafka.common.serialization.Deserializer;

import java.nio.charset.StandardCharsets;

/**
 * The value deserializer of every consumer of {@code trailwatch.findings.v1}: reads a finding, or keeps the bytes and
 * the reason when they are none, so a poison record is dead-lettered and counted, never fatal to the channel.
 */
public final class FindingDeserializer implements Deserializer<FindingDeserializer.Read> {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    /**
     * A record's value: the finding, or why it is none and what it was.
     *
     * @param finding the finding, or null
     * @param error   why there is none, or null
     * @param raw     the value as text, when it is no finding
     */
    public record Read(Finding finding, String error, String raw) {
    }

    @Override
    public Read deserialize(String topic, byte[] data) {
        if (data == null) {
            return new Read(null, "the record has no value", null);
        }
        try {
            Finding f = JSON.readValue(data, Finding.class);
            if (f == null || f.findingId() == null || f.ruleId() == null || f.severity() == null) {
                return new Read(null, "no findingId, ruleId or severity", new String(data, StandardCharsets.UTF_8));
            }
            return new Read(f, null, null);
        } catch (Exception e) {
            String message = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            return new Read(null, "not a trailwatch.findings.v1 finding: " + message, new String(data, StandardCharsets.UTF_8));
        }
    }
}

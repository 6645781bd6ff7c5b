package io.trailwatch.remediate.inbound;

import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import org.apache.kafka.common.serialization.Deserializer;

/** Reads a finding with the model's JSON settings; what is no finding fails and is skipped by the connector. */
public final class FindingDeserializer implements Deserializer<Finding> {

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = ModelJson.newMapper();

    @Override
    public Finding deserialize(String topic, byte[] data) {
        try {
            return data == null ? null : JSON.readValue(data, Finding.class);
        } catch (java.io.IOException e) {
            throw new org.apache.kafka.common.errors.SerializationException("not a finding: " + e.getMessage(), e);
        }
    }
}

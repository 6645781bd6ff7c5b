package io.trailwatch.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.trailwatch.model.ModelJson;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/** The Kafka serializer of every model record: JSON with the model's one configuration ({@link ModelJson}). */
public class ModelJsonSerializer implements Serializer<Object> {

    private static final ObjectWriter WRITER = ModelJson.newMapper().writer();

    @Override
    public byte[] serialize(String topic, Object data) {
        if (data == null) {
            return null;
        }
        try {
            return WRITER.writeValueAsBytes(data);
        } catch (JsonProcessingException e) {
            throw new SerializationException("cannot write " + data.getClass().getSimpleName() + " for " + topic, e);
        }
    }
}

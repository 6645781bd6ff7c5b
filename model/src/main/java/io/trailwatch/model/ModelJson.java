package io.trailwatch.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one JSON configuration of every message on Kafka: instants as RFC 3339 strings, unknown fields ignored (so a
 * consumer survives fields added within a major version), exact decimals.
 */
public final class ModelJson {

    private ModelJson() {
    }

    /** Applies the model's settings to a mapper (a service's own, e.g. Quarkus's). */
    public static ObjectMapper configure(ObjectMapper mapper) {
        return mapper
                .registerModule(new JavaTimeModule())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    }

    /** A new mapper with the model's settings. */
    public static ObjectMapper newMapper() {
        return configure(new ObjectMapper());
    }
}

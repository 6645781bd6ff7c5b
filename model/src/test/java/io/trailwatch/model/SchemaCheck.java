package io.trailwatch.model;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates JSON against the model's schemas ({@code schemas/<topic>/v<N>.schema.json} on the classpath). Shared with
 * the services' contract tests through the model's test-jar.
 */
public final class SchemaCheck {

    /** Schemas refer to each other by their $id; those resolve to the classpath, never to the network. */
    private static final String ID_PREFIX = "https://trailwatch.io/schemas/";
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            b -> b.schemaIdResolvers(r -> r.mapPrefix(ID_PREFIX, "classpath:schemas/")));
    private static final Map<String, Schema> SCHEMAS = new ConcurrentHashMap<>();

    private SchemaCheck() {
    }

    /** The schema resource path of a topic's version, e.g. {@code schemas/trailwatch.events.v1/v1.schema.json}. */
    public static String schemaPath(String topic, int version) {
        return "schemas/" + topic + "/v" + version + ".schema.json";
    }

    /** The violations of {@code json} against the schema; empty when valid. */
    public static List<String> violations(String schemaPath, String json) {
        Schema schema = SCHEMAS.computeIfAbsent(schemaPath, SchemaCheck::load);
        return schema.validate(json, InputFormat.JSON).stream().map(Error::toString).toList();
    }

    private static Schema load(String path) {
        if (SchemaCheck.class.getClassLoader().getResource(path) == null || !path.startsWith("schemas/")) {
            throw new IllegalArgumentException("no schema on the classpath at " + path);
        }
        return REGISTRY.getSchema(SchemaLocation.of(ID_PREFIX + path.substring("schemas/".length())));
    }
}

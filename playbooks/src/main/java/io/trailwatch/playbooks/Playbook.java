package io.trailwatch.playbooks;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The shape every playbook shares: remediate-service's payload in ({@code {"finding": ..., "remediation": {"action",
 * "targets", "dryRun"}}}), a JSON result out. A payload the playbook cannot act on is an error the function reports
 * (Lambda's FunctionError), never a guess.
 */
public abstract class Playbook implements RequestStreamHandler {

    protected static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public final void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        JsonNode payload = JSON.readTree(input);
        JsonNode targets = payload.path("remediation").path("targets");
        boolean dryRun = payload.path("remediation").path("dryRun").asBoolean(false);
        String region = payload.path("finding").path("region").asText(null);
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("the finding has no region");
        }
        ObjectNode result = run(region, targets, dryRun);
        JSON.writeValue(output, result);
    }

    /** Acts on the targets in the region (or says what it would do when {@code dryRun}). */
    protected abstract ObjectNode run(String region, JsonNode targets, boolean dryRun);

    protected static String required(JsonNode targets, String name) {
        JsonNode v = targets.get(name);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("the payload names no " + name);
        }
        return v.asText();
    }
}

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
 *
 * <p>A playbook acts only where it runs: the finding's account and region must be the function's own (from the ARN
 * it was invoked by), and so must every ARN among the targets. Deploy one per account and region it may act in; a
 * forged or misrouted finding about elsewhere is refused, never acted on with this role.
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
        refuseOutsideHome(context, payload.path("finding").path("accountId").asText(null), region, targets);
        ObjectNode result = run(region, targets, dryRun);
        JSON.writeValue(output, result);
    }

    /**
     * Refuses a finding, or a target ARN, in another account or region than the function's own.
     *
     * @throws IllegalArgumentException naming what is elsewhere
     */
    static void refuseOutsideHome(Context context, String account, String region, JsonNode targets) {
        String arn = context == null ? null : context.getInvokedFunctionArn();
        String[] home = arn == null ? new String[0] : arn.split(":", 7);
        if (home.length < 6 || home[3].isEmpty() || home[4].isEmpty()) {
            throw new IllegalArgumentException("refused: cannot tell which account and region this function runs in (invoked as " + arn + ")");
        }
        String homeRegion = home[3];
        String homeAccount = home[4];
        if (account == null || !account.equals(homeAccount)) {
            throw new IllegalArgumentException("refused: the finding is about account " + account + ", this playbook runs in "
                    + homeAccount + " and acts only there");
        }
        if (!region.equals(homeRegion)) {
            throw new IllegalArgumentException("refused: the finding is about region " + region + ", this playbook runs in "
                    + homeRegion + " and acts only there");
        }
        checkArns(targets, homeAccount, homeRegion);
    }

    private static void checkArns(JsonNode node, String account, String region) {
        if (node.isTextual() && node.asText().startsWith("arn:")) {
            String[] parts = node.asText().split(":", 6);
            if (parts.length == 6 && ((!parts[4].isEmpty() && !parts[4].equals(account)) || (!parts[3].isEmpty() && !parts[3].equals(region)))) {
                throw new IllegalArgumentException("refused: the target " + node.asText() + " is outside " + account + "/" + region
                        + ", where this playbook runs");
            }
        }
        node.forEach(child -> checkArns(child, account, region));
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

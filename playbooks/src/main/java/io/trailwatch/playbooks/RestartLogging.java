package io.trailwatch.playbooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;

import java.util.function.Function;

/** After StopLogging: starts the trail logging again ({@code cloudtrail:StartLogging} on the trail). */
public final class RestartLogging extends Playbook {

    private final Function<String, CloudTrailClient> clients;

    /** The handler Lambda runs: clients with the execution role's credentials. */
    public RestartLogging() {
        this(Clients.cloudTrail(null));
    }

    RestartLogging(Function<String, CloudTrailClient> clients) {
        this.clients = clients;
    }

    @Override
    protected ObjectNode run(String region, JsonNode targets, boolean dryRun) {
        String trail = required(targets, "trailName");
        ObjectNode out = JSON.createObjectNode().put("trail", trail).put("dryRun", dryRun);
        if (!dryRun) {
            try (CloudTrailClient ct = clients.apply(region)) {
                ct.startLogging(b -> b.name(trail));
            }
        }
        return out.put("action", dryRun ? "would start logging" : "started logging");
    }
}

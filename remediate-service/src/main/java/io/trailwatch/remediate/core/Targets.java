package io.trailwatch.remediate.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.trailwatch.model.Finding;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The resources a remediation acts on, taken from the triggering event's request parameters: identifiers and names
 * ({@code ...Id}, {@code ...Name}, {@code ...Arn}, {@code name}) as they stand, plus the permission sets that say
 * what to revoke or unshare ({@code ipPermissions}, {@code createVolumePermission}, {@code launchPermission}).
 */
public final class Targets {

    private static final Set<String> STRUCTURES = Set.of("ipPermissions", "createVolumePermission", "launchPermission",
            "attributeType");

    private Targets() {
    }

    public static Map<String, JsonNode> of(Finding f) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        JsonNode params = f.evidence() == null || f.evidence().raw() == null ? null : f.evidence().raw().get("requestParameters");
        if (params == null || !params.isObject()) {
            return out;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
            var e = it.next();
            String k = e.getKey();
            if ((e.getValue().isValueNode() && (k.endsWith("Id") || k.endsWith("Name") || k.endsWith("Arn") || k.equals("name")))
                    || STRUCTURES.contains(k)) {
                out.put(k.equals("name") && "cloudtrail.amazonaws.com".equals(f.eventSource()) ? "trailName" : k, e.getValue());
            }
        }
        return out;
    }
}

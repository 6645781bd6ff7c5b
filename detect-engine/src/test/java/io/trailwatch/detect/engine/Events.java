package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.model.CloudTrailEvent;

/** CloudTrail records for engine tests, normalized as ingest-service does. */
final class Events {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Events() {
    }

    /** A record from JSON; eventID, eventTime, eventSource and eventName are filled in when missing. */
    static CloudTrailEvent event(String json) {
        try {
            ObjectNode r = (ObjectNode) JSON.readTree(json);
            if (!r.has("eventID")) {
                r.put("eventID", "e-" + Math.abs(json.hashCode()));
            }
            if (!r.has("eventTime")) {
                r.put("eventTime", "2026-03-02T10:00:00Z");
            }
            if (!r.has("eventSource")) {
                r.put("eventSource", "iam.amazonaws.com");
            }
            if (!r.has("eventName")) {
                r.put("eventName", "GetRole");
            }
            return Normalizer.normalize(r, null);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A rule file around a match block (YAML, indented by four spaces under match:). */
    static String rule(String id, String match) {
        return """
                id: %s
                title: A test rule
                description: For tests.
                severity: medium
                category: iam-change
                maturity: incubating
                match:
                %s
                tests:
                  - name: matches
                    expect: match
                    event: {eventID: a, eventTime: "2026-03-02T10:00:00Z", eventSource: iam.amazonaws.com, eventName: GetRole}
                  - name: does not match
                    expect: no-match
                    event: {eventID: b, eventTime: "2026-03-02T10:00:00Z", eventSource: s3.amazonaws.com, eventName: GetObject}
                """.formatted(id, match.indent(2).stripTrailing());
    }
}

package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.trailwatch.model.CloudTrailEvent;

import java.util.HashMap;
import java.util.Map;

/**
 * What conditions look at: one event. Field paths name CloudTrail's own fields (as in the raw record:
 * {@code eventName}, {@code userIdentity.arn}, {@code requestParameters.policyDocument.Statement.Effect}) or the
 * normalized ones that have no raw counterpart ({@code accountId}, {@code principal.*}, {@code sourceIp}).
 * Policy documents that CloudTrail stores as JSON strings are parsed on first use, once per event.
 */
public final class EventView {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final CloudTrailEvent event;
    private final Engine.Context context;
    private final boolean asIfAllowed;
    private Map<JsonNode, JsonNode> parsedStrings;

    public EventView(CloudTrailEvent event) {
        this(event, Engine.Context.NONE);
    }

    public EventView(CloudTrailEvent event, Engine.Context context) {
        this(event, context, false);
    }

    private EventView(CloudTrailEvent event, Engine.Context context, boolean asIfAllowed) {
        this.event = event;
        this.context = context;
        this.asIfAllowed = asIfAllowed;
    }

    /** The same event as if its refused call had been allowed: without errorCode and errorMessage. */
    EventView asIfAllowed() {
        return new EventView(event, context, true);
    }

    /** What the deployment provides: the country database and named lists. */
    Engine.Context context() {
        return context;
    }

    public CloudTrailEvent event() {
        return event;
    }

    /** A top-level value: a normalized field with no raw counterpart, else the raw record's field. */
    JsonNode root(String name) {
        return switch (name) {
            case "accountId" -> text(event.accountId());
            case "sourceIp" -> text(event.sourceIp());
            case "eventId" -> text(event.eventId());
            case "principal" -> event.principal() == null ? MissingNode.getInstance() : JSON.valueToTree(event.principal());
            case "raw" -> event.raw();
            case "errorCode", "errorMessage" -> {
                JsonNode v = asIfAllowed || event.raw() == null ? null : event.raw().get(name);
                yield v == null ? MissingNode.getInstance() : v;
            }
            default -> {
                JsonNode v = event.raw() == null ? null : event.raw().get(name);
                yield v == null ? MissingNode.getInstance() : v;
            }
        };
    }

    /** A JSON document held in a string (e.g. a policy), parsed once; the string itself when it is not JSON. */
    JsonNode parsed(JsonNode text) {
        String s = text.textValue().strip();
        if (s.isEmpty() || (s.charAt(0) != '{' && s.charAt(0) != '[')) {
            return text;
        }
        if (parsedStrings == null) {
            parsedStrings = new HashMap<>();
        }
        return parsedStrings.computeIfAbsent(text, t -> {
            try {
                return JSON.readTree(s);
            } catch (Exception e) {
                return t;
            }
        });
    }

    private static JsonNode text(String s) {
        return s == null ? MissingNode.getInstance() : TextNode.valueOf(s);
    }
}

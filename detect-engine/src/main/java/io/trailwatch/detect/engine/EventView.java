package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.trailwatch.model.CloudTrailEvent;

import java.util.IdentityHashMap;
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
    /**
     * Strings parsed as JSON, found again by their node's identity, and what each gave (the document, or the string):
     * the first few in pairs in an array, which is all an event usually has and cheaper to look through than a map to
     * hash; the rest in a map, so that an event with thousands of them still costs a lookup each.
     */
    private static final int PARSED_FIRST = 8;
    private JsonNode[] parsedFirst;
    private int parsedCount;
    private Map<JsonNode, JsonNode> parsedMore;
    private JsonNode principalTree;

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

    /** A top-level field, as {@link #rootKind} classifies it once per path: the raw record's own field. */
    static final int RAW_FIELD = 0;
    static final int ACCOUNT_ID = 1;
    static final int SOURCE_IP = 2;
    static final int EVENT_ID = 3;
    static final int PRINCIPAL = 4;
    static final int RAW = 5;
    /** errorCode and errorMessage: absent from the event seen as if its refused call had been allowed. */
    static final int ERROR = 6;

    /** How {@link #root(int, String)} finds a top-level name: decided when a path is compiled, not per event. */
    static int rootKind(String name) {
        return switch (name) {
            case "accountId" -> ACCOUNT_ID;
            case "sourceIp" -> SOURCE_IP;
            case "eventId" -> EVENT_ID;
            case "principal" -> PRINCIPAL;
            case "raw" -> RAW;
            case "errorCode", "errorMessage" -> ERROR;
            default -> RAW_FIELD;
        };
    }

    /**
     * A top-level value: a normalized field with no raw counterpart, else the raw record's field; its name classified
     * by {@link #rootKind}.
     */
    JsonNode root(int kind, String name) {
        return switch (kind) {
            case ACCOUNT_ID -> text(event.accountId());
            case SOURCE_IP -> text(event.sourceIp());
            case EVENT_ID -> text(event.eventId());
            case PRINCIPAL -> principal();
            case RAW -> event.raw() == null ? MissingNode.getInstance() : event.raw();
            case ERROR -> asIfAllowed ? MissingNode.getInstance() : field(name);
            default -> field(name);
        };
    }

    private JsonNode field(String name) {
        JsonNode v = event.raw() == null ? null : event.raw().get(name);
        return v == null ? MissingNode.getInstance() : v;
    }

    /** The normalized principal as a tree, built once per view. */
    private JsonNode principal() {
        if (principalTree == null) {
            principalTree = event.principal() == null ? MissingNode.getInstance() : JSON.valueToTree(event.principal());
        }
        return principalTree;
    }

    /**
     * A JSON document held in a string (e.g. a policy), parsed once; the string itself when it is not JSON. The
     * strings are remembered by identity (the same node of the event's tree, whichever rule reaches it), so a long
     * policy is not hashed to be found again.
     */
    JsonNode parsed(JsonNode text) {
        for (int i = 0; i < parsedCount * 2; i += 2) {
            if (parsedFirst[i] == text) {
                return parsedFirst[i + 1];
            }
        }
        JsonNode known = parsedMore == null ? null : parsedMore.get(text);
        if (known != null) {
            return known;
        }
        String s = text.textValue().strip();
        if (s.isEmpty() || (s.charAt(0) != '{' && s.charAt(0) != '[')) {
            return text;
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(s);
        } catch (Exception e) {
            parsed = text;
        }
        if (parsedCount < PARSED_FIRST) {
            if (parsedFirst == null) {
                parsedFirst = new JsonNode[PARSED_FIRST * 2];
            }
            parsedFirst[parsedCount * 2] = text;
            parsedFirst[parsedCount * 2 + 1] = parsed;
            parsedCount++;
        } else {
            if (parsedMore == null) {
                parsedMore = new IdentityHashMap<>();
            }
            parsedMore.put(text, parsed);
        }
        return parsed;
    }

    private static JsonNode text(String s) {
        return s == null ? MissingNode.getInstance() : TextNode.valueOf(s);
    }
}

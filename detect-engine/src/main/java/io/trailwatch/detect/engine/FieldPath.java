package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/**
 * A dotted path into an event, e.g. {@code requestParameters.ipPermissions.items.ipRanges.items.cidrIp}. Arrays met
 * on the way are fanned out (every element is followed), so a path yields all the values it reaches; a string that
 * holds a JSON document is entered as that document. Compiled once per rule.
 */
public final class FieldPath {

    private final String text;
    private final String[] segments;

    private FieldPath(String text, String[] segments) {
        this.text = text;
        this.segments = segments;
    }

    /** @throws IllegalArgumentException for an empty path or an empty segment */
    public static FieldPath of(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("field path is empty");
        }
        String[] segments = text.split("\\.", -1);
        for (String s : segments) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("field path '" + text + "' has an empty segment");
            }
        }
        return new FieldPath(text, segments);
    }

    /** Every value the path reaches in the event; empty when it reaches none. JSON nulls are not values. */
    public List<JsonNode> values(EventView view) {
        List<JsonNode> out = new ArrayList<>(2);
        collect(view, view.root(segments[0]), 1, out);
        return out;
    }

    private void collect(EventView view, JsonNode node, int i, List<JsonNode> out) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return;
        }
        if (node.isArray()) {
            for (JsonNode element : node) {
                collect(view, element, i, out);
            }
            return;
        }
        if (i == segments.length) {
            out.add(node);
            return;
        }
        if (node.isTextual()) {
            JsonNode parsed = view.parsed(node);
            if (parsed != node) {
                collect(view, parsed, i, out);
            }
            return;
        }
        if (node.isObject()) {
            collect(view, node.get(segments[i]), i + 1, out);
        }
    }

    /** The first segment, e.g. {@code eventName}. */
    public String head() {
        return segments[0];
    }

    public boolean isSingle() {
        return segments.length == 1;
    }

    @Override
    public String toString() {
        return text;
    }
}

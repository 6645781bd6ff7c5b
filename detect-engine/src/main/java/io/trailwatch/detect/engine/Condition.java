package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.function.Predicate;

/** A rule's match logic: predicates on field values, combined with all / any / not. */
public sealed interface Condition permits Condition.All, Condition.Any, Condition.Not, Condition.Field,
        Condition.SameAs, Condition.InList {

    boolean test(EventView event);

    /** Every condition holds. */
    record All(List<Condition> conditions) implements Condition {
        @Override
        public boolean test(EventView event) {
            for (int i = 0; i < conditions.size(); i++) {
                if (!conditions.get(i).test(event)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** At least one condition holds. */
    record Any(List<Condition> conditions) implements Condition {
        @Override
        public boolean test(EventView event) {
            for (int i = 0; i < conditions.size(); i++) {
                if (conditions.get(i).test(event)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The condition does not hold. */
    record Not(Condition condition) implements Condition {
        @Override
        public boolean test(EventView event) {
            return !condition.test(event);
        }
    }

    /**
     * A predicate on the values a field path reaches.
     *
     * @param path      the field
     * @param operator  the operator's name (for indexing and messages)
     * @param argument  the operator's argument as written
     * @param all       true: every value must match (and there must be one); false: any value
     * @param ignoreCase whether strings compare regardless of case
     * @param predicate the compiled per-value test; null for {@code exists}
     */
    record Field(FieldPath path, String operator, JsonNode argument, boolean all, boolean ignoreCase,
                 Predicate<JsonNode> predicate)
            implements Condition {
        /** Any value at all: what {@code exists} asks. */
        private static final Predicate<JsonNode> ANY_VALUE = v -> true;

        @Override
        public boolean test(EventView event) {
            if (predicate == null) {
                return path.test(event, ANY_VALUE, false) == argument.asBoolean();
            }
            return path.test(event, predicate, all);
        }
    }

    /**
     * Two fields of one event compared: true when some value of {@code path} (with {@code all}: every value) equals
     * some value of {@code other} (e.g. the caller's account and the role's account). False when either has no value.
     */
    record SameAs(FieldPath path, FieldPath other, boolean all, boolean ignoreCase) implements Condition {
        @Override
        public boolean test(EventView event) {
            List<JsonNode> a = path.values(event);
            if (a.isEmpty()) {
                return false;
            }
            List<JsonNode> b = other.values(event);
            for (JsonNode x : a) {
                boolean found = false;
                for (JsonNode y : b) {
                    if (x.isValueNode() && y.isValueNode()
                            && (ignoreCase ? x.asText().equalsIgnoreCase(y.asText()) : x.asText().equals(y.asText()))) {
                        found = true;
                        break;
                    }
                }
                if (found && !all) {
                    return true;
                }
                if (!found && all) {
                    return false;
                }
            }
            return all;
        }
    }

    /**
     * A value is in a list the deployment configures ({@code in: {list: trusted-accounts}}); an unconfigured list is
     * empty.
     */
    record InList(FieldPath path, String list, boolean all, boolean ignoreCase) implements Condition {
        @Override
        public boolean test(EventView event) {
            List<JsonNode> values = path.values(event);
            if (values.isEmpty()) {
                return false;
            }
            java.util.Set<String> set = event.context().list(list);
            for (JsonNode v : values) {
                boolean ok = v.isValueNode() && (ignoreCase
                        ? set.stream().anyMatch(x -> x.equalsIgnoreCase(v.asText())) : set.contains(v.asText()));
                if (all && !ok) {
                    return false;
                }
                if (!all && ok) {
                    return true;
                }
            }
            return all;
        }
    }
}

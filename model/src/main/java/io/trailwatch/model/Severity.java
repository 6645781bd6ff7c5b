package io.trailwatch.model;

import java.util.Locale;
import java.util.Optional;

/**
 * The severities of a {@link Finding}, lowest first: its {@code severity} field holds {@link #id()}. Settings that
 * name a severity (a route's floor) accept these names in any case.
 */
public enum Severity {
    INFO, LOW, MEDIUM, HIGH, CRITICAL;

    /** The name on the wire: {@code info}, {@code low}, {@code medium}, {@code high}, {@code critical}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The severity a finding's field names, in any case; empty for anything else. */
    public static Optional<Severity> of(String id) {
        if (id == null) {
            return Optional.empty();
        }
        for (Severity s : values()) {
            if (s.name().equalsIgnoreCase(id)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}

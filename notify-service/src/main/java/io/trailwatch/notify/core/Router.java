package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import io.trailwatch.model.Severity;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Chooses destinations for a finding from the configured routes. Plain Java, immutable, thread-safe. */
public final class Router {

    private static final List<String> SEVERITIES = java.util.Arrays.stream(Severity.values()).map(Severity::id).toList();

    /**
     * A route as configured.
     *
     * @param name         its name
     * @param minSeverity  the lowest severity matched
     * @param categories   categories matched (empty: any)
     * @param ruleIds      rule ids matched (empty: any)
     * @param accounts     accounts matched (empty: any)
     * @param regions      regions matched (empty: any)
     * @param destinations destination names
     */
    public record Route(String name, String minSeverity, Set<String> categories, Set<String> ruleIds, Set<String> accounts,
                        Set<String> regions, List<String> destinations) {
        public Route {
            if (!SEVERITIES.contains(minSeverity.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("route '" + name + "': min-severity '" + minSeverity + "' is none of " + SEVERITIES);
            }
            if (destinations.isEmpty()) {
                throw new IllegalArgumentException("route '" + name + "' names no destination");
            }
        }

        boolean matches(Finding f) {
            return rank(f.severity()) >= rank(minSeverity) && any(categories, f.category()) && any(ruleIds, f.ruleId())
                    && any(accounts, f.accountId()) && any(regions, f.region());
        }

        private static boolean any(Set<String> allowed, String value) {
            return allowed.isEmpty() || (value != null && allowed.contains(value));
        }
    }

    /**
     * One destination a finding goes to, and the first route that sent it there.
     *
     * @param route       the route's name
     * @param destination the destination's name
     */
    public record Target(String route, String destination) {
    }

    private final List<Route> routes;

    /** @throws IllegalArgumentException when a route names a destination not in {@code destinations} */
    public Router(List<Route> routes, Set<String> destinations) {
        for (Route r : routes) {
            for (String d : r.destinations()) {
                if (!destinations.contains(d)) {
                    throw new IllegalArgumentException("route '" + r.name() + "' names the destination '" + d
                            + "', which is not configured; configured: " + destinations);
                }
            }
        }
        this.routes = List.copyOf(routes);
    }

    /** The destinations of a finding, each once, with the first route that chose it. */
    public List<Target> route(Finding f) {
        Map<String, Target> out = new LinkedHashMap<>();
        for (Route r : routes) {
            if (r.matches(f)) {
                for (String d : r.destinations()) {
                    out.putIfAbsent(d, new Target(r.name(), d));
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    static int rank(String severity) {
        return Severity.of(severity).map(Enum::ordinal).orElse(-1);
    }
}

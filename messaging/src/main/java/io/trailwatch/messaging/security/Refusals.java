package io.trailwatch.messaging.security;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jboss.logging.Logger;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Refused calls to a service's management API, logged and counted as
 * {@code trailwatch_management_refusals_total{reason}}: {@code unauthenticated} (no or wrong credentials) or
 * {@code forbidden} (a role that may not do it). Someone probing the kill switch shows up on a dashboard, not only in
 * a log. Thread-safe.
 */
public final class Refusals {

    private static final Logger LOG = Logger.getLogger(Refusals.class);
    public static final String METRIC = "trailwatch.management.refusals";

    private final MeterRegistry registry;
    private final String service;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    public Refusals(MeterRegistry registry, String service) {
        this.registry = registry;
        this.service = service;
    }

    /**
     * Records a refusal.
     *
     * @param reason {@code unauthenticated} or {@code forbidden}
     * @param method the HTTP method, or null
     * @param path   the path, or null
     * @param who    the caller's name when it authenticated, else null
     * @param from   the remote address, or null
     */
    public void refused(String reason, String method, String path, String who, String from) {
        counters.computeIfAbsent(reason, r -> Counter.builder(METRIC)
                .description("Calls to the management API refused for missing, wrong or insufficient credentials")
                .tag("service", service).tag("reason", r).register(registry)).increment();
        LOG.warnf("%s refused a request (%s): %s %s from %s%s", service, reason, method == null ? "" : method.toUpperCase(Locale.ROOT),
                printable(path), printable(from), who == null ? "" : " as " + printable(who));
    }

    /** Someone else's text, on one line and bounded, for a log. */
    private static String printable(String s) {
        if (s == null) {
            return "?";
        }
        String line = s.replaceAll("[\\p{Cntrl}]", "_");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}

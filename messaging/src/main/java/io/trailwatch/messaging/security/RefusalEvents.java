package io.trailwatch.messaging.security;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.security.spi.runtime.AuthenticationFailureEvent;
import io.quarkus.security.spi.runtime.AuthorizationFailureEvent;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;

import java.util.Map;

/**
 * Quarkus security's failure events as {@link Refusals}. A service with a management API declares one bean extending
 * this (CDI beans inherit observer methods), naming itself.
 */
public abstract class RefusalEvents {

    private final Refusals refusals;

    protected RefusalEvents(MeterRegistry registry, String service) {
        this.refusals = new Refusals(registry, service);
    }

    void authentication(@Observes AuthenticationFailureEvent event) {
        record("unauthenticated", event.getEventProperties(), null);
    }

    void authorization(@Observes AuthorizationFailureEvent event) {
        var identity = event.getSecurityIdentity();
        boolean anonymous = identity == null || identity.isAnonymous();
        record(anonymous ? "unauthenticated" : "forbidden", event.getEventProperties(),
                anonymous ? null : identity.getPrincipal().getName());
    }

    private void record(String reason, Map<String, Object> properties, String who) {
        Object rc = properties == null ? null : properties.get(RoutingContext.class.getName());
        if (rc instanceof RoutingContext r) {
            refusals.refused(reason, r.request().method().name(), r.request().path(), who,
                    r.request().remoteAddress() == null ? null : r.request().remoteAddress().toString());
        } else {
            refusals.refused(reason, null, null, who, null);
        }
    }
}

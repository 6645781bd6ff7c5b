package io.trailwatch.console.security;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Set;

/**
 * Authenticates a request by its login session cookie ({@link LoginSessions}) as the local operator; a request without
 * one is left to the other mechanisms (HTTP basic, bearer tokens), whose challenge it gets.
 */
@ApplicationScoped
public class SessionMechanism implements HttpAuthenticationMechanism {

    private final LoginSessions sessions;

    SessionMechanism(LoginSessions sessions) {
        this.sessions = sessions;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        if (!sessions.enabled()) {
            return Uni.createFrom().nullItem();
        }
        Cookie cookie = context.request().getCookie(LoginSessions.COOKIE);
        if (cookie == null || !sessions.valid(cookie.getValue())) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(LoginSessions.USER))
                .addRoles(Set.of("operator", "viewer"))
                .build());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }

    /** Before HTTP basic (2000) and bearer tokens (1000): a session cookie wins over a stale Authorization header. */
    @Override
    public int getPriority() {
        return 3000;
    }
}

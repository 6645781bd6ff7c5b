package io.trailwatch.console.web;

import io.trailwatch.console.security.LoginSessions;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;

import java.net.URI;

/**
 * {@code /login?token=...}: the local login token, from a loopback address, opens a session (a cookie only this
 * console reads: HttpOnly, SameSite=Strict) and goes on to the findings. Anything else is refused with a page that
 * says how to get in. {@code POST /logout} ends the session.
 */
@Path("/")
public class LoginPage {

    private final LoginSessions sessions;

    LoginPage(LoginSessions sessions) {
        this.sessions = sessions;
    }

    @GET
    @Path("login")
    @Produces(MediaType.TEXT_PLAIN)
    public Response login(@QueryParam("token") String token, @Context HttpServerRequest request) {
        String remote = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        return sessions.open(token, remote)
                .map(session -> Response.seeOther(URI.create("/findings")).cookie(new NewCookie.Builder(LoginSessions.COOKIE)
                        .value(session).path("/").httpOnly(true).sameSite(NewCookie.SameSite.STRICT)
                        .maxAge((int) sessions.idle().toSeconds()).build()).build())
                .orElseGet(() -> Response.status(403).entity(sessions.enabled()
                        ? "This login link is not valid here: it works only with the token of the running platform, from"
                        + " this machine. Open the console URL ./trailwatch local printed (also in .trailwatch/endpoints.json)."
                        : "Login links are off: sign in with your user and password, or through your identity provider.").build());
    }

    @POST
    @Path("logout")
    public Response logout(@jakarta.ws.rs.CookieParam(LoginSessions.COOKIE) String session) {
        sessions.close(session);
        return Response.seeOther(URI.create("/findings")).cookie(new NewCookie.Builder(LoginSessions.COOKIE)
                .value("").path("/").httpOnly(true).maxAge(0).build()).build();
    }
}

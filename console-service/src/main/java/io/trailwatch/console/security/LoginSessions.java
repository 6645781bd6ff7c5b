package io.trailwatch.console.security;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sign-in by the local login token ({@code trailwatch.console.login-token}, made per run by {@code ./trailwatch local}):
 * the token, presented from a loopback address, opens a browser session as the local operator; the session is a
 * random id in a cookie, held in this replica's memory and ended after {@code session-idle} without a request. No
 * token configured: no sessions at all. Plain Java, the clock given.
 */
public final class LoginSessions {

    /** The name the sessions' identity carries. */
    public static final String USER = "local-operator";
    /** The cookie that carries the session id. */
    public static final String COOKIE = "tw_console_session";
    private static final int MAX_SESSIONS = 1000;

    private final byte[] token;
    private final Duration idle;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> sessions = new ConcurrentHashMap<>();

    public LoginSessions(Optional<String> token, Duration idle, Clock clock) {
        this.token = token.map(t -> t.getBytes(StandardCharsets.UTF_8)).orElse(null);
        this.idle = idle;
        this.clock = clock;
    }

    /** Whether sign-in by token is on at all. */
    public boolean enabled() {
        return token != null;
    }

    /**
     * A new session for {@code presented}, when it is the token and {@code remoteAddress} is a loopback address; else
     * empty.
     */
    public Optional<String> open(String presented, String remoteAddress) {
        if (token == null || presented == null || !loopback(remoteAddress)
                || !MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        expire();
        if (sessions.size() >= MAX_SESSIONS) {
            return Optional.empty();
        }
        byte[] id = new byte[32];
        random.nextBytes(id);
        String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        sessions.put(session, clock.instant());
        return Optional.of(session);
    }

    /** Whether {@code session} is open (and so, now, used: its idle time starts again). */
    public boolean valid(String session) {
        if (session == null) {
            return false;
        }
        Instant now = clock.instant();
        // one atomic step, so a sign-out at the same moment is never undone
        return sessions.computeIfPresent(session, (k, last) -> last.plus(idle).isBefore(now) ? null : now) != null;
    }

    /** Ends a session (sign-out). */
    public void close(String session) {
        if (session != null) {
            sessions.remove(session);
        }
    }

    /** How long a session lasts without a request: the cookie's Max-Age. */
    public Duration idle() {
        return idle;
    }

    private void expire() {
        Instant now = clock.instant();
        sessions.values().removeIf(last -> last.plus(idle).isBefore(now));
    }

    /** Whether an address (an IP literal, as the HTTP server reports it) is a loopback address. */
    static boolean loopback(String address) {
        if (address == null || address.isBlank()) {
            return false;
        }
        String a = address.strip();
        if (a.startsWith("[") && a.endsWith("]")) {
            a = a.substring(1, a.length() - 1);
        }
        if (!a.matches("[0-9.]+|[0-9A-Fa-f:.]+")) {
            return false; // a name, never resolved
        }
        try {
            return InetAddress.getByName(a).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}

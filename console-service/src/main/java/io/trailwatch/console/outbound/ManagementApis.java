package io.trailwatch.console.outbound;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.console.config.ConsoleConfig;
import io.trailwatch.model.ModelJson;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The other services' management APIs, as the operations page uses them: remediate-service's kill switch
 * ({@code /kill-switch}) and ingest-service's backfill ({@code /backfill}), called with the configured operator's
 * credentials. Every failure is a {@link Failed} with a message fit for the page (never the credentials).
 */
public final class ManagementApis {

    private static final ObjectMapper JSON = ModelJson.newMapper();

    /** A call that did not give what was asked, and why, in words. */
    public static final class Failed extends Exception {
        public Failed(String message) {
            super(message);
        }
    }

    private final Optional<URI> remediate;
    private final Optional<URI> ingest;
    private final Optional<String> authorization;
    private final Duration timeout;
    private final HttpClient http;

    public ManagementApis(ConsoleConfig.Management config) {
        this.remediate = config.remediateUrl();
        this.ingest = config.ingestUrl();
        this.authorization = config.user().map(u -> "Basic " + Base64.getEncoder()
                .encodeToString((u + ":" + config.password().orElse("")).getBytes(StandardCharsets.UTF_8)));
        this.timeout = config.timeout();
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public boolean killSwitchConfigured() {
        return remediate.isPresent();
    }

    public boolean backfillConfigured() {
        return ingest.isPresent();
    }

    /** The kill switch: {@code on} and {@code configured} (on from configuration, which the page cannot turn off). */
    public Map<String, Object> killSwitch() throws Failed {
        return object(call(remediate, "GET", "/kill-switch", null, "remediate-service"));
    }

    /** Turns the kill switch on or off; its new state. */
    public Map<String, Object> turnKillSwitch(boolean on) throws Failed {
        return object(call(remediate, on ? "PUT" : "DELETE", "/kill-switch", null, "remediate-service"));
    }

    /** Every backfill job ingest-service knows, with its progress. */
    public List<Map<String, Object>> backfills() throws Failed {
        String body = call(ingest, "GET", "/backfill", null, "ingest-service");
        try {
            return JSON.readValue(body, new TypeReference<>() { });
        } catch (IOException e) {
            throw new Failed("ingest-service's answer is no list of jobs");
        }
    }

    /** Starts a backfill; its progress (with its id). */
    public Map<String, Object> startBackfill(String bucket, String prefix, String from, String to) throws Failed {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("bucket", bucket);
        request.put("prefix", prefix);
        request.put("from", from);
        request.put("to", to);
        try {
            return object(call(ingest, "POST", "/backfill", JSON.writeValueAsString(request), "ingest-service"));
        } catch (IOException e) {
            throw new Failed("the request could not be written");
        }
    }

    private String call(Optional<URI> base, String method, String path, String body, String service) throws Failed {
        if (base.isEmpty()) {
            throw new Failed(service + "'s management URL is not configured (trailwatch.console.management)");
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(base.get().resolve(path)).timeout(timeout)
                .header("Accept", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        authorization.ifPresent(a -> request.header("Authorization", a));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new Failed(service + " did not answer: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
        int status = response.statusCode();
        if (status == 401 || status == 403) {
            throw new Failed(service + " refused the console's credentials (HTTP " + status
                    + "): trailwatch.console.management.user must be an operator there");
        }
        if (status >= 300) {
            throw new Failed(service + " answered HTTP " + status + error(response.body()));
        }
        return response.body();
    }

    private static String error(String body) {
        try {
            Map<String, Object> map = object(body);
            Object error = map.get("error");
            return error == null ? "" : ": " + error;
        } catch (Failed e) {
            return "";
        }
    }

    private static Map<String, Object> object(String body) throws Failed {
        try {
            Map<String, Object> map = JSON.readValue(body, new TypeReference<>() { });
            if (map == null) {
                throw new Failed("the answer is empty");
            }
            return map;
        } catch (IOException e) {
            throw new Failed("the answer is no JSON object");
        }
    }
}

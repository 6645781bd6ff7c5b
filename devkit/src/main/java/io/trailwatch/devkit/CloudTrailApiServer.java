package io.trailwatch.devkit;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The CloudTrail API's ListPublicKeys, on a loopback port, for tests: AWS JSON 1.1 over HTTP POST
 * ({@code X-Amz-Target: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.ListPublicKeys}). It answers with the
 * keys set for the region the request was signed for; any other operation gets a 400. {@link #shared()} starts one
 * per JVM.
 */
public final class CloudTrailApiServer implements AutoCloseable {

    private static CloudTrailApiServer shared;

    private final HttpServer server;
    private final ConcurrentHashMap<String, String> keysByRegion = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private CloudTrailApiServer(HttpServer server) {
        this.server = server;
    }

    public static synchronized CloudTrailApiServer shared() {
        if (shared == null) {
            shared = start();
            CloudTrailApiServer s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "cloudtrail-api-stop"));
        }
        return shared;
    }

    public static CloudTrailApiServer start() {
        try {
            HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            var api = new CloudTrailApiServer(http);
            http.createContext("/", exchange -> {
                try (exchange) {
                    String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
                    String auth = String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"));
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    // SigV4: Credential=<key>/<date>/<region>/cloudtrail/aws4_request
                    String region = auth.replaceAll("(?s).*Credential=[^/]+/[^/]+/([^/]+)/.*", "$1");
                    api.requests.add(region + " " + target + " " + body);
                    byte[] answer;
                    int status;
                    if (target != null && target.endsWith(".ListPublicKeys")) {
                        status = 200;
                        answer = api.keysByRegion.getOrDefault(region, "{\"PublicKeyList\":[]}").getBytes(StandardCharsets.UTF_8);
                    } else {
                        status = 400;
                        answer = "{\"__type\":\"UnsupportedOperationException\",\"message\":\"not served here\"}"
                                .getBytes(StandardCharsets.UTF_8);
                    }
                    exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
                    exchange.sendResponseHeaders(status, answer.length);
                    exchange.getResponseBody().write(answer);
                }
            });
            http.start();
            return api;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The endpoint URL. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** What ListPublicKeys answers in a region (a {@code {"PublicKeyList":[...]}} body). */
    public void keys(String region, String listPublicKeysBody) {
        keysByRegion.put(region, listPublicKeysBody);
    }

    /** Requests so far, each {@code region target body}. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.internet.MimeMessage;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the services deliver to, on loopback, keeping everything they receive under {@code <state>/sinks/}:
 * <ul>
 *     <li>a Slack-compatible incoming-webhook endpoint: {@code slack.jsonl}, a JSON line per message;</li>
 *     <li>an SMTP server: {@code mail/NNNNNN.eml}, a file per message;</li>
 *     <li>a Lambda-compatible Invoke API ({@code POST /2015-03-31/functions/{name}/invocations}): {@code lambda.jsonl},
 *     a JSON line per invocation with its payload.</li>
 * </ul>
 * The Slack endpoint can be told to answer an error for a while, as a Slack outage would.
 */
public final class Sinks implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INVOKE = Pattern.compile("/2015-03-31/functions/([^/]+)/invocations");

    private final Path dir;
    private final HttpServer http;
    private final GreenMail smtp;
    private final ScheduledExecutorService mailPoller;
    private final AtomicInteger mailsWritten = new AtomicInteger();
    private final AtomicLong failSlackUntil = new AtomicLong();
    private final AtomicInteger slackFailures = new AtomicInteger();
    private volatile int failStatus = 503;
    private final List<Consumer<JsonNode>> slackListeners = new CopyOnWriteArrayList<>();

    private Sinks(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("mail"));
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        http.setExecutor(Executors.newFixedThreadPool(4, r -> daemon(r, "sink-http")));
        http.createContext("/slack/", this::slack);
        http.createContext("/2015-03-31/functions/", this::lambda);
        http.start();
        smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        mailPoller = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "sink-mail"));
        mailPoller.scheduleWithFixedDelay(this::writeMail, 100, 100, TimeUnit.MILLISECONDS);
    }

    /** Starts the sinks, keeping what they receive under {@code dir}. */
    public static Sinks start(Path dir) throws IOException {
        return new Sinks(dir);
    }

    /** The Slack incoming-webhook URL. */
    public String slackUrl() {
        return base() + "/slack/services/T0LOCAL/B0LOCAL/trailwatch";
    }

    /** The endpoint override of the Lambda API. */
    public String lambdaEndpoint() {
        return base();
    }

    public String smtpHost() {
        return "127.0.0.1";
    }

    public int smtpPort() {
        return smtp.getSmtp().getPort();
    }

    public Path slackFile() {
        return dir.resolve("slack.jsonl");
    }

    public Path lambdaFile() {
        return dir.resolve("lambda.jsonl");
    }

    public Path mailDir() {
        return dir.resolve("mail");
    }

    /** The Slack endpoint answers {@code status} (and keeps nothing) until {@code until}. */
    public void failSlackUntil(Instant until, int status) {
        failStatus = status;
        failSlackUntil.set(until.toEpochMilli());
    }

    /** How many Slack posts were answered with an error. */
    public int slackFailures() {
        return slackFailures.get();
    }

    /** Called with each Slack message kept (its line in slack.jsonl). */
    public void onSlack(Consumer<JsonNode> listener) {
        slackListeners.add(listener);
    }

    private String base() {
        return "http://127.0.0.1:" + http.getAddress().getPort();
    }

    private void slack(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!"POST".equals(exchange.getRequestMethod())) {
                respond(exchange, 405, "text/plain", "method_not_allowed");
                return;
            }
            if (System.currentTimeMillis() < failSlackUntil.get()) {
                slackFailures.incrementAndGet();
                respond(exchange, failStatus, "text/plain", "service_unavailable");
                return;
            }
            JsonNode message;
            try {
                message = JSON.readTree(body);
            } catch (IOException e) {
                respond(exchange, 400, "text/plain", "invalid_payload");
                return;
            }
            ObjectNode line = JSON.createObjectNode();
            line.put("receivedAt", Instant.now().toString());
            line.put("path", exchange.getRequestURI().getPath());
            line.set("message", message);
            append(slackFile(), line);
            slackListeners.forEach(l -> l.accept(line));
            respond(exchange, 200, "text/plain", "ok");
        }
    }

    private void lambda(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            Matcher m = INVOKE.matcher(URI.create(exchange.getRequestURI().getRawPath()).getPath());
            if (!"POST".equals(exchange.getRequestMethod()) || !m.matches()) {
                respond(exchange, 404, "application/json", "{\"Type\":\"User\",\"message\":\"Unknown operation\"}");
                return;
            }
            String type = exchange.getRequestHeaders().getFirst("X-Amz-Invocation-Type");
            ObjectNode line = JSON.createObjectNode();
            line.put("receivedAt", Instant.now().toString());
            line.put("function", m.group(1));
            line.put("invocationType", type == null ? "RequestResponse" : type);
            try {
                line.set("payload", JSON.readTree(body));
            } catch (IOException e) {
                line.put("payload", new String(body, StandardCharsets.UTF_8));
            }
            append(lambdaFile(), line);
            exchange.getResponseHeaders().add("X-Amz-Executed-Version", "$LATEST");
            if ("Event".equals(type)) {
                respond(exchange, 202, "application/json", "");
            } else {
                respond(exchange, 200, "application/json", "{\"statusCode\":200,\"body\":\"local sink: nothing changed\"}");
            }
        }
    }

    private synchronized void writeMail() {
        try {
            MimeMessage[] received = smtp.getReceivedMessages();
            for (int i = mailsWritten.get(); i < received.length; i++) {
                Path file = mailDir().resolve(String.format("%06d.eml", i + 1));
                Path tmp = mailDir().resolve(String.format(".%06d.eml.tmp", i + 1));
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    received[i].writeTo(out);
                }
                Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                mailsWritten.incrementAndGet();
            }
        } catch (Exception e) {
            System.err.println("[trailwatch] cannot keep a received mail: " + e);
        }
    }

    private static synchronized void append(Path file, JsonNode line) {
        try {
            Files.writeString(file, JSON.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        http.stop(0);
        mailPoller.shutdownNow();
        writeMail();
        smtp.stop();
    }
}

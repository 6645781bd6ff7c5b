package io.trailwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./trailwatch backfill}: asks a running ingest-service ({@code POST /backfill} on its management interface, as
 * a user with the operator role) to ingest a time range of a bucket, then follows the job ({@code GET /backfill/{id}})
 * until it is done. Without {@code --url}, the ingest-service and the operator credentials of a running
 * {@code ./trailwatch local} are taken from its {@code endpoints.json}.
 */
@Command(name = "backfill", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Ingests a time range of a bucket through a running ingest-service.",
                "Every CloudTrail file under s3://BUCKET/PREFIX delivered in [from, to), through a "
                + "running ingest-service (same pipeline, same ledger: nothing is published twice), and prints its "
                + "progress until the job is done."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done (or started, with --no-wait)", "1:the job failed, or ingest-service went away",
                "2:bad options, or ingest-service refused the request"})
final class BackfillCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--bucket", required = true, paramLabel = "BUCKET", description = "The trail's bucket.")
    String bucket;

    @Option(names = "--prefix", paramLabel = "PREFIX", defaultValue = "",
            description = "Only keys under this prefix, e.g. AWSLogs/o-a1b2c3d4e5/111122223333/CloudTrail/eu-west-1/.")
    String prefix;

    @Option(names = "--from", required = true, paramLabel = "TIME", converter = Instants.class,
            description = "Start of the range (inclusive), RFC 3339, e.g. 2026-03-01T00:00:00Z.")
    Instant from;

    @Option(names = "--to", required = true, paramLabel = "TIME", converter = Instants.class,
            description = "End of the range (exclusive), RFC 3339.")
    Instant to;

    @Option(names = "--url", paramLabel = "URL",
            description = "ingest-service's management address (port 9081 in the chart). Default: that of the "
                    + "running ./trailwatch local, from its endpoints.json.")
    URI url;

    @Option(names = "--user", paramLabel = "NAME",
            description = "A management API user with the operator role; its password comes from --password-file or "
                    + "the environment variable TRAILWATCH_PASSWORD. Default: TRAILWATCH_USER, or ./trailwatch local's operator.")
    String user;

    @Option(names = "--password-file", paramLabel = "FILE",
            description = "A file holding the user's password (its first line).")
    java.nio.file.Path passwordFile;

    @Option(names = "--state", paramLabel = "DIR",
            description = "The state directory of ./trailwatch local whose endpoints.json to use (default: .trailwatch in the checkout).")
    java.nio.file.Path state;

    @Option(names = "--no-wait", description = "Start the job and return.")
    boolean noWait;

    @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "2",
            description = "How often progress is read (default: ${DEFAULT-VALUE}).")
    int intervalSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (intervalSeconds < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--interval must be at least 1");
        }
        if (!from.isBefore(to)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--from must be before --to");
        }
        Target target;
        try {
            target = target();
        } catch (IOException | IllegalStateException e) {
            err.println("trailwatch backfill: " + e.getMessage());
            return 2;
        }
        url = target.url();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ObjectNode body = JSON.createObjectNode().put("bucket", bucket).put("prefix", prefix)
                .put("from", from.toString()).put("to", to.toString());
        HttpResponse<String> started;
        try {
            started = http.send(target.authorize(HttpRequest.newBuilder(endpoint("/backfill"))).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                    .build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("trailwatch backfill: cannot reach ingest-service at " + url + ": " + e.getMessage());
            return 1;
        }
        if (started.statusCode() == 401 || started.statusCode() == 403) {
            err.println("trailwatch backfill: ingest-service refused " + (target.user() == null ? "a call without credentials"
                    : "the user " + target.user()) + " (HTTP " + started.statusCode() + "): pass --user and TRAILWATCH_PASSWORD "
                    + "(or --password-file) of a user with the operator role");
            return 2;
        }
        if (started.statusCode() != 202) {
            err.println("trailwatch backfill: refused (HTTP " + started.statusCode() + "): " + errorOf(started.body()));
            return 2;
        }
        String id = JSON.readTree(started.body()).path("id").asText();
        out.println("backfill " + id + " started");
        out.flush();
        if (noWait) {
            return 0;
        }
        while (true) {
            HttpResponse<String> progress;
            try {
                progress = http.send(target.authorize(HttpRequest.newBuilder(endpoint("/backfill/" + id))).timeout(Duration.ofSeconds(30))
                        .GET().build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                err.println("trailwatch backfill: lost ingest-service at " + url + ": " + e.getMessage());
                return 1;
            }
            if (progress.statusCode() != 200) {
                err.println("trailwatch backfill: HTTP " + progress.statusCode() + ": " + errorOf(progress.body()));
                return 1;
            }
            JsonNode p = JSON.readTree(progress.body());
            String state = p.path("state").asText();
            out.printf(Locale.ROOT, "state=%s listed=%d matched=%d ingested=%d skipped=%d failed=%d%n", state,
                    p.path("listed").asLong(), p.path("matched").asLong(), p.path("ingested").asLong(),
                    p.path("skipped").asLong(), p.path("failed").asLong());
            out.flush();
            if ("done".equals(state)) {
                return 0;
            }
            if ("failed".equals(state)) {
                err.println("trailwatch backfill: " + p.path("error").asText("the job failed"));
                return 1;
            }
            Thread.sleep(intervalSeconds * 1000L); // between polls of the job's progress
        }
    }

    /** Where to call and as whom. */
    record Target(URI url, String user, String password) {
        HttpRequest.Builder authorize(HttpRequest.Builder request) {
            if (user != null && password != null) {
                request.header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString((user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
            return request;
        }
    }

    /** The address and credentials: given ones first, then the environment, then ./trailwatch local's endpoints.json. */
    private Target target() throws IOException {
        java.nio.file.Path endpoints = (state == null ? Project.root().resolve(".trailwatch") : state).resolve("endpoints.json");
        JsonNode local = java.nio.file.Files.isRegularFile(endpoints) ? JSON.readTree(endpoints.toFile()) : null;
        URI address = url;
        if (address == null) {
            String fromLocal = local == null ? null : local.path("management").path("ingest").asText(null);
            if (fromLocal == null) {
                throw new IllegalStateException("no --url, and no ./trailwatch local is running (" + endpoints + " is missing)");
            }
            address = URI.create(fromLocal);
        }
        JsonNode operator = local == null ? null : local.path("managementUsers").path("operator");
        String name = user != null ? user : System.getenv("TRAILWATCH_USER");
        String password = passwordFile != null ? java.nio.file.Files.readAllLines(passwordFile).stream().findFirst().orElse("")
                : System.getenv("TRAILWATCH_PASSWORD");
        if (name == null && operator != null && url == null) {
            name = operator.path("user").asText(null);
        }
        if (password == null && operator != null && name != null && name.equals(operator.path("user").asText(null))) {
            password = operator.path("password").asText(null);
        }
        return new Target(address, name, password);
    }

    /** A path under ingest-service's address, which may have a path of its own (an ingress prefix). */
    private URI endpoint(String path) {
        String base = url.toString();
        return URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + path);
    }

    private static String errorOf(String body) {
        try {
            JsonNode error = JSON.readTree(body).path("error");
            return error.isMissingNode() ? body : error.asText();
        } catch (IOException e) {
            return body;
        }
    }

    /** RFC 3339 instants, with a message naming the expected form. */
    static final class Instants implements picocli.CommandLine.ITypeConverter<Instant> {
        @Override
        public Instant convert(String value) {
            try {
                return Instant.parse(value);
            } catch (java.time.format.DateTimeParseException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is no RFC 3339 time, e.g. 2026-03-01T00:00:00Z");
            }
        }
    }
}

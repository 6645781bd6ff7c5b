package io.trailwatch.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/** ./trailwatch's options: every command has help, and a wrong option is an error that names it. */
class CommandLineTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void everyCommand_answersHelp_withItsUsage() {
        List<List<String>> commands = commands();
        assertThat(commands).extracting(c -> String.join(" ", c)).contains("local", "ingest", "detect-service",
                "notify-service", "remediate-service", "backfill", "detect", "rules test", "rules coverage", "rules docs", "bench", "bench ingest",
                "bench detect", "bench noise", "bench integrity", "bench soak");
        for (List<String> command : commands) {
            out.reset();
            List<String> args = new ArrayList<>(command);
            args.add("--help");

            assertThat(run(args.toArray(String[]::new))).as(command + " --help").isZero();
            assertThat(stdout()).as(command + " --help").startsWith("Usage: trailwatch " + String.join(" ", command));
        }
    }

    @Test
    void everyDescription_isAValidFormat_soTheHelpPrintsItWithoutAWarning() {
        // picocli formats each description line (String.format: "%n" is a line break); a lone '%' makes it warn on
        // stderr and print the text unformatted
        for (List<String> command : commands()) {
            CommandLine cl = Trailwatch.commandLine();
            for (String name : command) {
                cl = cl.getSubcommands().get(name);
            }
            var spec = cl.getCommandSpec();
            List<String> texts = new ArrayList<>(List.of(spec.usageMessage().description()));
            spec.options().forEach(o -> texts.addAll(List.of(o.description())));
            spec.positionalParameters().forEach(p -> texts.addAll(List.of(p.description())));
            for (String text : texts) {
                assertThatCode(() -> String.format(java.util.Locale.ROOT, text)).as(command + ": " + text).doesNotThrowAnyException();
            }
        }
    }

    @Test
    void anUnknownOption_isAnErrorNamingIt_withTheUsage_inEveryCommand() {
        for (List<String> command : commands()) {
            err.reset();
            List<String> args = new ArrayList<>(command);
            args.add("--no-such-flag");
            if (command.equals(List.of("detect"))) {
                args.add("x"); // with a file, so the flag is not mistaken for one
            }
            if (command.equals(List.of("backfill"))) {
                args.addAll(List.of("--bucket", "b", "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-08T00:00:00Z"));
            }

            assertThat(run(args.toArray(String[]::new))).as(String.join(" ", args)).isEqualTo(2);
            assertThat(stderr()).as(String.join(" ", args)).contains("Unknown option: '--no-such-flag'")
                    .contains("Usage: trailwatch " + String.join(" ", command));
        }
    }

    @Test
    void anOptionWithoutItsValue_isAnErrorNamingIt() {
        assertThat(run("detect", "trail.json", "--rules")).isEqualTo(2);
        assertThat(stderr()).contains("Missing required parameter for option '--rules'");

        err.reset();
        assertThat(run("backfill", "--bucket", "b", "--from", "2026-03-01T00:00:00Z", "--to")).isEqualTo(2);
        assertThat(stderr()).contains("Missing required parameter for option '--to'");
    }

    @Test
    void aMissingFileOrCommand_isAnErrorWithTheUsage() {
        assertThat(run("detect")).isEqualTo(2);
        assertThat(stderr()).contains("Missing required parameter: 'FILE'").contains("Usage: trailwatch detect");

        err.reset();
        assertThat(run("no-such-command")).isEqualTo(2);
        assertThat(stderr()).contains("Unmatched argument at index 0: 'no-such-command'");

        err.reset();
        assertThat(run("rules")).isEqualTo(2);
        assertThat(stderr()).contains("Missing a subcommand").contains("Usage: trailwatch rules");
    }

    @Test
    void noCommand_printsTheUsage_listingEveryCommand() {
        assertThat(run()).isZero();
        assertThat(stdout()).contains("Commands:").contains("local").contains("backfill").contains("rules")
                .contains("Runs every test, as CI does");
    }

    @Test
    void localAndBenchServices_refuseReplicasOfAnUnknownService_orMoreThanThePartitions_beforeStartingAnything() {
        assertThat(run("local", "--replicas", "ingest=2", "--replicas", "detector=2")).isEqualTo(2);
        assertThat(stderr()).contains("--replicas: no service 'detector' (one of ingest, detect, notify, remediate)")
                .contains("Usage: trailwatch local");

        err.reset();
        assertThat(run("local", "--replicas", "detect=7")).isEqualTo(2);
        assertThat(stderr()).contains("--replicas: detect runs 1 to 6 replicas (the events topic's partitions), not 7");

        err.reset();
        assertThat(run("local", "--replicas", "detect=0")).isEqualTo(2);
        assertThat(stderr()).contains("not 0");

        err.reset();
        assertThat(run("local", "--replicas", "detect=two")).isEqualTo(2);
        assertThat(stderr()).contains("'two'");

        err.reset();
        assertThat(run("bench", "services", "--replicas", "9")).isEqualTo(2);
        assertThat(stderr()).contains("--replicas must be 1 to 6 (the events topic's partitions), not 9");
    }

    @Test
    void backfill_refusesATimeThatIsNoRfc3339Instant_beforeCallingAnything() {
        assertThat(run("backfill", "--bucket", "b", "--from", "yesterday", "--to", "2026-03-08T00:00:00Z")).isEqualTo(2);
        assertThat(stderr()).contains("'yesterday' is no RFC 3339 time");
    }

    @Test
    void backfill_startsTheJob_andFollowsItsProgressUntilDone() throws Exception {
        List<String> bodies = new CopyOnWriteArrayList<>();
        AtomicInteger polls = new AtomicInteger();
        HttpServer ingest = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ingest.createContext("/ingest/backfill", exchange -> {
            String answer;
            int status;
            if (exchange.getRequestMethod().equals("POST")) {
                bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
                // fields in another order, strings with commas, braces and quotes: read as JSON, not by pattern
                answer = "{\"request\":{\"bucket\":\"b\",\"prefix\":\"a,\\\"b}\"},\"state\":\"running\",\"id\":\"job-7\"}";
                status = 202;
            } else {
                assertThat(exchange.getRequestURI().getPath()).isEqualTo("/ingest/backfill/job-7");
                boolean done = polls.incrementAndGet() > 1;
                answer = "{\"id\":\"job-7\",\"listed\":12,\"matched\":10,\"ingested\":" + (done ? 9 : 4)
                        + ",\"skipped\":1,\"failed\":0,\"state\":\"" + (done ? "done" : "running") + "\"}";
                status = 200;
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        ingest.start();
        try {
            // behind an ingress prefix: the paths go under it
            int exit = run("backfill", "--url", "http://127.0.0.1:" + ingest.getAddress().getPort() + "/ingest/", "--bucket", "org-trails",
                    "--prefix", "AWSLogs/111122223333/", "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-08T00:00:00Z",
                    "--interval", "1");

            assertThat(exit).isZero();
            assertThat(bodies).singleElement().satisfies(b -> assertThat(b)
                    .contains("\"bucket\":\"org-trails\"").contains("\"prefix\":\"AWSLogs/111122223333/\"")
                    .contains("\"from\":\"2026-03-01T00:00:00Z\"").contains("\"to\":\"2026-03-08T00:00:00Z\""));
            assertThat(stdout().lines()).containsExactly("backfill job-7 started",
                    "state=running listed=12 matched=10 ingested=4 skipped=1 failed=0",
                    "state=done listed=12 matched=10 ingested=9 skipped=1 failed=0");
        } finally {
            ingest.stop(0);
        }
    }

    @Test
    void backfill_withoutAUrl_callsTheLocalPlatformsIngestService_asItsOperator(@org.junit.jupiter.api.io.TempDir java.nio.file.Path state)
            throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer ingest = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ingest.createContext("/backfill", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            boolean start = exchange.getRequestMethod().equals("POST");
            byte[] bytes = (start ? "{\"id\":\"job-1\",\"state\":\"running\"}"
                    : "{\"id\":\"job-1\",\"state\":\"done\",\"listed\":1,\"matched\":1,\"ingested\":1}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(start ? 202 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        ingest.start();
        try {
            java.nio.file.Files.writeString(state.resolve("endpoints.json"), "{\"management\":{\"ingest\":\"http://127.0.0.1:"
                    + ingest.getAddress().getPort() + "\"},\"managementUsers\":{\"operator\":{\"user\":\"local-operator\",\"password\":\"s3cret\"}}}");

            assertThat(run("backfill", "--state", state.toString(), "--bucket", "b", "--from", "2026-03-01T00:00:00Z",
                    "--to", "2026-03-02T00:00:00Z", "--interval", "1")).isZero();

            String expected = "Basic " + java.util.Base64.getEncoder().encodeToString("local-operator:s3cret".getBytes(StandardCharsets.UTF_8));
            assertThat(authorizations).hasSize(2).containsOnly(expected);
        } finally {
            ingest.stop(0);
        }
    }

    @Test
    void backfill_withoutAUrl_orARunningLocalPlatform_saysWhatIsMissing(@org.junit.jupiter.api.io.TempDir java.nio.file.Path state) {
        assertThat(run("backfill", "--state", state.toString(), "--bucket", "b", "--from", "2026-03-01T00:00:00Z",
                "--to", "2026-03-02T00:00:00Z")).isEqualTo(2);
        assertThat(stderr()).contains("no --url").contains("endpoints.json");
    }

    @Test
    void backfill_refusedCredentials_sayHowToPassAnOperators(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        HttpServer ingest = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ingest.createContext("/backfill", exchange -> {
            exchange.sendResponseHeaders(403, -1);
            exchange.close();
        });
        ingest.start();
        try {
            java.nio.file.Path password = java.nio.file.Files.writeString(dir.resolve("password"), "viewer-secret\n");
            assertThat(run("backfill", "--url", "http://127.0.0.1:" + ingest.getAddress().getPort(), "--user", "ops-viewer",
                    "--password-file", password.toString(), "--bucket", "b", "--from", "2026-03-01T00:00:00Z",
                    "--to", "2026-03-02T00:00:00Z")).isEqualTo(2);
            assertThat(stderr()).contains("refused the user ops-viewer (HTTP 403)").contains("operator role");
        } finally {
            ingest.stop(0);
        }
    }

    @Test
    void backfill_whenIngestServiceRefuses_saysWhy() throws Exception {
        HttpServer ingest = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        ingest.createContext("/backfill", exchange -> {
            byte[] bytes = "{\"error\":\"bucket elsewhere is not among the configured sources\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(400, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        ingest.start();
        try {
            assertThat(run("backfill", "--url", "http://127.0.0.1:" + ingest.getAddress().getPort(), "--bucket", "elsewhere",
                    "--from", "2026-03-01T00:00:00Z", "--to", "2026-03-08T00:00:00Z")).isEqualTo(2);
            assertThat(stderr()).contains("refused (HTTP 400): bucket elsewhere is not among the configured sources");
        } finally {
            ingest.stop(0);
        }
    }

    /** Every command and subcommand but help, as the words that name it. */
    private static List<List<String>> commands() {
        List<List<String>> out = new ArrayList<>();
        collect(Trailwatch.commandLine(), List.of(), out);
        return out;
    }

    private static void collect(CommandLine cl, List<String> path, List<List<String>> out) {
        cl.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            List<String> p = new ArrayList<>(path);
            p.add(name);
            out.add(p);
            collect(sub, p, out);
        });
    }

    private int run(String... args) {
        return Trailwatch.commandLine()
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}

package io.trailwatch.bench;

import io.trailwatch.devkit.Scratch;
import io.trailwatch.local.LocalPlatform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * The local platform as a benchmark runs it: state in a new temporary directory, no sample, the given settings per
 * service, and stopped on Ctrl-C (the broker and the services too, as {@code ./trailwatch local} stops them). Once it
 * is stopped its state is deleted but for the services' logs: a run of {@code bench services --files 400} leaves
 * about 5 GB of topics, objects and the console's database otherwise.
 */
final class BenchPlatform implements AutoCloseable {

    /**
     * Slack and mail at any rate: a benchmark measures Trailwatch, not the local destinations' rate limits (10 a second
     * under {@code ./trailwatch local}). A high finding goes to both, and a finding is done only when both have it: a
     * mail limit would hold the next findings' Slack messages back too.
     */
    static final Map<String, Map<String, String>> SLACK_UNLIMITED = Map.of("notify", Map.of(
            "trailwatch.notify.destinations.slack.rate-per-second", "10000",
            "trailwatch.notify.destinations.slack.burst", "10000",
            "trailwatch.notify.destinations.email.rate-per-second", "10000",
            "trailwatch.notify.destinations.email.burst", "10000"));

    /** What stays of a run's state once it is over. */
    static final Set<String> KEPT = Set.of("logs");

    private final LocalPlatform platform;
    private final Path state;
    private final Thread stop;

    private BenchPlatform(LocalPlatform platform, Path state) {
        this.platform = platform;
        this.state = state;
        this.stop = new Thread(this::stopAndClean, "bench-stop");
    }

    /** Starts the platform; prints where its state is. */
    static BenchPlatform start(Path root, String name, Map<String, Map<String, String>> config) throws Exception {
        return start(root, name, config, Map.of());
    }

    /** Starts the platform with the given replicas per service; prints where its state is. */
    static BenchPlatform start(Path root, String name, Map<String, Map<String, String>> config, Map<String, Integer> replicas)
            throws Exception {
        Path state = Files.createTempDirectory(name);
        var run = new BenchPlatform(new LocalPlatform(new LocalPlatform.Options(state, null, false, root, config, replicas)), state);
        Runtime.getRuntime().addShutdownHook(run.stop);
        System.out.println("starting the platform (state in " + state + ")...");
        try {
            run.platform.start();
        } catch (Exception | Error e) {
            run.close();
            throw e;
        }
        return run;
    }

    LocalPlatform platform() {
        return platform;
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException stopping) {
            return; // interrupted: the hook is closing the platform already
        }
        stopAndClean();
    }

    private void stopAndClean() {
        platform.close();
        try {
            Scratch.deleteAllBut(state, KEPT);
            System.out.println("state deleted; the services' logs are in " + state.resolve("logs"));
        } catch (IOException e) {
            System.out.println("state in " + state + " not deleted: " + e.getMessage());
        }
    }
}

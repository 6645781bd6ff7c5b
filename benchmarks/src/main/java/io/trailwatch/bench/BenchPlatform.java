package io.trailwatch.bench;

import io.trailwatch.local.LocalPlatform;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The local platform as a benchmark runs it: state in a new temporary directory, no sample, the given settings per
 * service, and stopped on Ctrl-C (the broker and the services too, as {@code ./trailwatch local} stops them).
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

    private final LocalPlatform platform;
    private final Thread stop;

    private BenchPlatform(LocalPlatform platform) {
        this.platform = platform;
        this.stop = new Thread(platform::close, "bench-stop");
    }

    /** Starts the platform; prints where its state is. */
    static BenchPlatform start(Path root, String name, Map<String, Map<String, String>> config) throws Exception {
        return start(root, name, config, Map.of());
    }

    /** Starts the platform with the given replicas per service; prints where its state is. */
    static BenchPlatform start(Path root, String name, Map<String, Map<String, String>> config, Map<String, Integer> replicas)
            throws Exception {
        Path state = Files.createTempDirectory(name);
        var run = new BenchPlatform(new LocalPlatform(new LocalPlatform.Options(state, null, false, root, config, replicas)));
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
        platform.close();
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException stopping) {
            // interrupted: the hook is closing the platform already
        }
    }
}

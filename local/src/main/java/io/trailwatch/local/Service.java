package io.trailwatch.local;

import io.trailwatch.devkit.ServiceProcess;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One of the four services, run from its packaged jar as a child process, on loopback only: its application port and
 * its management interface (health, metrics, management API) on a port of its own.
 */
public final class Service {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /**
     * The JVM options of each service run locally, sized from {@code ./trailwatch bench services} (docs/local.md):
     * the heap starts small and grows as a service needs it (a service's live data is tens of MB; a heap committed
     * whole at start is resident memory spent on garbage), within a bound, and gives back what it no longer needs
     * after a full collection (the heap kept 20-40% free instead of the JVM's 40-70%: 25-55 MB less resident memory per
     * service, CPU within the run-to-run noise; 10-20% cost ingest and notify a third more CPU). The serial collector,
     * which the JVM picks on two cores anyway, is named so that a larger machine runs the same. Native memory freed by
     * the JVM (the JIT's arenas, Kafka's and RocksDB's buffers) is given back to the system every five seconds
     * ({@code TrimNativeHeapInterval}, from Java 17.0.9) instead of staying in the C library's free lists. Options in the
     * environment variable {@code TRAILWATCH_SERVICE_JVM_OPTS} (space-separated, e.g. for profiling) come after these.
     * Each service adds how its code is compiled: {@link #jvmOptions(String)}.
     */
    public static final List<String> JVM_OPTIONS = jvmOptions(Runtime.version());

    /** The services that handle every event; the others handle findings. */
    private static final Set<String> EVERY_EVENT = Set.of("ingest", "detect");

    /**
     * The JVM options of one service ({@code ingest}, {@code detect}, {@code notify}, {@code remediate},
     * {@code console}): {@link #JVM_OPTIONS} and how its code is compiled, chosen from {@code ./trailwatch bench
     * services} (docs/local.md, memory). ingest and detect handle every event: only the optimizing compiler (C2), which
     * keeps no second copy of each hot method compiled with profiling (ingest 30 MB, detect 18-22 MB less resident
     * memory after the run; CPU per event within the run-to-run noise). notify, remediate and the console handle
     * findings, a few a day and bursts in a storm: only the quick compiler (C1), no optimizing compiler's threads and
     * arenas (notify 26-33 MB, remediate 29-31, the console 5-24 less; CPU per finding 0.54-0.62 ms against 0.39 for
     * notify, 0.65-0.70 against 0.61 for the console, remediate's unchanged).
     */
    public static List<String> jvmOptions(String service) {
        List<String> options = new ArrayList<>(JVM_OPTIONS);
        options.add(EVERY_EVENT.contains(service) ? "-XX:-TieredCompilation" : "-XX:TieredStopAtLevel=1");
        return List.copyOf(options);
    }

    /**
     * The environment each service gets over the inherited one: glibc's malloc with two arenas instead of eight per
     * core, each holding freed memory of its own (unless the environment already says how many).
     */
    public static final Map<String, String> ENVIRONMENT = System.getenv("MALLOC_ARENA_MAX") == null
            ? Map.of("MALLOC_ARENA_MAX", "2") : Map.of();

    static List<String> jvmOptions(Runtime.Version java) {
        List<String> options = new ArrayList<>(List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC",
                "-XX:MinHeapFreeRatio=20", "-XX:MaxHeapFreeRatio=40"));
        if (java.feature() > 17 || java.update() >= 9) {
            options.add("-XX:TrimNativeHeapInterval=5000");
        }
        return List.copyOf(options);
    }

    private final String name;
    private final Path jar;
    private final int port;
    private final int managementPort;
    private final Map<String, String> config;
    private final Path log;
    private final List<String> jvmOptions;
    private Process process;

    /**
     * @param service which service it is ({@code ingest}, {@code detect}, ...), for its JVM options
     * @param name    this replica's name
     */
    Service(String service, String name, Path jar, int port, int managementPort, Map<String, String> config, Path log) {
        this.jvmOptions = jvmOptions(service);
        this.name = name;
        this.jar = jar;
        this.port = port;
        this.managementPort = managementPort;
        this.config = new LinkedHashMap<>(config);
        this.config.put("quarkus.http.host", "127.0.0.1");
        this.config.put("quarkus.http.port", String.valueOf(port));
        this.config.put("quarkus.management.host", "127.0.0.1");
        this.config.put("quarkus.management.port", String.valueOf(managementPort));
        this.log = log;
    }

    public String name() {
        return name;
    }

    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The management interface: health, metrics and the service's management API. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public Path log() {
        return log;
    }

    /** The process id while it runs (to read its memory from /proc). */
    public synchronized java.util.OptionalLong pid() {
        return isAlive() ? java.util.OptionalLong.of(process.pid()) : java.util.OptionalLong.empty();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the process (again, after a stop or kill). */
    public synchronized void start() throws IOException {
        if (isAlive()) {
            throw new IllegalStateException(name + " is running");
        }
        List<String> options = new ArrayList<>(jvmOptions);
        String extra = System.getenv("TRAILWATCH_SERVICE_JVM_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        process = ServiceProcess.start(jar, config, ENVIRONMENT, log, options.toArray(String[]::new));
    }

    /** Waits until the service reports ready on /q/health/ready. */
    public void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited; see " + log);
            }
            try {
                if (HTTP.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(5)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(name + " not ready after " + timeout.toSeconds() + " s; see " + log);
    }

    /**
     * A counter of this service, summed over its series whose line {@code series} accepts (e.g. a label), from the
     * Prometheus text its management interface serves at {@code /q/metrics}.
     */
    public long counter(String name, java.util.function.Predicate<String> series) throws IOException, InterruptedException {
        return (long) metric(name, series);
    }

    /** A metric of this service as {@link #counter} reads it, without rounding (e.g. seconds). */
    public double metric(String name, java.util.function.Predicate<String> series) throws IOException, InterruptedException {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(managementUrl() + "/q/metrics")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        double total = 0;
        for (String line : body.split("\n")) {
            if ((line.startsWith(name + "{") || line.startsWith(name + " ")) && series.test(line)) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    /** SIGKILL, as a crash or an OOM kill would. */
    public synchronized void kill() throws InterruptedException {
        if (process != null) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Asks the service to stop (SIGTERM), without waiting. */
    synchronized void requestStop() {
        if (process != null) {
            process.destroy();
        }
    }

    /** SIGTERM, then waits for a graceful stop (SIGKILL after a minute). */
    public void stop() {
        requestStop();
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p == null) {
            return;
        }
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}

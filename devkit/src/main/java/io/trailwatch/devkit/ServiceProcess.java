package io.trailwatch.devkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A packaged Quarkus service ({@code target/quarkus-app/quarkus-run.jar}) run as a child process, as tests that stop
 * or kill a service mid-stream need: system properties in, output to a log file under {@code target/}.
 */
public final class ServiceProcess {

    private ServiceProcess() {
    }

    /**
     * Starts the module's packaged service.
     *
     * @param properties system properties ({@code -Dkey=value}) for the service
     * @param log        the log file's name under {@code target/}
     */
    public static Process start(Map<String, String> properties, String log) throws IOException {
        Path file = Path.of("target", log);
        Files.deleteIfExists(file);
        return start(Path.of("target", "quarkus-app", "quarkus-run.jar"), properties, file, "-Xmx256m");
    }

    /**
     * Starts a packaged service.
     *
     * @param jar        its {@code quarkus-run.jar}
     * @param properties system properties ({@code -Dkey=value}) for the service
     * @param log        where its output goes (appended)
     * @param jvmOptions heap and other JVM options
     */
    public static Process start(Path jar, Map<String, String> properties, Path log, String... jvmOptions) throws IOException {
        return start(jar, properties, Map.of(), log, jvmOptions);
    }

    /**
     * Starts a packaged service with variables added to its environment (the rest inherited).
     *
     * @param environment variables set for the service, over the inherited ones
     */
    public static Process start(Path jar, Map<String, String> properties, Map<String, String> environment, Path log,
                                String... jvmOptions) throws IOException {
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the package phase (or ./trailwatch build) builds it");
        }
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-XX:+UseSerialGC", "-Dquarkus.http.port=0", "-Dquarkus.log.console.json.enabled=false"));
        properties.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder builder = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        return builder.start();
    }
}

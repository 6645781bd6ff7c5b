package io.trailwatch.cli;

import picocli.CommandLine.Command;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./trailwatch ingest}, {@code detect-service}, {@code notify-service}, {@code remediate-service}: a service
 * from its packaged jar, in the foreground, configured by environment variables (docs/configuration.md) with
 * {@code JAVA_OPTS} for its JVM. Stopping this command (Ctrl-C, SIGTERM) stops the service gracefully.
 */
abstract class ServiceCommand implements Callable<Integer> {

    private final String module;

    ServiceCommand(String module) {
        this.module = module;
    }

    @Override
    public Integer call() throws Exception {
        Path jar = Project.serviceJar(module);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String opts = System.getenv("JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            cmd.addAll(List.of(opts.trim().split("\\s+")));
        }
        cmd.add("-jar");
        cmd.add(jar.toString());
        Process service = new ProcessBuilder(cmd).inheritIO().start();
        Thread stop = new Thread(() -> {
            // Ctrl-C reaches the service too; a SIGTERM of this command only this JVM: pass it on, let it drain
            service.destroy();
            try {
                if (!service.waitFor(60, TimeUnit.SECONDS)) {
                    service.destroyForcibly();
                }
            } catch (InterruptedException e) {
                service.destroyForcibly();
            }
        }, "service-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        int exit = service.waitFor();
        try {
            Runtime.getRuntime().removeShutdownHook(stop);
        } catch (IllegalStateException stopping) {
            // the hook is running already
        }
        return exit;
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = {"Runs ingest-service.", "SQS notifications -> CloudTrail log files from S3 -> one event per "
                    + "record on Kafka; digest files -> integrity validation.",
                    "Configure it with environment variables: TRAILWATCH_QUEUE_URL, TRAILWATCH_BUCKETS, "
                            + "KAFKA_BOOTSTRAP_SERVERS, TRAILWATCH_INGEST_AWS_REGION, ... (docs/configuration.md); "
                            + "JAVA_OPTS for its JVM."})
    static final class Ingest extends ServiceCommand {
        Ingest() {
            super("ingest-service");
        }
    }

    @Command(name = "detect-service", mixinStandardHelpOptions = true,
            description = {"Runs detect-service.", "Kafka Streams: trailwatch.events.v3 -> the rule pack -> trailwatch.findings.v1.",
                    "Configure it with environment variables: KAFKA_BOOTSTRAP_SERVERS, TRAILWATCH_STATE_DIR, "
                            + "TRAILWATCH_DETECT_LISTS_TRUSTED_ACCOUNTS, ... (docs/configuration.md); JAVA_OPTS for "
                            + "its JVM."})
    static final class Detect extends ServiceCommand {
        Detect() {
            super("detect-service");
        }
    }

    @Command(name = "notify-service", mixinStandardHelpOptions = true,
            description = {"Runs notify-service.", "Findings -> routes -> Slack, email, signed webhooks.",
                    "Destinations and routes from environment variables: TRAILWATCH_NOTIFY_DESTINATIONS_<NAME>_TYPE, "
                            + "..._URL, TRAILWATCH_NOTIFY_ROUTES_<NAME>_... (docs/configuration.md); JAVA_OPTS for "
                            + "its JVM."})
    static final class Notify extends ServiceCommand {
        Notify() {
            super("notify-service");
        }
    }

    @Command(name = "remediate-service", mixinStandardHelpOptions = true,
            description = {"Runs remediate-service.", "Findings -> configured remediations -> AWS Lambda; a dry run unless enabled.",
                    "Configure it with environment variables: TRAILWATCH_REMEDIATE_ALLOWED_ACCOUNTS, "
                            + "TRAILWATCH_REMEDIATE_REMEDIATIONS_<NAME>_... (docs/configuration.md); JAVA_OPTS for its "
                            + "JVM."})
    static final class Remediate extends ServiceCommand {
        Remediate() {
            super("remediate-service");
        }
    }
}

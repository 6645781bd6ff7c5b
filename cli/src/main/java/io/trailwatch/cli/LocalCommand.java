package io.trailwatch.cli;

import io.trailwatch.local.LocalPlatform;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./trailwatch local}: the whole platform on this machine, in the foreground. */
@Command(name = "local", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the whole platform on this machine.",
                "A Kafka broker, S3, SQS and SMTP servers, Slack and Lambda "
                + "sinks and the four services, on loopback. Replays the sample trails, uploads the CloudTrail files "
                + "(.json, .json.gz) that appear in the watched directory, prints findings as they happen.",
                "State, logs and what the sinks received are kept in the state directory; Ctrl-C stops everything. "
                        + "See docs/local.md."})
final class LocalCommand implements Callable<Integer> {

    @Option(names = "--watch", paramLabel = "DIR",
            description = "Upload and announce every CloudTrail file that appears in DIR (created if missing).")
    Path watch;

    @Option(names = "--state", paramLabel = "DIR",
            description = "Where state, logs and the sinks' files are kept (default: .trailwatch in the checkout).")
    Path state;

    @Option(names = "--no-sample", description = "Do not replay the sample trails.")
    boolean noSample;

    @Option(names = "--replicas", paramLabel = "SERVICE=N", mapFallbackValue = "2",
            description = "Run N processes of a service (ingest, detect, notify, remediate; 1 to 6), which share the "
                    + "work as replicas in Kubernetes do: e.g. --replicas ingest=2 --replicas detect=2.")
    Map<String, Integer> replicas = new java.util.LinkedHashMap<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            LocalPlatform.checkReplicas(replicas);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--replicas: " + e.getMessage());
        }
        Path root = Project.root();
        Path dir = state == null ? root.resolve(".trailwatch") : state.toAbsolutePath();
        return LocalPlatform.runInForeground(new LocalPlatform.Options(dir, watch == null ? null : watch.toAbsolutePath(),
                !noSample, root, Map.of(), replicas));
    }
}

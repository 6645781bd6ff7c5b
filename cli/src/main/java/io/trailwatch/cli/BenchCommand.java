package io.trailwatch.cli;

import io.trailwatch.bench.DetectBench;
import io.trailwatch.bench.IngestBench;
import io.trailwatch.bench.IntegrityBench;
import io.trailwatch.bench.PlatformBench;
import io.trailwatch.bench.SoakBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./trailwatch bench}: the figures of this machine (docs/local.md). */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Prints the platform's figures on this machine.",
                "The gunzip+parse floor, detection with the "
                + "full pack, ingest and detect-service events/s on the local platform, and p50/p99 latency from SQS "
                + "notification to Slack at steady rates of files of RECORDS records, and from an EventBridge event to "
                + "Slack at 10 and 100 events/s.",
                "A subcommand measures one stage in more detail."},
        subcommands = {BenchCommand.Services.class, BenchCommand.EventBridge.class, BenchCommand.Ingest.class, BenchCommand.Detect.class, BenchCommand.Noise.class, BenchCommand.Integrity.class, BenchCommand.Soak.class, BenchCommand.Console.class})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Corpus corpus;

    @Option(names = "--rates", paramLabel = "N,N", split = ",", defaultValue = "1,10,100",
            description = "Files per second of the latency runs (default: ${DEFAULT-VALUE}).")
    int[] rates;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "Length of each latency run (default: ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--records", paramLabel = "N", defaultValue = "1000", description = "Records per file of the latency runs (default: ${DEFAULT-VALUE}).")
    int records;

    @Override
    public Integer call() throws Exception {
        positive(spec, "--seconds", seconds);
        positive(spec, "--records", records);
        for (int rate : rates) {
            positive(spec, "--rates", rate);
        }
        PlatformBench.run(Project.root(), corpus.dir(spec), corpus.files(spec), records, rates, seconds);
        return 0;
    }

    static void positive(CommandSpec spec, String option, int value) {
        if (value < 1) {
            throw new ParameterException(spec.commandLine(), option + " must be at least 1, not " + value);
        }
    }

    /** The log files a benchmark reads: a directory of them, or a generated corpus of N files. */
    static final class Corpus {
        @Option(names = "--corpus", paramLabel = "DIR", description = "CloudTrail log files to use (default: generated).")
        Path dir;

        @Option(names = "--files", paramLabel = "N", defaultValue = "60", description = "Files of the generated corpus (default: ${DEFAULT-VALUE}).")
        int files;

        Path dir(CommandSpec spec) {
            if (dir != null && !Files.isDirectory(dir)) {
                throw new ParameterException(spec.commandLine(), "--corpus " + dir + " is no directory");
            }
            return dir;
        }

        int files(CommandSpec spec) {
            positive(spec, "--files", files);
            return files;
        }
    }

    @Command(name = "services", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints each service's CPU cost beside the floor.", "The local platform with default settings, "
                    + "a warm-up pass of other events of the same mix (generated, dated before the corpus), then the corpus, stage by "
                    + "stage (notify, remediate and the console frozen until detect has read every event): "
                    + "events per CPU-second of ingest-service and detect-service next to the floor measured in the same "
                    + "run (gunzip + Jackson streaming + a Kafka producer, in a JVM of its own), CPU per finding of "
                    + "notify-service, remediate-service and console-service, and each service's RSS. --corpus skips files "
                    + "that are not CloudTrail log files."})
    static final class Services implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Corpus corpus;

        @Option(names = "--replicas", paramLabel = "N", defaultValue = "1",
                description = "Processes of ingest-service and of detect-service, sharing the work (1 to 6; default: ${DEFAULT-VALUE}).")
        int replicas;

        @Option(names = "--all-at-once", description = "Notify, remediate and the console take the measured pass's findings "
                + "while detect still reads its events, all five services time-sharing the machine's cores (default: they "
                + "are frozen until detect is done, so each stage is measured with the cores to itself, as the floor is).")
        boolean allAtOnce;

        @Override
        public Integer call() throws Exception {
            if (replicas < 1 || replicas > io.trailwatch.local.LocalPlatform.PARTITIONS) {
                throw new ParameterException(spec.commandLine(), "--replicas must be 1 to " + io.trailwatch.local.LocalPlatform.PARTITIONS
                        + " (the events topic's partitions), not " + replicas);
            }
            io.trailwatch.bench.ServicesBench.run(Project.root(), corpus.dir(spec), corpus.files(spec), replicas, allAtOnce);
            return 0;
        }
    }

    @Command(name = "eventbridge", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints the near-real-time path's latency.", "CloudTrail events sent to the local EventBridge "
                    + "queue at steady rates, each a finding of its own: p50/p99 from the SQS send to the Slack webhook's "
                    + "receipt (docs/near-real-time.md)."})
    static final class EventBridge implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--rates", paramLabel = "N,N", split = ",", defaultValue = "10,100",
                description = "Events per second (default: ${DEFAULT-VALUE}).")
        int[] rates;

        @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "Length of each run (default: ${DEFAULT-VALUE}).")
        int seconds;

        @Override
        public Integer call() throws Exception {
            positive(spec, "--seconds", seconds);
            for (int rate : rates) {
                positive(spec, "--rates", rate);
            }
            io.trailwatch.bench.EventBridgeBench.run(Project.root(), rates, seconds);
            return 0;
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints ingest throughput.", "The gunzip+parse floor and the whole pipeline from local S3/SQS "
                    + "into a local Kafka broker."})
    static final class Ingest implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Corpus corpus;

        @Option(names = "--no-pipeline", description = "Only the floors, not the service.")
        boolean noPipeline;

        @Option(names = "--ingest-jar", paramLabel = "JAR", description = "ingest-service's quarkus-run.jar (default: the checkout's).")
        Path jar;

        @Option(names = "--service-jvm-arg", paramLabel = "ARG", description = "A JVM option of the service (profiling, GC); repeatable.")
        List<String> serviceJvmArgs = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            IngestBench.run(jar != null ? jar : Project.serviceJar("ingest-service"), corpus.dir(spec), corpus.files(spec),
                    !noPipeline, serviceJvmArgs);
            return 0;
        }
    }

    @Command(name = "console", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints how fast the console's pages answer.", "console-service as packaged, its embedded store "
                    + "filled from a local broker with --findings findings; each page's cold and warm (p50, p95) time "
                    + "beside the floor of a static file from the same server."})
    static final class Console implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--findings", paramLabel = "N", defaultValue = "10000", description = "Findings in the store (default: ${DEFAULT-VALUE}).")
        int findings;

        @Override
        public Integer call() throws Exception {
            if (findings < 1) {
                throw new ParameterException(spec.commandLine(), "--findings must be at least 1, not " + findings);
            }
            io.trailwatch.bench.ConsoleBench.run(Project.root(), findings);
            return 0;
        }
    }

    @Command(name = "detect", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints detection throughput.", "On one thread: stateless rules, the full pack, and the full "
                    + "pack from the bytes on the events topic."})
    static final class Detect implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--events", paramLabel = "N", defaultValue = "200000", description = "Events of the generated corpus (default: ${DEFAULT-VALUE}).")
        int events;

        @Option(names = "--passes", paramLabel = "N", defaultValue = "3", description = "Passes per figure, the first a warm-up (default: ${DEFAULT-VALUE}).")
        int passes;

        @Override
        public Integer call() throws Exception {
            positive(spec, "--events", events);
            positive(spec, "--passes", passes);
            DetectBench.run(events, passes);
            return 0;
        }
    }

    @Command(name = "noise", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints how much the pack says about ordinary traffic.", "Findings per severity and rule on a "
                    + "generated corpus with no attack in it (about 3.5%% of calls denied), and medium-or-higher findings "
                    + "per million events beside the limit of 50."})
    static final class Noise implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--events", paramLabel = "N", defaultValue = "1000000", description = "Events of the corpus (default: ${DEFAULT-VALUE}).")
        int events;

        @Option(names = "--accounts", paramLabel = "N", defaultValue = "10", description = "Accounts (default: ${DEFAULT-VALUE}).")
        int accounts;

        @Option(names = "--days", paramLabel = "N", defaultValue = "1", description = "Days of event time (default: ${DEFAULT-VALUE}).")
        int days;

        @Override
        public Integer call() throws Exception {
            positive(spec, "--events", events);
            positive(spec, "--accounts", accounts);
            positive(spec, "--days", days);
            io.trailwatch.bench.NoiseBench.run(events, accounts, days);
            return 0;
        }
    }

    @Command(name = "integrity", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Prints digest validation throughput.", "The gunzip+SHA-256 floor, and ingest-service "
                    + "validating signed digests of the corpus from local S3/SQS into a local Kafka broker."})
    static final class Integrity implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        Corpus corpus;

        @Option(names = "--per-digest", paramLabel = "N", defaultValue = "6", description = "Log files per digest (default: ${DEFAULT-VALUE}).")
        int perDigest;

        @Option(names = "--passes", paramLabel = "N", defaultValue = "3", description = "Trails validated, after as many warm-up trails (default: ${DEFAULT-VALUE}).")
        int passes;

        @Option(names = "--ingest-jar", paramLabel = "JAR", description = "ingest-service's quarkus-run.jar (default: the checkout's).")
        Path jar;

        @Override
        public Integer call() throws Exception {
            positive(spec, "--per-digest", perDigest);
            positive(spec, "--passes", passes);
            IntegrityBench.run(jar != null ? jar : Project.serviceJar("ingest-service"), corpus.dir(spec), corpus.files(spec),
                    perDigest, passes);
            return 0;
        }
    }

    @Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Runs the local platform for a while and says whether anything grows.",
                    "A steady rate of log files with storms (one rule in each of 300 accounts every 5 minutes) and faults (Slack "
                    + "down 90 s, notify-service killed, every 10 minutes) mixed in; every minute each service's RSS, "
                    + "heap after GC, queue depth and consumer lag; at the end a verdict on each series' slope after warm-up."})
    static final class Soak implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--minutes", paramLabel = "M", defaultValue = "30", description = "How long (default: ${DEFAULT-VALUE}).")
        int minutes;

        @Option(names = "--rate", paramLabel = "N", defaultValue = "2", description = "Log files per second (default: ${DEFAULT-VALUE}).")
        int rate;

        @Option(names = "--records", paramLabel = "N", defaultValue = "500", description = "Records per file (default: ${DEFAULT-VALUE}).")
        int records;

        @Option(names = "--sample-every", paramLabel = "S", defaultValue = "60", description = "Seconds between samples (default: ${DEFAULT-VALUE}).")
        int sampleEvery;

        @Override
        public Integer call() throws Exception {
            positive(spec, "--minutes", minutes);
            positive(spec, "--rate", rate);
            positive(spec, "--records", records);
            positive(spec, "--sample-every", sampleEvery);
            SoakBench.run(Project.root(), minutes, rate, records, java.time.Duration.ofSeconds(sampleEvery));
            return 0;
        }
    }
}

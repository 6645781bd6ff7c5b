package io.trailwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code ./trailwatch}: every command of the project's command line. The {@code trailwatch} script at the root of the
 * checkout builds what is missing or older than its sources and runs this ({@code cli/target/trailwatch-cli.jar});
 * it runs {@code ./trailwatch test} (the build's tests) and {@code ./trailwatch build} itself.
 */
@Command(name = "trailwatch", mixinStandardHelpOptions = true, versionProvider = Trailwatch.Version.class,
        description = "Watches AWS CloudTrail for risky activity and reacts within seconds.",
        commandListHeading = "%nCommands:%n",
        subcommands = {
                LocalCommand.class,
                ServiceCommand.Ingest.class,
                ServiceCommand.Detect.class,
                ServiceCommand.Notify.class,
                ServiceCommand.Remediate.class,
                BackfillCommand.class,
                DetectCommand.class,
                RulesCommand.class,
                BenchCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nBuilding and testing:%n",
        footer = {"  test               Runs every test, as CI does (./mvnw -B verify).",
                "  build              Builds the services and this command line.",
                "",
                "'./trailwatch COMMAND --help' tells more of each.",
                "Times are RFC 3339, e.g. 2026-03-01T00:00:00Z."})
public final class Trailwatch implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    /** No command: the usage, on stdout. */
    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    public static void main(String[] args) {
        // Quiet libraries (Kafka clients, S3Proxy, ElasticMQ) unless asked otherwise: the commands say what matters.
        defaultProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // a broker starting or restarting is no news: the Kafka clients' connection warnings are
        defaultProperty("org.slf4j.simpleLogger.log.org.apache.kafka", "error");
        // nor ElasticMQ's actor system finding the JVM already stopping when Ctrl-C stops it
        defaultProperty("org.slf4j.simpleLogger.log.org.apache.pekko", "error");
        System.exit(commandLine().execute(args));
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The command line with every command, as {@link #main} runs it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Trailwatch())
                .setParameterExceptionHandler((e, args) -> {
                    // the error, what was meant if it looks like a typo, and always the usage
                    CommandLine cl = e.getCommandLine();
                    cl.getErr().println(e.getMessage());
                    CommandLine.UnmatchedArgumentException.printSuggestions(e, cl.getErr());
                    cl.usage(cl.getErr());
                    cl.getErr().flush();
                    return cl.getCommandSpec().exitCodeOnInvalidInput();
                })
                .setExecutionExceptionHandler((e, commandLine, parsed) -> {
                    commandLine.getErr().println("trailwatch " + commandLine.getCommandName() + ": " + message(e));
                    commandLine.getErr().flush();
                    return 1;
                });
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.toString() : m;
    }

    /** The version the build wrote into the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Trailwatch.class.getPackage().getImplementationVersion();
            return new String[]{"trailwatch " + (v == null ? "(development build)" : v)};
        }
    }
}

package io.trailwatch.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.Gunzip;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.cloudtrail.UnreadableLogException;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.GeoDb;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RuleParseException;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code ./trailwatch detect [--rules DIR] [--config FILE] FILE...}: the investigator's and rule author's tool. Reads
 * CloudTrail log files ({@code {"Records":[...]}}), JSON arrays of records and JSON Lines of records, plain or gzip;
 * directories are walked. Runs the engine over the events in event-time order and prints one finding per line, the
 * same JSON as on {@code trailwatch.findings.v1}. Nothing but findings goes to stdout; an unreadable input is a
 * message on stderr and exit code 2, before any finding is printed.
 *
 * <p>The config file (YAML) may hold {@code exceptions: {principals, roleArns, accounts, sourceCidrs}}, added to
 * every rule; {@code lists: {trusted-accounts: [...], allowed-countries: [...]}}; and {@code geoDatabase: PATH}, a
 * country database ({@link GeoDb}). Rules that need what is not given are inactive, said once on stderr.
 */
@Command(name = "detect", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Runs the rule pack over CloudTrail files and prints the findings.",
                "Stateful rules included, in event-time order; one finding per line, the JSON of trailwatch.findings.v1.",
                "Reads log files ({\"Records\":[...]}), JSON arrays and JSON Lines of records, plain or gzip; "
                        + "directories are walked. More than about a million records need more heap (JAVA_OPTS=-Xmx4g)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:findings printed (none is fine)", "2:bad options, a rule or config that does not load, "
                + "or an unreadable input (nothing is printed then)"})
final class DetectCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final ObjectWriter LINE = JSON.writer();
    private static final Pattern LOG_FILE_START = Pattern.compile("^\\s*\\{\\s*\"Records\"\\s*:");
    private static final int PEEK = 4096;

    @Spec
    CommandSpec spec;

    @Option(names = "--rules", paramLabel = "DIR",
            description = "Your own rules (trailwatch YAML or Sigma), added to the built-in pack; a rule with a built-in "
                    + "rule's id replaces it.")
    Path rulesDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML with exceptions (principals, roleArns, accounts, sourceCidrs), lists (e.g. "
                    + "trusted-accounts, allowed-countries) and geoDatabase (a country database, relative to the file).")
    Path config;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "CloudTrail files or directories.")
    List<Path> inputs;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Engine engine;
        try {
            List<Rule> rules = rulesDir == null ? RulePack.builtIn() : RulePack.withOverrides(RulePack.builtIn(), RulePack.directory(rulesDir));
            engine = config == null ? new Engine(rules, Rule.Exceptions.NONE) : configured(rules, config);
        } catch (RuleParseException | IOException | IllegalArgumentException e) {
            err.println("trailwatch detect: " + e.getMessage());
            return 2;
        }
        engine.inactive().forEach((id, why) -> err.println("trailwatch detect: rule " + id + " is inactive: " + why));
        List<Pending> events = new ArrayList<>();
        try {
            for (Path input : inputs) {
                for (Path file : files(input)) {
                    read(file, events, err);
                }
            }
        } catch (UnreadableInput e) {
            err.println("trailwatch detect: " + e.getMessage());
            return 2;
        }
        events.sort(Comparator.comparing(Pending::eventTime));
        Map<String, Finding> findings = new LinkedHashMap<>();
        var detector = new Detector(engine);
        for (int i = 0; i < events.size(); i++) {
            CloudTrailEvent event = events.get(i).event();
            events.set(i, null);
            for (Finding f : detector.process(event)) {
                findings.put(f.findingId(), f);
            }
        }
        for (Finding f : detector.flush()) {
            findings.put(f.findingId(), f);
        }
        for (Finding f : findings.values()) {
            try {
                out.println(LINE.writeValueAsString(f));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        out.flush();
        return 0;
    }

    private static Engine configured(List<Rule> rules, Path config) throws IOException {
        JsonNode root = new YAMLMapper().readTree(config.toFile());
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(config + " is no YAML mapping");
        }
        Set<String> keys = new HashSet<>();
        root.fieldNames().forEachRemaining(keys::add);
        keys.removeAll(Set.of("exceptions", "lists", "geoDatabase"));
        if (!keys.isEmpty()) {
            throw new IllegalArgumentException(config + ": unknown keys " + keys + "; allowed: [exceptions, lists, geoDatabase]");
        }
        JsonNode ex = root.path("exceptions");
        var exceptions = Rule.Exceptions.of(list(ex, "principals"), list(ex, "roleArns"), list(ex, "accounts"),
                list(ex, "sourceCidrs"));
        Map<String, Set<String>> lists = new LinkedHashMap<>();
        root.path("lists").fields().forEachRemaining(e -> lists.put(e.getKey(), Set.copyOf(list(root.path("lists"), e.getKey()))));
        GeoDb geo = null;
        if (root.hasNonNull("geoDatabase")) {
            Path db = config.toAbsolutePath().getParent().resolve(root.get("geoDatabase").asText());
            geo = GeoDb.open(db);
        }
        return new Engine(rules, exceptions, new Engine.Context(geo, lists));
    }

    private static List<String> list(JsonNode node, String field) {
        List<String> out = new ArrayList<>();
        node.path(field).forEach(v -> out.add(v.asText()));
        return out;
    }

    private static List<Path> files(Path input) throws UnreadableInput {
        if (Files.isDirectory(input)) {
            try (Stream<Path> walk = Files.walk(input)) {
                return walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
            } catch (IOException e) {
                throw new UnreadableInput(input + ": " + e.getMessage());
            }
        }
        if (!Files.isReadable(input)) {
            throw new UnreadableInput(input + ": no such readable file");
        }
        return List.of(input);
    }

    /**
     * A valid record waiting for its turn in event-time order, kept as its JSON bytes: a parsed tree takes several
     * times the memory, and a million records must fit.
     */
    private record Pending(java.time.Instant eventTime, byte[] json) {
        CloudTrailEvent event() {
            try {
                return Normalizer.normalize((ObjectNode) JSON.readTree(json), null);
            } catch (IOException | InvalidRecordException e) {
                throw new IllegalStateException("a record that was valid no longer is", e);
            }
        }
    }

    private static void read(Path file, List<Pending> events, PrintWriter err) throws UnreadableInput {
        // your own files: gunzipped when they are gzip, with no cap on their size
        try (InputStream raw = Files.newInputStream(file); InputStream in = Gunzip.open(raw, Long.MAX_VALUE, false)) {
            BufferedInputStream buffered = new BufferedInputStream(in, 1 << 16);
            buffered.mark(PEEK);
            byte[] head = buffered.readNBytes(PEEK);
            buffered.reset();
            String start = new String(head, StandardCharsets.UTF_8).stripLeading();
            if (start.isEmpty()) {
                throw new UnreadableInput(file + ": empty file");
            }
            if (LOG_FILE_START.matcher(start).find()) {
                new LogFileReader(Caps.DEFAULT).read(buffered, new LogFileReader.Sink() {
                    @Override
                    public void record(int index, ObjectNode record) {
                        add(file, index, record, events, err);
                    }

                    @Override
                    public void badRecord(int index, String reason, String detail) {
                        err.println("trailwatch detect: " + file + ": record " + index + " skipped: " + detail);
                    }
                });
            } else if (start.charAt(0) == '[' || start.charAt(0) == '{') {
                records(file, buffered, start.charAt(0) == '[', events, err);
            } else {
                throw new UnreadableInput(file + ": not CloudTrail JSON (a log file, a JSON array or JSON Lines of records)");
            }
        } catch (UnreadableLogException e) {
            throw new UnreadableInput(file + ": " + e.reason() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new UnreadableInput(file + ": " + e.getMessage());
        }
    }

    private static void records(Path file, InputStream in, boolean array, List<Pending> events, PrintWriter err)
            throws IOException, UnreadableInput {
        try (JsonParser p = JSON.getFactory().createParser(in)) {
            JsonToken t = p.nextToken();
            if (array) {
                t = p.nextToken();
            }
            int index = 0;
            while (t != null && t != JsonToken.END_ARRAY) {
                if (t != JsonToken.START_OBJECT) {
                    throw new UnreadableInput(file + ": record " + index + " is no JSON object");
                }
                add(file, index++, (ObjectNode) JSON.readTree(p), events, err);
                t = p.nextToken();
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UnreadableInput(file + ": not valid JSON: " + e.getOriginalMessage());
        }
    }

    private static void add(Path file, int index, ObjectNode record, List<Pending> events, PrintWriter err) {
        try {
            var event = Normalizer.normalize(record, null);
            events.add(new Pending(event.eventTime(), JSON.writeValueAsBytes(record)));
        } catch (InvalidRecordException e) {
            err.println("trailwatch detect: " + file + ": record " + index + " skipped: " + e.getMessage());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An input that cannot be read at all. */
    private static final class UnreadableInput extends Exception {
        UnreadableInput(String message) {
            super(message, null, false, false);
        }
    }
}

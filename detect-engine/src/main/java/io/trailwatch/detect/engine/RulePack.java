package io.trailwatch.detect.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads rules: the built-in pack from the classpath, or every {@code .yaml}/{@code .yml} file under a directory,
 * each a trailwatch rule or a Sigma rule ({@link SigmaParser}, told apart by its {@code logsource}).
 */
public final class RulePack {

    /** The built-in pack's index: one rule file path (under {@code rules/}) per line. */
    public static final String INDEX = "rules/index.txt";

    private RulePack() {
    }

    /** The rules named in the classpath index. */
    public static List<Rule> builtIn() throws RuleParseException {
        List<Rule> rules = new ArrayList<>();
        for (String path : read(INDEX).lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
            rules.add(RuleParser.parse(path, read("rules/" + path)));
        }
        return unique(rules);
    }

    /** Every rule file ({@code .yaml}, {@code .yml}) under the directory. */
    public static List<Rule> directory(Path dir) throws IOException, RuleParseException {
        List<Rule> rules = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList()) {
                String name = dir.relativize(f).toString().replace('\\', '/');
                String text = Files.readString(f);
                rules.add(SigmaParser.isSigma(text) ? SigmaParser.parse(name, text) : RuleParser.parse(name, text));
            }
        }
        return unique(rules);
    }

    private static List<Rule> unique(List<Rule> rules) throws RuleParseException {
        Set<String> ids = new HashSet<>();
        for (Rule r : rules) {
            if (!ids.add(r.id())) {
                throw new RuleParseException(r.source(), 0, "another rule already has the id '" + r.id() + "'");
            }
        }
        return List.copyOf(rules);
    }

    private static String read(String resource) {
        try (InputStream in = RulePack.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no " + resource + " on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A pack with a deployment's own rules: a rule with the id of a rule in {@code base} replaces it (to tune a built-in
     * rule, copy it and change it), the others are added.
     */
    public static List<Rule> withOverrides(List<Rule> base, List<Rule> own) {
        java.util.Map<String, Rule> byId = new java.util.LinkedHashMap<>();
        base.forEach(r -> byId.put(r.id(), r));
        own.forEach(r -> byId.put(r.id(), r));
        return List.copyOf(byId.values());
    }
}

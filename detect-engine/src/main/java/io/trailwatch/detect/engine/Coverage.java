package io.trailwatch.detect.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pack covers, from its rules' metadata: attack techniques ({@code techniques}, as the Stratus Red Team
 * catalogue names them) and CIS monitoring controls ({@code cis}). The techniques the built-in pack promises to cover
 * are listed in {@value #CATALOGUE}, each with the category its finding must have; a test fails when one of them
 * loses its last rule.
 */
public final class Coverage {

    /** The techniques the built-in pack covers: one per line, the technique id and the category of its finding. */
    public static final String CATALOGUE = "rules/techniques.txt";

    /** The CIS Amazon Web Services Foundations Benchmark v1.4.0, section 4 (Monitoring): control and what it watches. */
    public static final Map<String, String> CIS = cis();

    /** A technique the pack promises to cover, and the category its finding has. */
    public record Listed(String technique, String category) {
    }

    private Coverage() {
    }

    private static Map<String, String> cis() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("4.1", "Unauthorized API calls");
        m.put("4.2", "Management Console sign-in without MFA");
        m.put("4.3", "Usage of the root account");
        m.put("4.4", "IAM policy changes");
        m.put("4.5", "CloudTrail configuration changes");
        m.put("4.6", "Management Console authentication failures");
        m.put("4.7", "Disabling or scheduled deletion of customer created CMKs");
        m.put("4.8", "S3 bucket policy changes");
        m.put("4.9", "AWS Config configuration changes");
        m.put("4.10", "Security group changes");
        m.put("4.11", "Changes to network ACLs");
        m.put("4.12", "Changes to network gateways");
        m.put("4.13", "Route table changes");
        m.put("4.14", "VPC changes");
        m.put("4.15", "AWS Organizations changes");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The catalogue of the built-in pack, from the classpath. */
    public static List<Listed> catalogue() {
        List<Listed> out = new ArrayList<>();
        try (InputStream in = Coverage.class.getClassLoader().getResourceAsStream(CATALOGUE)) {
            if (in == null) {
                throw new IllegalStateException("no " + CATALOGUE + " on the classpath");
            }
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList()) {
                String[] parts = line.split("\\s+");
                if (parts.length != 2 || !Categories.ALL.contains(parts[1])) {
                    throw new IllegalStateException(CATALOGUE + ": '" + line + "' is not '<technique> <category>'");
                }
                out.add(new Listed(parts[0], parts[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return List.copyOf(out);
    }

    /** Each technique any rule names, in order, with the ids of the rules that name it. */
    public static Map<String, List<String>> byTechnique(List<Rule> rules) {
        Map<String, List<String>> m = new TreeMap<>();
        for (Rule r : sorted(rules)) {
            r.techniques().forEach(t -> m.computeIfAbsent(t, k -> new ArrayList<>()).add(r.id()));
        }
        return m;
    }

    /** Every CIS control, in order, with the ids of the rules that implement it (none: an empty list). */
    public static Map<String, List<String>> byCis(List<Rule> rules) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        CIS.keySet().forEach(c -> m.put(c, new ArrayList<>()));
        for (Rule r : sorted(rules)) {
            r.cis().forEach(c -> m.get(c).add(r.id()));
        }
        return m;
    }

    /** The listed techniques no rule names. */
    public static List<Listed> uncovered(List<Listed> catalogue, List<Rule> rules) {
        Map<String, List<String>> covered = byTechnique(rules);
        return catalogue.stream().filter(l -> !covered.containsKey(l.technique())).toList();
    }

    /** The report {@code ./trailwatch rules coverage} prints: technique → rules, then CIS control → rules. */
    public static String report(List<Listed> catalogue, List<Rule> rules) {
        StringBuilder out = new StringBuilder();
        Map<String, List<String>> techniques = byTechnique(rules);
        Map<String, List<String>> rows = new TreeMap<>();
        catalogue.forEach(l -> rows.put(l.technique(), techniques.getOrDefault(l.technique(), List.of())));
        rows.putAll(techniques);
        long listedCovered = catalogue.stream().filter(l -> techniques.containsKey(l.technique())).count();
        out.append(String.format(Locale.ROOT, "Attack techniques (Stratus Red Team ids): %d listed, %d covered, %d named by rules%n",
                catalogue.size(), listedCovered, techniques.size()));
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(10);
        rows.forEach((t, ids) -> out.append(String.format(Locale.ROOT, "  %-" + width + "s  %s%n", t,
                ids.isEmpty() ? "NOT COVERED" : String.join(", ", ids))));
        Map<String, List<String>> cis = byCis(rules);
        out.append(String.format(Locale.ROOT, "CIS AWS Foundations Benchmark v1.4.0, section 4: %d controls, %d covered%n",
                cis.size(), cis.values().stream().filter(l -> !l.isEmpty()).count()));
        int cisWidth = CIS.entrySet().stream().mapToInt(e -> e.getKey().length() + 1 + e.getValue().length()).max().orElse(10);
        cis.forEach((c, ids) -> out.append(String.format(Locale.ROOT, "  %-" + cisWidth + "s  %s%n", c + " " + CIS.get(c),
                ids.isEmpty() ? "NOT COVERED" : String.join(", ", ids))));
        return out.toString();
    }

    /** The markdown tables of docs/rules.md: every rule, then technique → rules. */
    public static String markdown(List<Rule> rules) {
        StringBuilder out = new StringBuilder();
        out.append("| Rule | Category | Severity | CIS control | Techniques |\n|---|---|---|---|---|\n");
        for (Rule r : rules.stream().sorted(Comparator.comparing(Rule::category).thenComparing(Rule::id)).toList()) {
            out.append("| `").append(r.id()).append("` | `").append(r.category()).append("` | ")
                    .append(r.severity().name().toLowerCase(Locale.ROOT)).append(" | ")
                    .append(r.cis().isEmpty() ? "—" : String.join(", ", r.cis().stream().map(c -> c + " " + CIS.get(c)).toList()))
                    .append(" | ").append(r.techniques().isEmpty() ? "—"
                            : String.join(", ", r.techniques().stream().map(t -> t.substring(t.lastIndexOf('.') + 1)).toList()))
                    .append(" |\n");
        }
        out.append("\n| Technique | Rules |\n|---|---|\n");
        byTechnique(rules).forEach((t, ids) -> out.append("| `").append(t).append("` | ")
                .append(String.join(", ", ids.stream().map(id -> "`" + id + "`").toList())).append(" |\n"));
        return out.toString();
    }

    private static List<Rule> sorted(List<Rule> rules) {
        return rules.stream().sorted(Comparator.comparing(Rule::id)).toList();
    }
}

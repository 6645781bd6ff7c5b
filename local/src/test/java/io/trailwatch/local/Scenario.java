package io.trailwatch.local;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.model.Finding;
import io.trailwatch.devkit.CloudTrailLogs;
import io.trailwatch.devkit.Recording;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one end-to-end case sends, in an account of its own: CloudTrail log files of ordinary calls with attack steps
 * among them, and what the built-in pack finds in them (the oracle: the same engine, offline, with the local
 * platform's country database and lists).
 */
final class Scenario {

    /** The sample recording, whose attack steps scenarios re-target at their accounts. */
    private static final Recording SAMPLE = Recording.load(Recording.SAMPLE);

    final String name;
    final String account;
    final List<List<ObjectNode>> files = new ArrayList<>();
    private final Instant start;
    private final CloudTrailLogs generator;

    Scenario(String name, String account, Instant start) {
        this.name = name;
        this.account = account;
        this.start = start;
        this.generator = new CloudTrailLogs(account.hashCode());
    }

    /** Adds a log file of {@code quiet} ordinary calls, with the named attack steps (sample eventIDs) spread through it. */
    Scenario file(int quiet, String... attacks) {
        int offset = files.stream().mapToInt(List::size).sum();
        List<ObjectNode> records = new ArrayList<>(generator.quietRecords(account, "eu-west-1", start.plusMillis(offset * 20L), quiet,
                java.time.Duration.ofMillis(20)));
        for (int i = 0; i < attacks.length; i++) {
            int at = attacks.length == 1 ? quiet / 2 : (int) ((long) quiet * i / (attacks.length - 1));
            records.add(Math.min(at, records.size()), SAMPLE.step(attacks[i], account, name + "-" + attacks[i], start.plusMillis((offset + at) * 20L)));
        }
        files.add(records);
        return this;
    }

    /** The key CloudTrail would deliver the i-th file to. */
    String key(int i) {
        return CloudTrailLogs.key(account, "eu-west-1", start.plusSeconds(300L * i), String.format("%-16s", name + i).replace(' ', 'X')
                .substring(0, 16));
    }

    byte[] bytes(int i) {
        return CloudTrailLogs.file(files.get(i), true);
    }

    List<String> eventIds() {
        return files.stream().flatMap(List::stream).map(r -> r.get("eventID").asText()).toList();
    }

    /** What the built-in pack finds in these records, by findingId. */
    Map<String, Finding> expected(Engine engine) {
        var detector = new Detector(engine);
        Map<String, Finding> out = new LinkedHashMap<>();
        try {
            for (ObjectNode r : files.stream().flatMap(List::stream).toList()) {
                detector.process(Normalizer.normalize(r.deepCopy(), null)).forEach(f -> out.put(f.findingId(), f));
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        detector.flush().forEach(f -> out.put(f.findingId(), f));
        return out;
    }
}

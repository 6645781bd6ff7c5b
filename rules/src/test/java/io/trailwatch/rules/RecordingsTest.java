package io.trailwatch.rules;

import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.GeoDb;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.MmdbWriter;
import io.trailwatch.devkit.Recording;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recordings (devkit's {@code samples/}): days of normal traffic in several accounts with attack steps mixed in,
 * replayed through the built-in pack in event-time order. The exact set of findings, with the first eventId and final
 * count of each, is the recording's expected-findings.txt. The sample {@code ./trailwatch local} replays is one of
 * them, and it exercises every category of the pack.
 */
class RecordingsTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = Recording.SAMPLE)
    void replaysToExactlyTheExpectedFindings(String name) throws Exception {
        Map<String, Finding> findings = replay(Recording.load(name));

        List<String> actual = findings.values().stream()
                .map(f -> f.ruleId() + " " + f.eventIds().get(0) + " " + f.count()).sorted().toList();
        List<String> expected = Recording.load(name).expectedFindings().stream().sorted().toList();
        var writer = ModelJson.newMapper();
        for (Finding f : findings.values()) {
            assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.FINDINGS, 1), writer.writeValueAsString(f)))
                    .as(f.ruleId()).isEmpty();
        }
        assertThat(actual).as("findings of %s (ruleId, first eventId, count)", name).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = Recording.SAMPLE)
    void theLocalSample_isDaysOfSeveralAccountsAndRegions_withAFindingInEveryCategoryOfThePack(String name) throws Exception {
        Recording sample = Recording.load(name);
        Map<String, Finding> findings = replay(sample);

        Set<String> packCategories = RulePack.builtIn().stream().map(Rule::category).collect(Collectors.toCollection(TreeSet::new));
        Set<String> found = findings.values().stream().map(Finding::category).collect(Collectors.toCollection(TreeSet::new));
        assertThat(found).as("categories with a finding").isEqualTo(packCategories);
        assertThat(sample.records()).hasSizeGreaterThan(15_000);
        assertThat(sample.records().stream().map(r -> r.get("recipientAccountId").asText()).distinct()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(sample.records().stream().map(r -> r.get("awsRegion").asText()).distinct()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(sample.logFiles()).allSatisfy((key, bytes) -> assertThat(key).matches(
                "AWSLogs/\\d{12}/CloudTrail/[a-z0-9-]+/\\d{4}/\\d{2}/\\d{2}/\\d{12}_CloudTrail_[a-z0-9-]+_\\d{8}T\\d{4}Z_[0-9A-F]{16}\\.json\\.gz"));
    }

    private Map<String, Finding> replay(Recording recording) throws Exception {
        var detector = new Detector(engine());
        Map<String, Finding> findings = new LinkedHashMap<>();
        for (var record : recording.records()) {
            CloudTrailEvent e = Normalizer.normalize(record.deepCopy(), null);
            detector.process(e).forEach(f -> findings.put(f.findingId(), f));
        }
        detector.flush().forEach(f -> findings.put(f.findingId(), f));
        return findings;
    }

    /** The built-in pack, with a country database (198.51.100.0/24 in NZ) and the recording's lists. */
    private Engine engine() throws Exception {
        Path mmdb = tmp.resolve("countries.mmdb");
        new MmdbWriter().add("198.51.100.0/24", Map.of("country_code", "NZ")).add("203.0.113.0/24", Map.of("country_code", "AU"))
                .write(mmdb, "geo-whois-asn-country");
        return new Engine(RulePack.builtIn(), Rule.Exceptions.NONE, new Engine.Context(GeoDb.open(mmdb),
                Map.of("allowed-countries", Set.of("AU"), "trusted-accounts", Set.of("310000000003"))));
    }
}

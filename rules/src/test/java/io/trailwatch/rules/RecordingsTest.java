package io.trailwatch.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.GeoDb;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import io.trailwatch.testsupport.MmdbWriter;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Recordings: days of normal traffic in several accounts (traffic.yaml, expanded into CloudTrail records) with attack
 * steps mixed in (attacks.jsonl, records written out), replayed through the built-in pack in event-time order. The
 * exact set of findings, with the first eventId and final count of each, is expected-findings.txt.
 */
class RecordingsTest {

    private static final Path ROOT = Path.of("src/test/resources/recordings");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = "two-weeks-three-accounts")
    void replaysToExactlyTheExpectedFindings(String name) throws Exception {
        Path dir = ROOT.resolve(name);
        List<CloudTrailEvent> events = new ArrayList<>();
        for (ObjectNode record : Traffic.expand(new YAMLMapper().readTree(dir.resolve("traffic.yaml").toFile()))) {
            events.add(Normalizer.normalize(record, null));
        }
        for (String line : Files.readAllLines(dir.resolve("attacks.jsonl"))) {
            if (!line.isBlank()) {
                events.add(Normalizer.normalize((ObjectNode) JSON.readTree(line), null));
            }
        }
        events.sort(Comparator.comparing(CloudTrailEvent::eventTime));

        var detector = new Detector(engine());
        Map<String, Finding> findings = new LinkedHashMap<>();
        for (CloudTrailEvent e : events) {
            detector.process(e).forEach(f -> findings.put(f.findingId(), f));
        }
        detector.flush().forEach(f -> findings.put(f.findingId(), f));

        List<String> actual = findings.values().stream()
                .map(f -> f.ruleId() + " " + f.eventIds().get(0) + " " + f.count()).sorted().toList();
        List<String> expected = Files.readAllLines(dir.resolve("expected-findings.txt")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#")).sorted().toList();
        assertThat(events).hasSizeGreaterThan(15_000);
        var writer = io.trailwatch.model.ModelJson.newMapper();
        for (Finding f : findings.values()) {
            assertThat(io.trailwatch.model.SchemaCheck.violations(io.trailwatch.model.SchemaCheck.schemaPath(
                    io.trailwatch.model.Topics.FINDINGS, 1), writer.writeValueAsString(f))).as(f.ruleId()).isEmpty();
        }
        assertThat(actual).as("findings of %s (ruleId, first eventId, count)", name).containsExactlyElementsOf(expected);
    }

    /** The built-in pack, with a country database (198.51.100.0/24 in NZ) and the recording's lists. */
    private Engine engine() throws Exception {
        Path mmdb = tmp.resolve("countries.mmdb");
        new MmdbWriter().add("198.51.100.0/24", Map.of("country_code", "NZ")).add("203.0.113.0/24", Map.of("country_code", "AU"))
                .write(mmdb, "geo-whois-asn-country");
        return new Engine(RulePack.builtIn(), Rule.Exceptions.NONE, new Engine.Context(GeoDb.open(mmdb),
                Map.of("allowed-countries", Set.of("AU"), "trusted-accounts", Set.of("310000000003"))));
    }

    /** Expands a traffic profile into CloudTrail records, the same every time. */
    static final class Traffic {
        private Traffic() {
        }

        static List<ObjectNode> expand(JsonNode profile) {
            List<ObjectNode> out = new ArrayList<>();
            Instant start = Instant.parse(profile.get("start").asText());
            int days = profile.get("days").asInt();
            profile.get("accounts").fields().forEachRemaining(account -> {
                String id = account.getKey();
                JsonNode a = account.getValue();
                for (JsonNode call : a.get("calls")) {
                    JsonNode principal = a.get("principals").get(call.get("principal").asText());
                    int perHour = call.get("perHour").asInt();
                    int from = call.has("hours") ? call.get("hours").get(0).asInt() : 0;
                    int to = call.has("hours") ? call.get("hours").get(1).asInt() : 24;
                    for (int d = 0; d < days; d++) {
                        for (int h = from; h < to; h++) {
                            for (int i = 0; i < perHour; i++) {
                                long offset = call.path("burst").asBoolean() ? i * 4L : i * (3600L / perHour);
                                Instant at = start.plusSeconds(d * 86_400L + h * 3_600L + offset);
                                out.add(record(id, a, principal, call, i, at, "%s-%s-%s-d%02d-h%02d-%02d".formatted(id,
                                        call.get("principal").asText(), call.get("service").asText(), d, h, i)));
                            }
                        }
                    }
                }
            });
            return out;
        }

        private static ObjectNode record(String account, JsonNode a, JsonNode principal, JsonNode call, int i, Instant at,
                                         String eventId) {
            ObjectNode r = JSON.createObjectNode();
            String service = call.get("service").asText();
            JsonNode names = call.get("names");
            String name = names.get(i % names.size()).asText();
            r.put("eventVersion", "1.09");
            r.set("userIdentity", principal.get("identity").deepCopy());
            r.put("eventTime", at.toString());
            r.put("eventSource", service + ".amazonaws.com");
            r.put("eventName", name);
            r.put("awsRegion", call.has("region") ? call.get("region").asText() : a.get("region").asText());
            r.put("sourceIPAddress", principal.get("ip").asText());
            r.put("userAgent", principal.get("userAgent").asText());
            if (call.has("errorCode")) {
                r.put("errorCode", call.get("errorCode").asText());
                r.put("errorMessage", "not authorized to perform: " + service + ":" + name);
            }
            r.putObject("requestParameters");
            r.putNull("responseElements");
            r.put("eventID", eventId);
            r.put("readOnly", true);
            r.put("eventType", "AwsApiCall");
            r.put("managementEvent", true);
            r.put("recipientAccountId", account);
            r.put("eventCategory", "Management");
            return r;
        }
    }
}

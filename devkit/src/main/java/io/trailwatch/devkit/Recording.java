package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A recording under {@code samples/<name>/} on the classpath: days of normal traffic in several accounts
 * ({@code traffic.yaml}, expanded into CloudTrail records, the same ones every time), attack steps on top of it
 * ({@code attacks.jsonl}, written out) and the findings the built-in pack must give for it
 * ({@code expected-findings.txt}: rule id, first eventId, final count). The rule pack's tests replay it and
 * {@code ./trailwatch local} uploads it as CloudTrail log files.
 */
public final class Recording {

    /** The recording {@code ./trailwatch local} replays and the rule pack is tested against. */
    public static final String SAMPLE = "two-weeks-three-accounts";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final List<ObjectNode> records;
    private final List<String> expectedFindings;

    private Recording(String name, List<ObjectNode> records, List<String> expectedFindings) {
        this.name = name;
        this.records = records;
        this.expectedFindings = expectedFindings;
    }

    /** Loads {@code samples/<name>/} from the classpath. */
    public static Recording load(String name) {
        String dir = "samples/" + name + "/";
        try {
            List<ObjectNode> records = new ArrayList<>(expand(new YAMLMapper().readTree(resource(dir + "traffic.yaml"))));
            for (String line : new String(resource(dir + "attacks.jsonl"), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    records.add((ObjectNode) JSON.readTree(line));
                }
            }
            records.sort(Comparator.comparing(r -> r.get("eventTime").asText()));
            List<String> expected = new String(resource(dir + "expected-findings.txt"), StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
            return new Recording(name, List.copyOf(records), expected);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read recording " + name, e);
        }
    }

    public String name() {
        return name;
    }

    /** Every record, in event-time order. */
    public List<ObjectNode> records() {
        return records;
    }

    /** {@code <ruleId> <first eventId> <final count>}, one line per finding the built-in pack gives. */
    public List<String> expectedFindings() {
        return expectedFindings;
    }

    /**
     * One of the recording's records (an attack step, say) moved into another account, with an eventID and time of its
     * own: end-to-end tests and benchmarks put them among ordinary records.
     */
    public ObjectNode step(String eventId, String account, String newEventId, Instant at) {
        ObjectNode original = records.stream().filter(r -> eventId.equals(r.path("eventID").asText())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no record " + eventId + " in " + name));
        String from = original.get("recipientAccountId").asText();
        try {
            ObjectNode r = (ObjectNode) JSON.readTree(original.toString().replace(from, account));
            r.put("eventID", newEventId);
            r.put("eventTime", at.truncatedTo(ChronoUnit.SECONDS).toString());
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The records as CloudTrail would deliver them: one gzipped log file per account, region and hour, keyed by
     * CloudTrail's S3 key layout, in delivery order.
     */
    public Map<String, byte[]> logFiles() {
        Map<String, List<ObjectNode>> byFile = new TreeMap<>(); // hour|account|region: delivery order
        for (ObjectNode r : records) {
            Instant hour = Instant.parse(r.get("eventTime").asText()).truncatedTo(ChronoUnit.HOURS);
            String account = r.get("recipientAccountId").asText();
            String region = r.get("awsRegion").asText();
            byFile.computeIfAbsent(hour + "|" + account + "|" + region, k -> new ArrayList<>()).add(r);
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        byFile.forEach((k, rs) -> {
            String[] parts = k.split("\\|");
            Instant delivered = Instant.parse(parts[0]).plus(1, ChronoUnit.HOURS).minus(5, ChronoUnit.MINUTES);
            String suffix = String.format("%016X", (name + k).hashCode() & 0xffffffffL).substring(0, 16);
            files.put(CloudTrailLogs.key(parts[1], parts[2], delivered, suffix), CloudTrailLogs.file(rs, true));
        });
        return files;
    }

    private static byte[] resource(String path) throws IOException {
        try (InputStream in = Recording.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException(path + " is not on the classpath");
            }
            return in.readAllBytes();
        }
    }

    /** Expands a traffic profile: each call perHour times an hour, spread over it or (burst) in its first minutes. */
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

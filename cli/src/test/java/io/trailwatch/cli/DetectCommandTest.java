package io.trailwatch.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** ./trailwatch detect: CloudTrail files in, one finding per line out. */
class DetectCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STOP = "{\"eventID\":\"ev-stop\",\"eventTime\":\"2026-03-02T10:02:41Z\",\"eventSource\":\"cloudtrail.amazonaws.com\","
            + "\"eventName\":\"StopLogging\",\"awsRegion\":\"eu-west-1\",\"recipientAccountId\":\"111122223333\","
            + "\"requestParameters\":{\"name\":\"trail-a\"},\"sourceIPAddress\":\"203.0.113.77\"}";
    private static final String STOP_AGAIN = STOP.replace("ev-stop", "ev-stop-2").replace("10:02:41", "10:30:00");
    private static final String ROOT = "{\"eventID\":\"ev-root\",\"eventTime\":\"2026-03-02T08:00:12Z\",\"eventSource\":\"signin.amazonaws.com\","
            + "\"eventName\":\"ConsoleLogin\",\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::111122223333:root\"},"
            + "\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"recipientAccountId\":\"111122223333\",\"sourceIPAddress\":\"198.51.100.23\"}";
    private static final String QUIET = "{\"eventID\":\"ev-quiet\",\"eventTime\":\"2026-03-02T09:00:00Z\",\"eventSource\":\"s3.amazonaws.com\","
            + "\"eventName\":\"GetObject\",\"recipientAccountId\":\"111122223333\"}";

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void logFilesArraysAndJsonLines_plainAndGzip_inEventTimeOrder(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("trail.json.gz"), gzip("{\"Records\":[" + STOP + "," + QUIET + "]}"));
        Files.writeString(dir.resolve("array.json"), "[" + ROOT + "]");
        Files.createDirectories(dir.resolve("more"));
        Files.writeString(dir.resolve("more/lines.jsonl"), STOP_AGAIN + "\n" + QUIET.replace("ev-quiet", "ev-q2") + "\n");

        int exit = run(dir.toString());

        assertThat(exit).isZero();
        List<JsonNode> findings = findings();
        assertThat(findings).extracting(f -> f.get("ruleId").asText()).containsExactly("root-console-login", "cloudtrail-stop-logging");
        JsonNode stop = findings.get(1);
        assertThat(stop.get("count").asInt()).as("one trail stopped twice within the dedup period").isEqualTo(2);
        assertThat(stop.get("eventIds")).extracting(JsonNode::asText).containsExactly("ev-stop", "ev-stop-2");
        assertThat(stop.get("severity").asText()).isEqualTo("high");
        assertThat(stop.get("evidence").get("eventId").asText()).isEqualTo("ev-stop");
        for (JsonNode f : findings) {
            assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.FINDINGS, 1), f.toString())).isEmpty();
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).as("only what the deployment did not configure")
                .isEqualTo("trailwatch detect: rule console-login-geo is inactive: no country database is configured\n");
    }

    @Test
    void aConfigWithACountryDatabaseAndLists_activatesGeoAndTrustRules(@TempDir Path dir) throws Exception {
        new io.trailwatch.devkit.MmdbWriter().add("198.51.100.0/24", java.util.Map.of("country_code", "NZ"))
                .add("203.0.113.0/24", java.util.Map.of("country_code", "AU")).write(dir.resolve("countries.mmdb"), "geo-whois-asn-country");
        Files.writeString(dir.resolve("config.yaml"), """
                geoDatabase: countries.mmdb
                lists:
                  allowed-countries: [AU]
                  trusted-accounts: ['777788889999']
                """);
        String login = "{\"eventID\":\"%s\",\"eventTime\":\"2026-03-02T08:00:12Z\",\"eventSource\":\"signin.amazonaws.com\","
                + "\"eventName\":\"ConsoleLogin\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/maria\"},"
                + "\"additionalEventData\":{\"MFAUsed\":\"Yes\"},\"eventType\":\"AwsConsoleSignIn\","
                + "\"responseElements\":{\"ConsoleLogin\":\"Success\"},\"recipientAccountId\":\"111122223333\",\"sourceIPAddress\":\"%s\"}";
        String assume = "{\"eventID\":\"%s\",\"eventTime\":\"2026-03-02T09:00:00Z\",\"eventSource\":\"sts.amazonaws.com\","
                + "\"eventName\":\"AssumeRole\",\"eventType\":\"AwsApiCall\",\"userIdentity\":{\"type\":\"IAMUser\",\"accountId\":\"%s\"},"
                + "\"requestParameters\":{\"roleArn\":\"arn:aws:iam::111122223333:role/Deploy\"},\"recipientAccountId\":\"111122223333\"}";
        Files.writeString(dir.resolve("events.jsonl"), String.join("\n", login.formatted("nz", "198.51.100.9"),
                login.formatted("au", "203.0.113.9"), assume.formatted("trusted", "777788889999"),
                assume.formatted("stranger", "999988887777")));

        assertThat(run("--config", dir.resolve("config.yaml").toString(), dir.resolve("events.jsonl").toString())).isZero();

        assertThat(findings()).extracting(f -> f.get("ruleId").asText() + ":" + f.get("eventIds").get(0).asText())
                .containsExactly("console-login-geo:nz", "external-role-assumption:stranger");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void findingIds_areStableAcrossRuns(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("a.json"), "[" + ROOT + "," + STOP + "]");

        run(dir.toString());
        String first = out.toString(StandardCharsets.UTF_8);
        out.reset();
        run(dir.toString());

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo(first);
    }

    @Test
    void unreadableInput_isAMessageOnStderr_andNoFindings(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("good.json"), "[" + ROOT + "]");
        Files.writeString(dir.resolve("bad.json"), "<html>nope</html>");

        int exit = run(dir.resolve("good.json").toString(), dir.resolve("bad.json").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(out.size()).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bad.json").contains("not CloudTrail JSON");
        assertThat(run(dir.resolve("missing.json").toString())).isEqualTo(2);
    }

    @Test
    void extraRules_andConfiguredExceptions(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("events.json"), "[" + QUIET + "," + ROOT + "]");
        Path rules = Files.createDirectories(dir.resolve("rules"));
        Files.writeString(rules.resolve("s3-read.yaml"), """
                id: s3-read
                title: An object was read
                description: For the test.
                severity: info
                category: config-change
                maturity: incubating
                match: {all: [{field: eventSource, equals: s3.amazonaws.com}, {field: eventName, equals: GetObject}]}
                tests:
                  - {name: read, expect: match, event: {eventID: a, eventTime: "2026-03-02T10:00:00Z", eventSource: s3.amazonaws.com, eventName: GetObject}}
                  - {name: write, expect: no-match, event: {eventID: b, eventTime: "2026-03-02T10:00:00Z", eventSource: s3.amazonaws.com, eventName: PutObject}}
                """);
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "exceptions:\n  sourceCidrs: [198.51.100.0/24]\n");

        assertThat(run("--rules", rules.toString(), "--config", config.toString(), dir.resolve("events.json").toString())).isZero();

        assertThat(findings()).extracting(f -> f.get("ruleId").asText()).containsExactly("s3-read");
    }

    private int run(String... args) {
        return Trailwatch.commandLine()
                .setOut(new PrintWriter(out, true, StandardCharsets.UTF_8))
                .setErr(new PrintWriter(err, true, StandardCharsets.UTF_8))
                .execute(java.util.stream.Stream.concat(java.util.stream.Stream.of("detect"), java.util.stream.Stream.of(args))
                        .toArray(String[]::new));
    }

    private List<JsonNode> findings() {
        return out.toString(StandardCharsets.UTF_8).lines().map(l -> {
            try {
                return JSON.readTree(l);
            } catch (Exception e) {
                throw new AssertionError("not JSON on stdout: " + l, e);
            }
        }).toList();
    }

    private static byte[] gzip(String s) throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (var gz = new GZIPOutputStream(bytes)) {
            gz.write(s.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }
}

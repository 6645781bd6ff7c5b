package io.trailwatch.notify.core;

import com.fasterxml.jackson.databind.JsonNode;
import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a finding says: the Slack Block Kit message field by field, subjects, signatures, storms, back-off. */
class MessagesTest {

    private final Finding f = TestFindings.stopLogging();

    @Test
    void slack_blockKit_fieldByField() {
        JsonNode msg = Messages.slack(f, "https://console.aws.amazon.com");

        assertThat(msg.get("text").asText()).isEqualTo(":red_circle: [HIGH] CloudTrail logging was stopped (account 111122223333)");
        JsonNode att = msg.get("attachments").get(0);
        assertThat(att.get("color").asText()).isEqualTo("#D62728");
        JsonNode blocks = att.get("blocks");
        assertThat(blocks.get(0).get("type").asText()).isEqualTo("header");
        assertThat(blocks.get(0).get("text").get("text").asText()).isEqualTo(":red_circle: HIGH: CloudTrail logging was stopped");
        JsonNode fields = blocks.get(1).get("fields");
        assertThat(fields.get(0).get("text").asText()).isEqualTo("*Who*\narn:aws:sts::111122223333:assumed-role/Operator/ana");
        assertThat(fields.get(1).get("text").asText()).isEqualTo("*What*\ncloudtrail.amazonaws.com StopLogging");
        assertThat(fields.get(2).get("text").asText()).isEqualTo("*Where*\naccount 111122223333, eu-west-1, from 203.0.113.77");
        assertThat(fields.get(3).get("text").asText()).isEqualTo("*When*\n2026-03-02T10:02:41Z");
        assertThat(blocks.get(2).get("text").get("text").asText())
                .isEqualTo("*Request parameters*\n```name: arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events```");
        assertThat(blocks.get(3).get("elements").get(0).get("url").asText()).isEqualTo(
                "https://console.aws.amazon.com/cloudtrailv2/home?region=eu-west-1#/events/a8e1c7f2-5b9d-4f3e-8c21-77d0e4b1aa10");
        assertThat(blocks.get(4).get("text").get("text").asText()).isEqualTo("*Runbook*\n1. Start logging again.");
        assertThat(blocks.get(5).get("elements").get(0).get("text").asText())
                .isEqualTo("rule `cloudtrail-stop-logging` · category `cloudtrail-tampering` · finding `5d41402abc4b2a76b9719d911017c592`");
    }

    @Test
    void slack_integrityFinding_namesTheObject_andLinksToItInS3() {
        Finding deleted = TestFindings.logFileDeleted();

        JsonNode blocks = Messages.slack(deleted, "https://console.aws.amazon.com").get("attachments").get(0).get("blocks");

        assertThat(blocks.get(2).get("text").get("text").asText()).startsWith("*Details*\nthe digest lists this log file")
                .contains("s3://cloudtrail-logs/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/");
        JsonNode button = blocks.get(3).get("elements").get(0);
        assertThat(button.get("text").get("text").asText()).isEqualTo("Open the object in the S3 console");
        assertThat(button.get("url").asText()).isEqualTo("https://console.aws.amazon.com/s3/object/cloudtrail-logs?region=eu-west-1"
                + "&prefix=AWSLogs%2F111122223333%2FCloudTrail%2Feu-west-1%2F2026%2F03%2F02%2F111122223333_CloudTrail_eu-west-1_"
                + "20260302T1025Z_f3a9c1d07be24e58.json.gz");
        assertThat(Messages.consoleLinkText(f)).as("a CloudTrail finding still links to its event")
                .isEqualTo("Open in CloudTrail event history");
    }

    @Test
    void hostileValuesInEveryDisplayedField_canNeitherMentionNorLinkNorLeaveTheirBlock() throws Exception {
        Finding hostile;
        try (var in = getClass().getResourceAsStream("/fixtures/hostile-finding.json")) {
            hostile = io.trailwatch.model.ModelJson.newMapper().readValue(in, Finding.class);
        }

        JsonNode msg = Messages.slack(hostile, "https://console.aws.amazon.com");
        JsonNode digest = Messages.slackDigest(new Grouper.Digest("slack", "route", hostile, 3, List.of(hostile, hostile), 1, java.time.Instant.now()),
                "https://console.aws.amazon.com");

        for (JsonNode m : List.of(msg, digest)) {
            List<String> texts = m.findValuesAsText("text");
            assertThat(texts).isNotEmpty().allSatisfy(t -> assertThat(t)
                    .doesNotContain("<!channel>", "<!here>", "<@U0ADMIN>", "<!subteam", "<https://evil", "<mailto:"));
            assertThat(m.findValuesAsText("url")).allSatisfy(u -> assertThat(u).startsWith("https://console.aws.amazon.com/"));
        }
        String params = msg.get("attachments").get(0).get("blocks").get(2).get("text").get("text").asText();
        assertThat(params).startsWith("*Request parameters*\n```").endsWith("```");
        assertThat(params.split("```", -1)).as("the values cannot close the code block").hasSize(3);
        assertThat(params).contains("&lt;!channel&gt;").contains("&amp;");
        for (String link : digest.findValuesAsText("text")) {
            // the digest's only links are the console links, whose every part is URL-encoded
            assertThat(link.replaceAll("<https://console\\.aws\\.amazon\\.com/[^<>| ]*\\|event>", "")).doesNotContain("<", ">");
        }
        assertThat(Messages.subject(hostile)).as("a mail subject is one line").doesNotContain("\r", "\n");
        assertThat(msg.get("attachments").get(0).get("blocks").get(1).get("fields").get(1).get("text").asText())
                .as("a field stays one field").doesNotContain("\n*Approved").startsWith("*What*\n");
    }

    @Test
    void signatures_verifyWithTheKey_andNotWithoutIt() {
        byte[] body = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);
        String sig = Signatures.sign("k3y", 1700000000L, body);

        assertThat(sig).startsWith("v1=").hasSize(3 + 64);
        assertThat(Signatures.verify("k3y", 1700000000L, body, sig)).isTrue();
        assertThat(Signatures.verify("other", 1700000000L, body, sig)).isFalse();
        assertThat(Signatures.verify("k3y", 1700000001L, body, sig)).as("the timestamp is signed").isFalse();
    }

    @Test
    void grouper_aStormOfOneRuleAndAccount_isOneMessage_theRestHeldInOneWindow() {
        var g = new Grouper(Duration.ofMinutes(5));
        Instant t = Instant.parse("2026-03-02T10:00:00Z");
        Finding a = TestFindings.finding("1", "r", "high", "c", "111", "eu-west-1");

        assertThat(g.admit("slack", a, t)).isEmpty();
        for (int i = 2; i <= 24; i++) {
            assertThat(g.admit("slack", TestFindings.finding("" + i, "r", "high", "c", "111", "eu-west-1"), t.plusSeconds(i)))
                    .contains(new Grouper.Held("slack|r|111", t.plusSeconds(300), false));
        }
        assertThat(g.admit("email", a, t)).as("per destination").isEmpty();
        assertThat(g.admit("slack", TestFindings.finding("x", "r", "high", "c", "222", "eu-west-1"), t)).as("per account").isEmpty();
        assertThat(g.admit("slack", TestFindings.finding("25", "r", "high", "c", "111", "eu-west-1"), t.plusSeconds(301)))
                .as("a new window").isEmpty();
    }
}

package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Sigma rules for CloudTrail, written here in Sigma's format, loaded and evaluated by the engine. */
class SigmaParserTest {

    private static final Path DIR = Path.of("src/test/resources/sigma");

    @Test
    void aDirectoryOfSigmaRules_loads_withTheirMetadataMapped() throws Exception {
        List<Rule> rules = RulePack.directory(DIR);

        assertThat(rules).extracting(Rule::id).containsExactlyInAnyOrder("trail-logging-stopped",
                "root-or-admin-console-login", "cli-access-from-outside", "any-and-all-of-them");
        Rule stopped = byId(rules, "trail-logging-stopped");
        assertThat(stopped.severity()).isEqualTo(Rule.Severity.HIGH);
        assertThat(stopped.maturity()).isEqualTo(Rule.Maturity.STABLE);
        assertThat(stopped.mitre()).containsExactly("T1562.008");
        assertThat(stopped.category()).as("from its eventSource").isEqualTo("cloudtrail-tampering");
        assertThat(stopped.references()).contains("sigma:6f4e2a0c-1f3b-4c55-9c1e-2a7d0b8e9a11");
        assertThat(stopped.runbook()).contains("Trail migrations");
        assertThat(byId(rules, "root-or-admin-console-login").category()).as("its own attribute").isEqualTo("root-activity");
        assertThat(byId(rules, "cli-access-from-outside").severity()).isEqualTo(Rule.Severity.CRITICAL);
        assertThat(byId(rules, "any-and-all-of-them").maturity()).isEqualTo(Rule.Maturity.DEPRECATED);
        assertThat(new Engine(rules, Rule.Exceptions.NONE).unindexed()).as("eventName/eventSource selections index")
                .isEmpty();
    }

    @Test
    void selectionAndNotFilter() throws Exception {
        Engine engine = engine();
        assertThat(matches(engine, "{\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"DeleteTrail\",\"userIdentity\":{\"type\":\"IAMUser\"}}"))
                .containsExactly("trail-logging-stopped");
        assertThat(matches(engine, "{\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"StopLogging\",\"userIdentity\":{\"type\":\"AWSService\"}}"))
                .isEmpty();
        assertThat(matches(engine, "{\"eventSource\":\"cloudtrail.amazonaws.com\",\"eventName\":\"StartLogging\",\"userIdentity\":{\"type\":\"IAMUser\"}}"))
                .isEmpty();
    }

    @Test
    void oneOfPattern_parentheses_wildcards_andCaseInsensitiveValues() throws Exception {
        Engine engine = engine();
        String login = "{\"eventSource\":\"signin.amazonaws.com\",\"eventName\":\"ConsoleLogin\",\"responseElements\":{\"ConsoleLogin\":\"Success\"},";

        assertThat(matches(engine, login + "\"userIdentity\":{\"type\":\"Root\",\"arn\":\"arn:aws:iam::111122223333:root\"}}"))
                .containsExactly("root-or-admin-console-login");
        assertThat(matches(engine, login + "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/ANA-ADMIN\"}}"))
                .as("wildcards, regardless of case").containsExactly("root-or-admin-console-login");
        assertThat(matches(engine, login + "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/ana\"}}"))
                .isEmpty();
        assertThat(matches(engine, login.replace("Success", "Failure") + "\"userIdentity\":{\"type\":\"Root\"}}")).isEmpty();
    }

    @Test
    void re_contains_all_cidr_andNull() throws Exception {
        Engine engine = engine();
        String put = "{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"PutBucketAcl\",\"requestParameters\":{\"x-amz-acl\":\"PUBLIC-read\"},"
                + "\"userAgent\":\"aws-cli/2.15.0 Python/3.11 Linux/6.1 exe/x86_64\",";

        assertThat(matches(engine, put + "\"sourceIPAddress\":\"203.0.113.5\"}")).containsExactly("cli-access-from-outside");
        assertThat(matches(engine, put + "\"sourceIPAddress\":\"10.3.2.1\"}")).as("from the office").isEmpty();
        assertThat(matches(engine, put + "\"sourceIPAddress\":\"203.0.113.5\",\"errorCode\":\"AccessDenied\"}")).as("failed").isEmpty();
        assertThat(matches(engine, put.replace("Linux", "Darwin") + "\"sourceIPAddress\":\"203.0.113.5\"}")).as("|all").isEmpty();
        assertThat(matches(engine, put.replace("PutBucketAcl", "PutBucketPolicy") + "\"sourceIPAddress\":\"203.0.113.5\"}")).as("|re").isEmpty();
    }

    @Test
    void allOfThem_leavesOutUnderscoreSelections_andStartswithEndswithQuestionMark() throws Exception {
        Engine engine = engine();
        String create = "{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"CreateAccessKey\",\"requestParameters\":{\"userName\":\"%s\"}}";

        assertThat(matches(engine, create.formatted("reports-svc"))).containsExactly("any-and-all-of-them");
        assertThat(matches(engine, create.formatted("deploy-bot"))).containsExactly("any-and-all-of-them");
        assertThat(matches(engine, create.formatted("deploy--bot"))).isEmpty();
        assertThat(matches(engine, create.formatted("ana"))).isEmpty();
    }

    @Test
    void whatIsNotSupported_orWrong_isRefusedWithTheFileAndLine() {
        String head = "title: t\nlogsource:\n    product: aws\n    service: cloudtrail\ndetection:\n";

        assertThatThrownBy(() -> SigmaParser.parse("a.yml", head + "    sel:\n        eventName: X\n    condition: sel | count() > 5\n"))
                .hasMessageStartingWith("a.yml:8: aggregations");
        assertThatThrownBy(() -> SigmaParser.parse("b.yml", head + "    keywords:\n        - evil\n    condition: keywords\n"))
                .hasMessageContaining("b.yml:6:").hasMessageContaining("keyword search");
        assertThatThrownBy(() -> SigmaParser.parse("c.yml", head + "    sel:\n        eventName|base64: X\n    condition: sel\n"))
                .hasMessageContaining("unsupported modifier 'base64'");
        assertThatThrownBy(() -> SigmaParser.parse("d.yml", head + "    sel:\n        eventName: X\n    condition: sel and other\n"))
                .hasMessageContaining("'other', which is no selection");
        assertThatThrownBy(() -> SigmaParser.parse("e.yml", head.replace("cloudtrail", "guardduty") + "    sel:\n        x: 1\n    condition: sel\n"))
                .hasMessageContaining("only Sigma rules for product 'aws', service 'cloudtrail'");
        assertThatThrownBy(() -> SigmaParser.parse("f.yml", head + "    sel:\n        eventName: X\n    condition: (sel\n"))
                .hasMessageContaining("missing ')'");
        assertThatThrownBy(() -> SigmaParser.parse("g.yml", head + "    sel:\n        eventName: X\n    condition: sel\n"))
                .hasMessageContaining("no category follows");
        assertThatThrownBy(() -> SigmaParser.parse("h.yml", head + "    sel:\n        eventName|re: '(['\n    condition: sel\n"))
                .hasMessageContaining("does not compile");
    }

    private static Engine engine() throws Exception {
        return new Engine(RulePack.directory(DIR), Rule.Exceptions.NONE);
    }

    private static List<String> matches(Engine engine, String json) {
        CloudTrailEvent e = Events.event(json);
        return engine.matches(e).stream().map(Rule::id).toList();
    }

    private static Rule byId(List<Rule> rules, String id) {
        return rules.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }
}

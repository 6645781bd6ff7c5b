package io.trailwatch.detect.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing is strict: every mistake names the file, the line and the problem. */
class RuleParserTest {

    private static final String MATCH = "{field: eventName, equals: GetRole}";

    @Test
    void aWholeRule_isRead() throws Exception {
        String text = Events.rule("r", MATCH).replace("tests:", """
                mitre: [T1098]
                references: [https://docs.aws.amazon.com/IAM/latest/UserGuide/]
                runbook: Ask the principal.
                threshold: {count: 5, window: 10m, groupBy: [sourceIPAddress], baseline: {history: 7d, factor: 3}}
                exceptions: {principals: [arn:aws:iam::111122223333:user/ci], roleArns: [], accounts: ['444455556666'], sourceCidrs: [10.0.0.0/8]}
                tests:""");

        Rule r = RuleParser.parse("cloudtrail/iam/r.yaml", text);

        assertThat(r.id()).isEqualTo("r");
        assertThat(r.severity()).isEqualTo(Rule.Severity.MEDIUM);
        assertThat(r.maturity()).isEqualTo(Rule.Maturity.INCUBATING);
        assertThat(r.mitre()).containsExactly("T1098");
        assertThat(r.threshold().count()).isEqualTo(5);
        assertThat(r.threshold().baseline()).isEqualTo(new Rule.Baseline(Duration.ofDays(7), 3));
        assertThat(r.threshold().window()).isEqualTo(Duration.ofMinutes(10));
        assertThat(r.exceptions().accounts()).containsExactly("444455556666");
        assertThat(r.tests()).extracting(Rule.Test::expect).containsExactly(true, false);
    }

    @Test
    void firstSeen_dedup_andRequires_areRead() throws Exception {
        Rule first = RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("tests:",
                "firstSeen: {key: [recipientAccountId], value: awsRegion, learning: 14d}\ntests:"));
        Rule dedup = RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("tests:",
                "dedup: {key: [recipientAccountId, userIdentity.arn], period: 1h}\ntests:"));
        Rule geo = RuleParser.parse("r.yaml", Events.rule("r", "not: {field: country(sourceIPAddress), in: {list: allowed-countries}}")
                .replace("tests:", "requires: [geo, list:allowed-countries]\ntests:"));

        assertThat(first.firstSeen().learning()).isEqualTo(Duration.ofDays(14));
        assertThat(first.firstSeen().value()).hasToString("awsRegion");
        assertThat(first.stateful()).isTrue();
        assertThat(dedup.dedup().period()).isEqualTo(Duration.ofHours(1));
        assertThat(dedup.stateful()).isFalse();
        assertThat(geo.requires()).containsExactly("geo", "list:allowed-countries");
    }

    @Test
    void stateAndRequirementMistakes_areRefused() {
        String both = Events.rule("r", MATCH).replace("tests:", "threshold: {count: 2, window: 1m, groupBy: [sourceIPAddress]}\n"
                + "firstSeen: {key: [recipientAccountId], value: eventSource, learning: 7d}\ntests:");
        String dedupOnThreshold = Events.rule("r", MATCH).replace("tests:", "threshold: {count: 2, window: 1m, groupBy: [x]}\n"
                + "dedup: {key: [x], period: 1h}\ntests:");
        String shortHistory = Events.rule("r", MATCH).replace("tests:",
                "threshold: {count: 2, window: 1h, groupBy: [x], baseline: {history: 1h, factor: 2}}\ntests:");
        String undeclaredGeo = Events.rule("r", "{field: country(sourceIPAddress), equals: AU}");
        String badRequirement = Events.rule("r", MATCH).replace("tests:", "requires: [gps]\ntests:");

        assertThatThrownBy(() -> RuleParser.parse("r.yaml", both)).hasMessageContaining("a threshold or firstSeen, not both");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", dedupOnThreshold)).hasMessageContaining("dedup is for stateless rules");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", shortHistory)).hasMessageContaining("history must be longer");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", undeclaredGeo)).hasMessageContaining("must declare 'requires: [geo]'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", badRequirement)).hasMessageContaining("requires names 'geo' or 'list:<name>'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: lower(eventName), equals: x}")))
                .hasMessageContaining("r.yaml:8:").hasMessageContaining("unknown function 'lower'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: eventName, sameAs: ''}")))
                .hasMessageContaining("sameAs names another field");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: eventName, in: {list: Bad_Name}}")))
                .hasMessageContaining("a list name is lower-case words");
    }

    @Test
    void unknownKey_namesFileLineAndKey() {
        String text = Events.rule("r", MATCH).replace("maturity: incubating", "maturity: incubating\nseverty: high");

        assertThatThrownBy(() -> RuleParser.parse("cloudtrail/iam/r.yaml", text))
                .isInstanceOf(RuleParseException.class)
                .hasMessageStartingWith("cloudtrail/iam/r.yaml:7: unknown key 'severty'")
                .satisfies(e -> assertThat(((RuleParseException) e).line()).isEqualTo(7));
    }

    @Test
    void unknownOperator_isNamedWithItsLine() {
        String text = Events.rule("r", "all:\n  - {field: eventName, equals: GetRole}\n  - {field: eventSource, startswith: iam}");

        assertThatThrownBy(() -> RuleParser.parse("r.yaml", text))
                .hasMessageStartingWith("r.yaml:10: unknown operator 'startswith'");
    }

    @Test
    void badArguments_areRefused() {
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: eventName, regex: '([a-z'}")))
                .hasMessageContaining("r.yaml:8:").hasMessageContaining("does not compile");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: userAgent, regex: '^(?!aws-cli)'}")))
                .as("lookaround cannot run in linear time").hasMessageContaining("r.yaml:8:")
                .hasMessageContaining("linear-time");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: userAgent, regex: '(a+)\\1'}")))
                .as("nor can a backreference").hasMessageContaining("r.yaml:8:");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: sourceIPAddress, cidr: 10.0.0.0/33}")))
                .hasMessageContaining("prefix length");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: x, gt: ten}")))
                .hasMessageContaining("gt needs a number");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: x, equals: a, in: [b]}")))
                .hasMessageContaining("one operator per predicate");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: x}")))
                .hasMessageContaining("has no operator");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: x, exists: maybe}")))
                .hasMessageContaining("exists is true or false");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{field: x, equals: a, quantifier: most}")))
                .hasMessageContaining("quantifier is any or all");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", "{all: []}")))
                .hasMessageContaining("all needs a non-empty list");
    }

    @Test
    void metadata_isChecked() {
        assertThatThrownBy(() -> RuleParser.parse("other.yaml", Events.rule("r", MATCH)))
                .hasMessageContaining("does not match the file name 'other'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("iam-change", "iam-changes")))
                .hasMessageContaining("r.yaml:5: unknown category 'iam-changes'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("severity: medium", "severity: urgent")))
                .hasMessageContaining("severity is one of [info, low, medium, high, critical]");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("title: A test rule\n", "")))
                .hasMessageContaining("missing required key 'title'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("tests:", "dedup: {key: [x], period: soon}\ntests:")))
                .hasMessageContaining("period is a duration like 30s, 15m, 1h or 7d");
    }

    @Test
    void tests_needAMatchAndANoMatchCase() {
        String onlyMatches = Events.rule("r", MATCH).replace("expect: no-match", "expect: match");

        assertThatThrownBy(() -> RuleParser.parse("r.yaml", onlyMatches)).hasMessageContaining("at least one match and one no-match");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("expect: no-match", "expect: nope")))
                .hasMessageContaining("expect is match, no-match or attempt");
    }

    @Test
    void attempts_areBelowTheSeverity_onSuccessfulCallsOnly_andTested() {
        String withSuccess = Events.rule("r", "all:\n  - {field: eventName, equals: GetRole}\n  - {field: errorCode, exists: false}");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", withSuccess.replace("severity: medium", "severity: medium\nattempts: high")))
                .hasMessageContaining("lower than the rule's MEDIUM");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("severity: medium", "severity: medium\nattempts: low")))
                .hasMessageContaining("add {field: errorCode, exists: false}");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", withSuccess.replace("severity: medium", "severity: medium\nattempts: low")))
                .hasMessageContaining("needs a test case with 'expect: attempt'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("expect: match", "expect: attempt")))
                .hasMessageContaining("'expect: attempt' needs the rule's 'attempts' severity");
    }

    @Test
    void aDistinctThreshold_hasNoBaseline() {
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("tests:",
                "threshold: {count: 3, window: 10m, groupBy: [userIdentity.arn], distinct: eventName, baseline: {history: 7d, factor: 2}}\ntests:")))
                .hasMessageContaining("a distinct threshold has none");
    }

    @Test
    void techniquesAndCisControls_areCheckedNames() throws Exception {
        Rule r = RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("maturity:", "techniques: [aws.defense-evasion.cloudtrail-stop]\ncis: ['4.10']\nmaturity:"));
        assertThat(r.techniques()).containsExactly("aws.defense-evasion.cloudtrail-stop");
        assertThat(r.cis()).containsExactly("4.10");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("maturity:", "techniques: [cloudtrail-stop]\nmaturity:")))
                .hasMessageContaining("is no technique id");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("maturity:", "cis: [4.10]\nmaturity:")))
                .hasMessageContaining("write CIS controls quoted");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("maturity:", "cis: ['4.99']\nmaturity:")))
                .hasMessageContaining("'4.99' is no CIS monitoring control");
    }

    @Test
    void yamlErrors_andDuplicateKeys_haveLines() {
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", "id: r\ntitle: [unclosed\n"))
                .hasMessageStartingWith("r.yaml:").hasMessageContaining("not valid YAML");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", Events.rule("r", MATCH).replace("severity: medium", "severity: medium\nseverity: low")))
                .hasMessageContaining("duplicate key 'severity'");
        assertThatThrownBy(() -> RuleParser.parse("r.yaml", "")).hasMessageContaining("empty");
    }
}

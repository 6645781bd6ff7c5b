package io.trailwatch.detect.engine;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class EngineTest {

    @Test
    void index_runsOnlyTheRulesAnEventCanMatch() throws Exception {
        Rule byName = RuleParser.parse("a.yaml", Events.rule("a", "{all: [{field: eventSource, equals: iam.amazonaws.com}, {field: eventName, in: [GetRole, ListRoles]}]}"));
        Rule bySource = RuleParser.parse("b.yaml", Events.rule("b", "{field: eventSource, equals: iam.amazonaws.com}"));
        Rule anyEvent = RuleParser.parse("c.yaml", Events.rule("c", "{field: errorCode, exists: true}"));
        Rule either = RuleParser.parse("d.yaml", Events.rule("d", "{any: [{field: eventName, equals: GetRole}, {field: eventName, equals: StopLogging}]}"));
        var engine = new Engine(List.of(byName, bySource, anyEvent, either), Rule.Exceptions.NONE);

        assertThat(engine.candidates(Events.event("{\"eventSource\":\"iam.amazonaws.com\",\"eventName\":\"GetRole\"}"))).isEqualTo(4);
        assertThat(engine.candidates(Events.event("{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\"}"))).isEqualTo(1);
        assertThat(engine.matches(Events.event("{\"eventName\":\"GetRole\"}"))).extracting(Rule::id).containsExactly("a", "d", "b");
        assertThat(engine.matches(Events.event("{\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"errorCode\":\"AccessDenied\"}")))
                .extracting(Rule::id).containsExactly("c");
    }

    @Test
    void rulesOnErrorCodesOrEventTypes_areIndexedByThem() throws Exception {
        Rule denied = RuleParser.parse("a.yaml", Events.rule("a", "{field: errorCode, in: [AccessDenied, UnauthorizedOperation]}"));
        Rule insight = RuleParser.parse("b.yaml", Events.rule("b", "{all: [{field: eventType, equals: AwsCloudTrailInsight}, {field: insightDetails.state, equals: Start}]}"));
        var engine = new Engine(List.of(denied, insight), Rule.Exceptions.NONE);

        assertThat(engine.unindexed()).isEmpty();
        assertThat(engine.candidates(Events.event("{\"eventName\":\"GetObject\"}"))).isZero();
        assertThat(engine.matches(Events.event("{\"errorCode\":\"AccessDenied\"}"))).extracting(Rule::id).containsExactly("a");
        assertThat(engine.matches(Events.event("{\"eventType\":\"AwsCloudTrailInsight\",\"insightDetails\":{\"state\":\"Start\"}}")))
                .extracting(Rule::id).containsExactly("b");
    }

    @Test
    void exceptions_ofTheRuleAndOfTheDeployment_silenceIt() throws Exception {
        Rule rule = RuleParser.parse("a.yaml", Events.rule("a", "{field: eventName, equals: GetRole}")
                .replace("tests:", "exceptions: {principals: [arn:aws:iam::111122223333:user/ci]}\ntests:"));
        var plain = new Engine(List.of(rule), Rule.Exceptions.NONE);
        var deployment = new Engine(List.of(rule), new Rule.Exceptions(Set.of(), Set.of("arn:aws:iam::111122223333:role/Ops"),
                Set.of("999988887777"), List.of("198.51.100.0/24")));

        assertThat(plain.matches(Events.event("{\"userIdentity\":{\"arn\":\"arn:aws:iam::111122223333:user/ci\"}}"))).isEmpty();
        assertThat(plain.matches(Events.event("{\"userIdentity\":{\"arn\":\"arn:aws:iam::111122223333:user/eve\"}}"))).hasSize(1);
        assertThat(deployment.matches(Events.event("{\"userIdentity\":{\"sessionContext\":{\"sessionIssuer\":{\"arn\":\"arn:aws:iam::111122223333:role/Ops\"}}}}"))).isEmpty();
        assertThat(deployment.matches(Events.event("{\"recipientAccountId\":\"999988887777\"}"))).isEmpty();
        assertThat(deployment.matches(Events.event("{\"sourceIPAddress\":\"198.51.100.7\"}"))).isEmpty();
        assertThat(deployment.matches(Events.event("{\"sourceIPAddress\":\"203.0.113.7\"}"))).hasSize(1);
    }

    @Test
    void aRuleFoundByTheIndex_isTestedOnWhatTheLookupDidNotDecide() throws Exception {
        // indexed by eventName {GetRole, ListRoles}: the lookup decides neither branch of the any, so both stay tested
        Rule either = RuleParser.parse("a.yaml", Events.rule("a", "{any: [{all: [{field: eventName, equals: GetRole}, "
                + "{field: userIdentity.type, equals: Root}]}, {field: eventName, equals: ListRoles}]}"));
        // indexed by eventName inside an all of an all: the rest (the caller's type) is still tested
        Rule nested = RuleParser.parse("b.yaml", Events.rule("b", "{all: [{all: [{field: eventName, equals: GetRole}, "
                + "{field: userIdentity.type, equals: AssumedRole}]}, {field: eventSource, equals: iam.amazonaws.com}]}"));
        var engine = new Engine(List.of(either, nested), Rule.Exceptions.NONE);

        assertThat(engine.matches(Events.event("{\"eventName\":\"GetRole\",\"userIdentity\":{\"type\":\"IAMUser\"}}"))).isEmpty();
        assertThat(engine.matches(Events.event("{\"eventName\":\"GetRole\",\"userIdentity\":{\"type\":\"Root\"}}")))
                .extracting(Rule::id).containsExactly("a");
        assertThat(engine.matches(Events.event("{\"eventName\":\"ListRoles\",\"userIdentity\":{\"type\":\"IAMUser\"}}")))
                .extracting(Rule::id).containsExactly("a");
        assertThat(engine.matches(Events.event("{\"eventName\":\"GetRole\",\"userIdentity\":{\"type\":\"AssumedRole\"}}")))
                .extracting(Rule::id).containsExactly("b");
        assertThat(engine.matches(Events.event("{\"eventName\":\"GetRole\",\"eventSource\":\"sts.amazonaws.com\","
                + "\"userIdentity\":{\"type\":\"AssumedRole\"}}"))).isEmpty();
    }
}

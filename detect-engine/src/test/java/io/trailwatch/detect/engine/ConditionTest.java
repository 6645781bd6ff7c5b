package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Every operator, the quantifiers, combinators, and paths into JSON held in strings. */
class ConditionTest {

    private static final CloudTrailEvent SG = Events.event("""
            {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","sourceIPAddress":"203.0.113.77",
             "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Operator/ana",
               "sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::111122223333:role/Operator"}}},
             "recipientAccountId":"111122223333",
             "requestParameters":{"groupId":"sg-1","ipPermissions":{"items":[
               {"fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"0.0.0.0/0"}]}},
               {"fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"10.1.0.0/16"}]}}]}}}
            """);
    private static final CloudTrailEvent POLICY = Events.event("""
            {"eventName":"PutUserPolicy","sourceIPAddress":"2001:db8::17",
             "requestParameters":{"policyDocument":"{\\"Version\\":\\"2012-10-17\\",\\"Statement\\":[{\\"Effect\\":\\"Allow\\",\\"Action\\":\\"*\\",\\"Resource\\":\\"*\\"}]}"}}
            """);

    @Test
    void equals_in_andIgnoreCase() throws Exception {
        assertThat(holds(SG, "{field: eventName, equals: AuthorizeSecurityGroupIngress}")).isTrue();
        assertThat(holds(SG, "{field: eventName, equals: authorizesecuritygroupingress}")).isFalse();
        assertThat(holds(SG, "{field: eventName, equals: authorizesecuritygroupingress, ignoreCase: true}")).isTrue();
        assertThat(holds(SG, "{field: eventName, in: [RevokeSecurityGroupIngress, AuthorizeSecurityGroupIngress]}")).isTrue();
        assertThat(holds(SG, "{field: eventName, in: [RevokeSecurityGroupIngress]}")).isFalse();
    }

    @Test
    void prefix_suffix_contains_regex() throws Exception {
        assertThat(holds(SG, "{field: userIdentity.arn, prefix: 'arn:aws:sts::'}")).isTrue();
        assertThat(holds(SG, "{field: userIdentity.arn, suffix: [/bob, /ana]}")).isTrue();
        assertThat(holds(SG, "{field: userIdentity.arn, contains: assumed-role/Operator}")).isTrue();
        assertThat(holds(SG, "{field: userIdentity.arn, contains: ADMIN, ignoreCase: true}")).isFalse();
        assertThat(holds(SG, "{field: userIdentity.arn, regex: '^arn:aws:sts::\\d{12}:assumed-role/'}")).isTrue();
    }

    @Test
    void aPathologicalRegex_onALongAttackerChosenValue_doesNotStallTheEngine() throws Exception {
        // (.*a){25} against 24 a's and 400 other characters backtracks for minutes with java.util.regex; RE2 is linear
        String agent = "a".repeat(24) + "b".repeat(400);
        CloudTrailEvent event = Events.event("{\"eventName\":\"GetObject\",\"userAgent\":\"" + agent + "\"}");

        boolean[] matched = new boolean[1];
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(30),
                () -> matched[0] = holds(event, "{field: userAgent, regex: '(.*a){25}'}"));

        assertThat(matched[0]).isFalse();
        assertThat(holds(event, "{field: userAgent, regex: '(.*a){24}'}")).isTrue();
    }

    @Test
    void wildcardsOfSigma_matchAsBefore_underLinearTimeMatching() throws Exception {
        assertThat(holds(SG, "{field: userIdentity.arn, regex: '(?s)^\\Qarn:aws:sts::\\E.*\\Q:assumed-role/\\E.*$'}")).isTrue();
        assertThat(holds(SG, "{field: sourceIPAddress, regex: '^203\\.0\\.113\\.\\d+$'}")).isTrue();
    }

    @Test
    void pathsFanOutOverArrays_anyByDefault_allOnRequest() throws Exception {
        String anyOpen = "{field: requestParameters.ipPermissions.items.ipRanges.items.cidrIp, equals: 0.0.0.0/0}";
        String allPrivate = "{field: requestParameters.ipPermissions.items.ipRanges.items.cidrIp, prefix: '10.', quantifier: all}";

        assertThat(holds(SG, anyOpen)).isTrue();
        assertThat(holds(SG, allPrivate)).isFalse();
        assertThat(holds(SG, "{field: requestParameters.ipPermissions.items.fromPort, quantifier: all, gte: 22}")).isTrue();
    }

    @Test
    void numbers_compareNumerically() throws Exception {
        assertThat(holds(SG, "{field: requestParameters.ipPermissions.items.toPort, gt: 400}")).isTrue();
        assertThat(holds(SG, "{field: requestParameters.ipPermissions.items.toPort, lt: 22}")).isFalse();
        assertThat(holds(SG, "{field: requestParameters.ipPermissions.items.toPort, lte: 22}")).isTrue();
    }

    @Test
    void cidr_matchesIpv4AndIpv6_andNeverHostNames() throws Exception {
        assertThat(holds(SG, "{field: sourceIPAddress, cidr: 203.0.113.0/24}")).isTrue();
        assertThat(holds(SG, "{field: sourceIPAddress, cidr: [198.51.100.0/24, 192.0.2.0/24]}")).isFalse();
        assertThat(holds(POLICY, "{field: sourceIPAddress, cidr: '2001:db8::/32'}")).isTrue();
        assertThat(holds(Events.event("{\"sourceIPAddress\":\"cloudtrail.amazonaws.com\"}"), "{field: sourceIPAddress, cidr: 0.0.0.0/0}")).isFalse();
    }

    @Test
    void exists() throws Exception {
        assertThat(holds(SG, "{field: requestParameters.groupId, exists: true}")).isTrue();
        assertThat(holds(SG, "{field: errorCode, exists: false}")).isTrue();
        assertThat(holds(SG, "{field: errorCode, exists: true}")).isFalse();
    }

    @Test
    void policyDocumentsHeldInStrings_areEnteredAsJson() throws Exception {
        assertThat(holds(POLICY, "{field: requestParameters.policyDocument.Statement.Action, equals: '*'}")).isTrue();
        assertThat(holds(POLICY, "{field: requestParameters.policyDocument.Statement.Effect, equals: Deny}")).isFalse();
    }

    @Test
    void normalizedFields_areReachableToo() throws Exception {
        assertThat(holds(SG, "{field: accountId, equals: '111122223333'}")).isTrue();
        assertThat(holds(SG, "{field: principal.sessionIssuer.arn, suffix: role/Operator}")).isTrue();
        assertThat(holds(SG, "{field: sourceIp, equals: 203.0.113.77}")).isTrue();
    }

    @Test
    void all_any_not() throws Exception {
        assertThat(holds(SG, "{all: [{field: eventName, equals: AuthorizeSecurityGroupIngress}, {not: {field: errorCode, exists: true}}]}")).isTrue();
        assertThat(holds(SG, "{any: [{field: eventName, equals: X}, {field: eventName, equals: Y}]}")).isFalse();
        assertThat(holds(SG, "{not: {any: [{field: eventName, equals: X}, {field: eventSource, equals: ec2.amazonaws.com}]}}")).isFalse();
    }

    @Test
    void sameAs_comparesTwoFieldsOfTheEvent_andArnAccount_takesTheAccountOfAnArn() throws Exception {
        CloudTrailEvent assume = Events.event("""
                {"eventSource":"sts.amazonaws.com","eventName":"AssumeRole","recipientAccountId":"111122223333",
                 "userIdentity":{"type":"AssumedRole","accountId":"999988887777"},
                 "requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/Deploy","roleSessionName":"x"}}
                """);

        assertThat(holds(assume, "{field: arnAccount(requestParameters.roleArn), equals: '111122223333'}")).isTrue();
        assertThat(holds(assume, "{field: arnAccount(requestParameters.roleArn), sameAs: recipientAccountId}")).isTrue();
        assertThat(holds(assume, "{field: userIdentity.accountId, sameAs: arnAccount(requestParameters.roleArn)}")).isFalse();
        assertThat(holds(assume, "{field: userIdentity.missing, sameAs: recipientAccountId}")).isFalse();
        CloudTrailEvent grants = Events.event("""
                {"recipientAccountId":"111122223333","requestParameters":{"bucketPolicy":{"Statement":[
                  {"Principal":{"AWS":"arn:aws:iam::111122223333:role/app"}},{"Principal":{"AWS":"arn:aws:iam::999988887777:root"}}]}}}
                """);
        assertThat(holds(grants, "{field: arnAccount(requestParameters.bucketPolicy.Statement.Principal.AWS), sameAs: recipientAccountId}"))
                .as("some principal is of this account").isTrue();
        assertThat(holds(grants, "{field: arnAccount(requestParameters.bucketPolicy.Statement.Principal.AWS), sameAs: recipientAccountId, quantifier: all}"))
                .as("not every principal is").isFalse();
        assertThat(holds(assume, "{field: arnAccount(requestParameters.roleSessionName), exists: true}")).as("not an ARN").isFalse();
    }

    @Test
    void inList_readsTheDeploymentsLists_andCountry_looksUpTheDeploymentsDatabase() throws Exception {
        GeoDb geo = ip -> ip.startsWith("203.0.113.") ? "AU" : ip.startsWith("198.51.100.") ? "NZ" : null;
        var context = new Engine.Context(geo, java.util.Map.of("allowed-countries", java.util.Set.of("AU"),
                "trusted-accounts", java.util.Set.of("111122223333")));
        CloudTrailEvent fromNz = Events.event("{\"sourceIPAddress\":\"198.51.100.4\",\"recipientAccountId\":\"111122223333\"}");

        assertThat(holds(SG, "{field: country(sourceIPAddress), in: {list: allowed-countries}}", context)).isTrue();
        assertThat(holds(fromNz, "{field: country(sourceIPAddress), in: {list: allowed-countries}}", context)).isFalse();
        assertThat(holds(fromNz, "{field: country(sourceIPAddress), equals: NZ}", context)).isTrue();
        assertThat(holds(POLICY, "{field: country(sourceIPAddress), exists: true}", context)).as("not in the database").isFalse();
        assertThat(holds(fromNz, "{field: recipientAccountId, in: {list: trusted-accounts}}", context)).isTrue();
        assertThat(holds(fromNz, "{field: recipientAccountId, in: {list: unconfigured}}", context)).isFalse();
    }

    private static boolean holds(CloudTrailEvent event, String match) throws RuleParseException {
        return holds(event, match, Engine.Context.NONE);
    }

    private static boolean holds(CloudTrailEvent event, String match, Engine.Context context) throws RuleParseException {
        String text = Events.rule("t", match);
        if (match.contains("country(")) {
            text = text.replace("tests:", "requires: [geo]\ntests:");
        }
        Rule rule = RuleParser.parse("t.yaml", text);
        return rule.match().test(new EventView(event, context));
    }
}

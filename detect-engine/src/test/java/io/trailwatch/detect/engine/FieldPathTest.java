package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.JsonNode;
import io.trailwatch.model.CloudTrailEvent;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A path's test, which walks the event and stops at the first value that decides, answers as testing each value it
 * reaches would; and the parsers the functions and operators use on values (ARNs, IPv4 addresses) read exactly the
 * forms they document.
 */
class FieldPathTest {

    private static final CloudTrailEvent EVENT = Events.event("""
            {"eventSource":"ec2.amazonaws.com","eventName":"AuthorizeSecurityGroupIngress","sourceIPAddress":"203.0.113.77",
             "errorCode":"Client.UnauthorizedOperation",
             "userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/Operator/ana"},
             "recipientAccountId":"111122223333",
             "requestParameters":{"groupId":"sg-1","empty":[],"nothing":null,
               "policy":"{\\"Statement\\":[{\\"Effect\\":\\"Allow\\"},{\\"Effect\\":\\"Deny\\"}]}",
               "ipPermissions":{"items":[
                 {"fromPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"0.0.0.0/0"},{"cidrIp":null}]}},
                 {"fromPort":443,"ipRanges":{"items":[{"cidrIp":"10.1.0.0/16"}]}},
                 {"fromPort":8080}]}}}
            """);

    private static final List<String> PATHS = List.of(
            "eventName", "errorCode", "accountId", "sourceIp", "eventId", "principal.type", "raw.eventName",
            "requestParameters.groupId", "requestParameters.empty", "requestParameters.nothing", "requestParameters.absent",
            "requestParameters.ipPermissions.items.fromPort", "requestParameters.ipPermissions.items.ipRanges.items.cidrIp",
            "requestParameters.policy.Statement.Effect", "requestParameters.groupId.deeper",
            "arnAccount(userIdentity.arn)", "arnName(userIdentity.arn)",
            "requestParameters.absent|requestParameters.ipPermissions.items.fromPort");

    private static final List<Predicate<JsonNode>> TESTS = List.of(
            v -> true, v -> false,
            v -> v.asText().startsWith("10."), v -> v.asText().startsWith("0"), v -> v.asInt() > 100,
            v -> v.asText().equals("Allow"), v -> v.asText().equals("111122223333"));

    @Test
    void testingAPath_answersAsTestingEachValueItReaches_forEveryQuantifier() {
        for (boolean asIfAllowed : new boolean[] {false, true}) {
            EventView view = asIfAllowed ? new EventView(EVENT).asIfAllowed() : new EventView(EVENT);
            for (String text : PATHS) {
                FieldPath path = FieldPath.of(text);
                for (int t = 0; t < TESTS.size(); t++) {
                    Predicate<JsonNode> test = TESTS.get(t);
                    List<JsonNode> values = path.values(view);
                    boolean any = values.stream().anyMatch(test);
                    boolean all = !values.isEmpty() && values.stream().allMatch(test);
                    assertThat(path.test(view, test, false)).as("any, %s, test %d, %s", text, t, values).isEqualTo(any);
                    assertThat(path.test(view, test, true)).as("all, %s, test %d, %s", text, t, values).isEqualTo(all);
                }
            }
        }
    }

    @Test
    void theWalk_reachesWhatTheRecordHolds_insideArraysAndPoliciesHeldInStrings() {
        var view = new EventView(EVENT);
        assertThat(FieldPath.of("requestParameters.ipPermissions.items.ipRanges.items.cidrIp").values(view))
                .extracting(JsonNode::asText).containsExactly("10.0.0.0/8", "0.0.0.0/0", "10.1.0.0/16");
        assertThat(FieldPath.of("requestParameters.policy.Statement.Effect").values(view))
                .extracting(JsonNode::asText).containsExactly("Allow", "Deny");
        assertThat(FieldPath.of("errorCode").values(view.asIfAllowed())).isEmpty();
        assertThat(FieldPath.of("principal.type").values(view)).extracting(JsonNode::asText).containsExactly("AssumedRole");
    }

    @Test
    void anEventWithManyPoliciesInStrings_hasEachParsedOnce_andFoundAgainByEveryPathThatReachesIt() {
        var statements = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            statements.append(i == 0 ? "" : ",").append("\"{\\\"Sid\\\":\\\"s").append(i).append("\\\"}\"");
        }
        var view = new EventView(Events.event("{\"requestParameters\":{\"policies\":[" + statements + "]}}"));
        FieldPath sid = FieldPath.of("requestParameters.policies.Sid");

        List<JsonNode> first = sid.values(view);
        List<JsonNode> again = sid.values(view);

        assertThat(first).extracting(JsonNode::asText).hasSize(40).startsWith("s0", "s1").endsWith("s39");
        for (int i = 0; i < first.size(); i++) {
            assertThat(again.get(i)).as("the same document, not parsed again").isSameAs(first.get(i));
        }
        assertThat(sid.test(view, v -> v.asText().equals("s39"), false)).isTrue();
        assertThat(sid.test(view, v -> v.asText().startsWith("s"), true)).isTrue();
    }

    @Test
    void arnParts_countColonsUpToTheResource_whichKeepsItsOwn() {
        String role = "arn:aws:iam::111122223333:role/path/Admin";
        assertThat(FieldPath.arnPart(role, 1)).isEqualTo("aws");
        assertThat(FieldPath.arnPart(role, 2)).isEqualTo("iam");
        assertThat(FieldPath.arnPart(role, 3)).isEmpty();
        assertThat(FieldPath.arnPart(role, 4)).isEqualTo("111122223333");
        assertThat(FieldPath.arnPart(role, 5)).isEqualTo("role/path/Admin");
        assertThat(FieldPath.arnPart("arn:aws:lambda:eu-west-1:111122223333:function:f:PROD", 5)).isEqualTo("function:f:PROD");
        assertThat(FieldPath.arnPart("arn:aws:s3:::bucket", 4)).as("a bucket's ARN has no account").isEmpty();
        assertThat(FieldPath.arnPart("arn:aws:s3:::bucket", 5)).isEqualTo("bucket");
        assertThat(FieldPath.arnPart("arn:aws:sns:us-east-1:111122223333", 4)).as("four colons: no resource").isNull();
        assertThat(FieldPath.arnPart("arn:aws:sns:us-east-1:111122223333", 5)).isNull();
        assertThat(FieldPath.arnPart("arn:aws:s3:::", 5)).as("an empty resource").isEmpty();
        assertThat(FieldPath.arnPart("arn:aws:s3::::", 5)).as("a colon after the fifth belongs to the resource").isEqualTo(":");
        assertThat(FieldPath.arnPart("urn:aws:iam::111122223333:role/x", 4)).isNull();
        assertThat(FieldPath.arnPart("arn", 4)).isNull();
    }

    @Test
    void ipv4Addresses_areFourPartsOfOneToThreeDigitsUpTo255_andNothingElse() {
        assertThat(Operators.Cidr.address("203.0.113.7")).containsExactly(203, 0, 113, 7);
        assertThat(Operators.Cidr.address(" 10.0.0.255 ")).containsExactly(10, 0, 0, (byte) 255);
        assertThat(Operators.Cidr.address("010.001.000.001")).containsExactly(10, 1, 0, 1);
        for (String bad : List.of("", ".", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1.2.3.4.5", "1..3.4", "256.1.1.1", "1.2.3.1000",
                "0001.2.3.4", "1.2.3.x", "ec2.amazonaws.com", "AWS Internal", "-1.2.3.4", "1.2.3.4/32")) {
            assertThat(Operators.Cidr.address(bad)).as(bad).isNull();
        }
    }
}

package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

import static io.trailwatch.deploy.TrailwatchStackTest.iam;
import static io.trailwatch.deploy.TrailwatchStackTest.strings;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * deploy/aws/member-account.yaml, as a StackSet creates it in each account and region: a trail in the home region of
 * member accounts, and a rule forwarding CloudTrail events to the central bus everywhere but where trailwatch.yaml's
 * rule already is.
 */
class MemberAccountStackTest {

    static final String CENTRAL = "111122223333";
    static final String MEMBER = "444455556666";
    static final String HOME = "eu-west-1";
    static final String BUS = "arn:aws:events:" + HOME + ":" + CENTRAL + ":event-bus/default";

    static Stack in(String account, String region, Map<String, String> parameters) {
        Map<String, String> all = new HashMap<>(Map.of("AWS::AccountId", account, "AWS::Region", region, "CentralAccountId", CENTRAL,
                "HomeRegion", HOME, "TrailBucketName", "trailwatch-cloudtrail-" + CENTRAL + "-" + HOME,
                "TrailKmsKeyArn", "arn:aws:kms:" + HOME + ":" + CENTRAL + ":key/TrailKey"));
        all.putAll(parameters);
        return Stack.deploy("member-account.yaml", all);
    }

    @Test
    void aMemberAccountsHomeRegion_hasAValidatedMultiRegionTrail_deliveringToTheCentralBucketWithTheCentralKey() {
        JsonNode trail = in(MEMBER, HOME, Map.of()).properties("Trail");

        assertThat(trail.path("TrailName").asText()).isEqualTo("trailwatch");
        assertThat(trail.path("S3BucketName").asText()).isEqualTo("trailwatch-cloudtrail-" + CENTRAL + "-" + HOME);
        assertThat(trail.path("KMSKeyId").asText()).isEqualTo("arn:aws:kms:" + HOME + ":" + CENTRAL + ":key/TrailKey");
        assertThat(trail.path("IsMultiRegionTrail").asBoolean()).isTrue();
        assertThat(trail.path("EnableLogFileValidation").asBoolean()).isTrue();
        assertThat(trail.path("IncludeGlobalServiceEvents").asBoolean()).isTrue();
    }

    @Test
    void thereIsOneTrailPerAccount_andNoneUnderAnOrganizationTrail_orInTheCentralAccount() {
        assertThat(in(MEMBER, "us-east-1", Map.of()).has("Trail")).isFalse();
        assertThat(in(MEMBER, HOME, Map.of("CreateTrail", "false")).has("Trail")).isFalse();
        assertThat(in(CENTRAL, HOME, Map.of()).has("Trail")).isFalse();
    }

    @Test
    void everyRegion_forwardsCloudTrailEventsToTheCentralBus_withDeployIamsPattern_andADeadLetterQueue() throws IOException {
        Stack stack = in(MEMBER, "us-east-1", Map.of());
        JsonNode rule = stack.properties("ForwardRule");

        assertThat(rule.path("EventPattern")).isEqualTo(iam("eventbridge-rule-pattern.json", Map.of()));
        JsonNode target = rule.path("Targets").get(0);
        assertThat(target.path("Arn").asText()).isEqualTo(BUS);
        assertThat(target.path("RoleArn").asText()).isEqualTo(stack.arn("ForwardRole"));
        assertThat(target.at("/DeadLetterConfig/Arn").asText()).isEqualTo(stack.arn("ForwardDeadLetterQueue"));
        JsonNode put = stack.properties("ForwardRole").at("/Policies/0/PolicyDocument/Statement");
        assertThat(put).hasSize(1);
        assertThat(put.at("/0/Action").asText()).isEqualTo("events:PutEvents");
        assertThat(put.at("/0/Resource").asText()).isEqualTo(BUS);
        JsonNode trust = stack.properties("ForwardRole").at("/AssumeRolePolicyDocument/Statement/0");
        assertThat(trust.at("/Principal/Service").asText()).isEqualTo("events.amazonaws.com");
        assertThat(trust.at("/Condition/ArnEquals/aws:SourceArn").asText()).isEqualTo(stack.arn("ForwardRule"));
        JsonNode dlq = TrailwatchStackTest.statement(stack.policy("ForwardDeadLetterQueuePolicy", "PolicyDocument"),
                "OnlyTheForwardingRuleSendsUndeliveredEvents");
        assertThat(dlq.at("/Condition/ArnEquals/aws:SourceArn").asText()).isEqualTo(stack.arn("ForwardRule"));
        assertThat(stack.properties("ForwardDeadLetterQueue").path("SqsManagedSseEnabled").asBoolean()).isTrue();
    }

    @Test
    void theCentralAccountsOtherRegions_forwardToo_butItsHomeRegionDoesNotForwardToItself() {
        assertThat(in(CENTRAL, "us-east-1", Map.of()).has("ForwardRule")).isTrue();
        assertThat(in(CENTRAL, HOME, Map.of()).ofType("AWS::Events::Rule")).isEmpty();
        // CloudFormation fails a stack that creates nothing: a StackSet instance there would fail the whole operation
        assertThat(in(CENTRAL, HOME, Map.of()).created()).containsExactly("StackInstance");
        assertThat(in(MEMBER, "us-east-1", Map.of("ForwardEvents", "false")).created()).isNotEmpty();
        assertThat(in(MEMBER, HOME, Map.of()).has("ForwardRule")).isTrue();
        assertThat(in(MEMBER, HOME, Map.of("ForwardEvents", "false")).ofType("AWS::Events::Rule")).isEmpty();
    }

    @Test
    void theCentralStack_admitsTheMembersTrailsAndForwardedEvents_byTheSameNamesThisStackUses() {
        Stack central = TrailwatchStackTest.deploy(Map.of("MemberAccountIds", MEMBER));
        Stack member = in(MEMBER, HOME, Map.of());
        String memberTrail = member.arn("Trail");

        JsonNode write = TrailwatchStackTest.statement(central.policy("LogBucketPolicy", "PolicyDocument"), "MemberAccountsTrailsWriteTheirLogFiles");
        assertThat(memberTrail).matches(write.at("/Condition/ArnLike/aws:SourceArn").asText().replace("*", "[0-9]{12}"));
        assertThat(strings(write.at("/Condition/StringEquals/aws:SourceAccount"))).contains(MEMBER);
        assertThat(member.properties("Trail").path("S3BucketName").asText()).isEqualTo(central.output("BucketName"));
        assertThat(member.properties("Trail").path("KMSKeyId").asText()).isEqualTo(central.output("KmsKeyArn"));
        assertThat(strings(central.properties("MembersForwardEventsPolicy").at("/Statement/Principal/AWS"))).containsExactly(MEMBER);
        assertThat(central.properties("MembersForwardEventsPolicy").at("/Statement/Resource").asText())
                .isEqualTo(member.properties("ForwardRule").at("/Targets/0/Arn").asText());
    }
}

package io.trailwatch.detect.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Who a policy lets in, read the way S3 Block Public Access and IAM Access Analyzer read "public". */
class PoliciesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aStarPrincipalThatIsAllowed_isAnyone_inEitherSpelling() throws Exception {
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\"}")).containsExactly("*");
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"*\"]},\"Action\":\"s3:GetObject\"}")).containsExactly("*");
        assertThat(grantees("{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"s3:*\"}"))
                .as("everyone but one").containsExactly("*");
    }

    @Test
    void aDenyWithAStarPrincipal_grantsNothing() throws Exception {
        assertThat(grantees("{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
                + "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}")).isEmpty();
    }

    @Test
    void accountsAndRoles_areTheirAccounts_servicesAndProvidersAreNoOne() throws Exception {
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::999988887777:root\",\"444455556666\","
                + "\"arn:aws:iam::999988887777:role/x\"],\"Service\":\"cloudtrail.amazonaws.com\",\"Federated\":\"cognito-identity.amazonaws.com\"},"
                + "\"Action\":\"sts:AssumeRole\"}")).containsExactly("999988887777", "444455556666");
    }

    @Test
    void aStarPinnedByACondition_reachesOnlyWhatTheConditionNames() throws Exception {
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\","
                + "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"999988887777\"}}}")).containsExactly("999988887777");
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"sns:Publish\","
                + "\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:s3:::my-bucket\"}}}")).as("one bucket").isEmpty();
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-abc123\"}}}")).as("the organization").isEmpty();
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"203.0.113.0/24\"}}}")).as("an office network").isEmpty();
    }

    @Test
    void conditionsThatDoNotPinWhoCalls_leaveItPublic() throws Exception {
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"0.0.0.0/0\"}}}")).containsExactly("*");
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Condition\":{\"StringEqualsIfExists\":{\"aws:SourceAccount\":\"999988887777\"}}}")).containsExactly("*");
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Condition\":{\"StringLike\":{\"aws:SourceAccount\":\"*\"}}}")).containsExactly("*");
        assertThat(grantees("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"s3:GetObject\","
                + "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}}")).containsExactly("*");
    }

    @Test
    void notAPolicy_grantsNothing() throws Exception {
        assertThat(Policies.grantees(JSON.readTree("\"just text\""))).isEmpty();
        assertThat(Policies.grantees(JSON.readTree("{\"Statement\":\"nonsense\"}"))).isEmpty();
    }

    private static List<String> grantees(String statement) throws Exception {
        return Policies.grantees(JSON.readTree("{\"Version\":\"2012-10-17\",\"Statement\":[" + statement + "]}"));
    }
}

package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** deploy/iam: each service's policy is valid JSON, allows only, and names every action and resource. */
class IamPoliciesTest {

    /** Actions IAM lets grant only on every resource (the service authorization reference lists no resource type). */
    private static final java.util.Set<String> NO_RESOURCE_LEVEL = java.util.Set.of("cloudtrail:ListPublicKeys");

    @ParameterizedTest
    @ValueSource(strings = {"ingest-service-policy.json", "remediate-service-policy.json", "notify-service-ses-policy.json",
            "playbook-restart-logging-policy.json", "playbook-revoke-open-ingress-policy.json", "playbook-remove-sharing-policy.json"})
    void policy_isLeastPrivilege(String file) throws Exception {
        JsonNode policy = new ObjectMapper().readTree(Path.of("iam", file).toFile());

        assertThat(policy.path("Version").asText()).isEqualTo("2012-10-17");
        assertThat(policy.path("Statement")).isNotEmpty();
        for (JsonNode s : policy.path("Statement")) {
            assertThat(s.path("Effect").asText()).isEqualTo("Allow");
            for (String a : values(s.path("Action"))) {
                assertThat(a).as(file + " action").matches("[a-z0-9]+:[A-Z][A-Za-z]+");
            }
            if (NO_RESOURCE_LEVEL.containsAll(values(s.path("Action")))) {
                // actions that support no resource-level permissions can only be granted on "*"
                assertThat(values(s.path("Resource"))).as(file + " resource").containsExactly("*");
                continue;
            }
            for (String r : values(s.path("Resource"))) {
                assertThat(r).as(file + " resource").startsWith("arn:aws:").isNotEqualTo("*").doesNotEndWith(":*");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void theEventBridgeQueue_takesMessagesOnlyFromTheCloudTrailRule_overTls() throws Exception {
        JsonNode policy = new ObjectMapper().readTree(Path.of("iam", "eventbridge-queue-policy.json").toFile());

        JsonNode allow = policy.path("Statement").get(0);
        assertThat(allow.path("Effect").asText()).isEqualTo("Allow");
        assertThat(allow.at("/Principal/Service").asText()).isEqualTo("events.amazonaws.com");
        assertThat(values(allow.path("Action"))).containsExactly("sqs:SendMessage");
        assertThat(allow.at("/Condition/ArnEquals/aws:SourceArn").asText()).startsWith("arn:aws:events:").contains(":rule/");
        assertThat(policy.path("Statement")).hasSize(2);
        JsonNode deny = policy.path("Statement").get(1);
        assertThat(deny.path("Effect").asText()).isEqualTo("Deny");
        assertThat(deny.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
    }

    @org.junit.jupiter.api.Test
    void theEventBridgeRule_takesEveryCloudTrailDetailType_fromAwsSourcesOnly() throws Exception {
        JsonNode pattern = new ObjectMapper().readTree(Path.of("iam", "eventbridge-rule-pattern.json").toFile());

        assertThat(pattern.at("/source/0/prefix").asText()).isEqualTo("aws.");
        assertThat(values(pattern.path("detail-type"))).containsExactlyInAnyOrder("AWS API Call via CloudTrail",
                "AWS Console Signin via CloudTrail", "AWS Console Action via CloudTrail", "AWS Service Event via CloudTrail",
                "AWS Insight via CloudTrail").allSatisfy(t -> assertThat(t).endsWith(" via CloudTrail"));
    }

    private static List<String> values(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else {
            out.add(node.asText());
        }
        assertThat(out).isNotEmpty();
        return out;
    }
}

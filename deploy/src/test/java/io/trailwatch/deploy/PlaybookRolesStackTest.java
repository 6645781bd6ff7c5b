package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Map;

import static io.trailwatch.deploy.Stack.ACCOUNT;
import static io.trailwatch.deploy.Stack.REGION;
import static io.trailwatch.deploy.TrailwatchStackTest.iam;
import static org.assertj.core.api.Assertions.assertThat;

/** deploy/aws/playbook-roles.yaml: each playbook's role carries deploy/iam's policy and may write only its own logs. */
class PlaybookRolesStackTest {

    static final Map<String, String> PLAYBOOKS = Map.of(
            "RestartLogging", "restart-logging",
            "RevokeOpenIngress", "revoke-open-ingress",
            "RemoveSharing", "remove-sharing");

    @Test
    void eachPlaybooksRole_carriesDeployIamsPolicy_andWritesOnlyItsOwnLogGroup() throws IOException {
        Stack stack = Stack.deploy("playbook-roles.yaml", Map.of());

        for (var p : PLAYBOOKS.entrySet()) {
            JsonNode role = stack.properties(p.getKey() + "Role");
            assertThat(role.at("/Policies/0/PolicyDocument")).as(p.getValue())
                    .isEqualTo(iam("playbook-" + p.getValue() + "-policy.json", Map.of("ACCOUNT_ID", ACCOUNT)));
            JsonNode logs = role.at("/Policies/1/PolicyDocument/Statement/0");
            assertThat(TrailwatchStackTest.strings(logs.path("Action"))).containsExactly("logs:CreateLogStream", "logs:PutLogEvents");
            assertThat(logs.path("Resource").asText())
                    .isEqualTo("arn:aws:logs:" + REGION + ":" + ACCOUNT + ":log-group:/aws/lambda/trailwatch-" + p.getValue() + ":*");
            assertThat(role.path("Policies")).hasSize(2);
            JsonNode trust = role.at("/AssumeRolePolicyDocument/Statement/0");
            assertThat(trust.at("/Principal/Service").asText()).isEqualTo("lambda.amazonaws.com");
            assertThat(trust.at("/Condition/StringEquals/aws:SourceAccount").asText()).isEqualTo(ACCOUNT);
        }
        assertThat(stack.ofType("AWS::Lambda::Function")).isEmpty();
    }

    @Test
    void withThePackage_theFunctionsHaveTheNamesRemediateServiceMayInvoke_andTheirRoles() throws IOException {
        Stack stack = Stack.deploy("playbook-roles.yaml", Map.of("CodeBucket", "artifacts", "CodeKey", "trailwatch-playbooks-lambda.jar"));
        JsonNode invocable = iam("remediate-service-policy.json", Map.of("REGION", REGION, "ACCOUNT_ID", ACCOUNT)).at("/Statement/0/Resource");

        for (var p : PLAYBOOKS.entrySet()) {
            JsonNode function = stack.properties(p.getKey() + "Function");
            assertThat(stack.arn(p.getKey() + "Function")).isIn(TrailwatchStackTest.strings(invocable));
            assertThat(function.path("Role").asText()).isEqualTo(stack.arn(p.getKey() + "Role"));
            assertThat(function.path("Handler").asText()).isEqualTo("io.trailwatch.playbooks." + p.getKey() + "::handleRequest");
            assertThat(function.at("/Code/S3Key").asText()).isEqualTo("trailwatch-playbooks-lambda.jar");
        }
    }
}

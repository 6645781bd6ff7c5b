package io.trailwatch.playbooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudtrail.CloudTrailClient;
import software.amazon.awssdk.services.ec2.Ec2Client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Each playbook against an HTTP server standing in for the AWS API it calls: exactly the call it should make. */
class PlaybooksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EC2_OK = "<%1$sResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
            + "<requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId><return>true</return></%1$sResponse>";

    private WireMockServer aws;

    @BeforeEach
    void start() {
        aws = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        aws.start();
    }

    @AfterEach
    void stop() {
        aws.stop();
    }

    @Test
    void restartLogging_startsTheTrail() throws Exception {
        aws.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/x-amz-json-1.1").withBody("{}")));
        String trail = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events";

        JsonNode out = run(new RestartLogging(r -> cloudTrail()), payload("{\"trailName\":\"" + trail + "\"}", false));

        LoggedRequest req = single();
        assertThat(req.getHeader("X-Amz-Target")).isEqualTo("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.StartLogging");
        assertThat(JSON.readTree(req.getBodyAsString()).get("Name").asText()).isEqualTo(trail);
        assertThat(out.get("action").asText()).isEqualTo("started logging");
    }

    @Test
    void aDryRun_callsNothing() throws Exception {
        JsonNode out = run(new RestartLogging(r -> cloudTrail()), payload("{\"trailName\":\"t\"}", true));

        assertThat(aws.findAll(anyRequestedFor(anyUrl()))).isEmpty();
        assertThat(out.get("action").asText()).isEqualTo("would start logging");
    }

    @Test
    void revokeOpenIngress_revokesOnlyTheWorldOpenRanges() throws Exception {
        aws.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withBody(EC2_OK.formatted("RevokeSecurityGroupIngress"))));
        String targets = """
                {"groupId":"sg-0a1b2c3d4e5f60001","ipPermissions":{"items":[
                  {"ipProtocol":"tcp","fromPort":22,"toPort":22,"ipRanges":{"items":[{"cidrIp":"10.0.0.0/8"},{"cidrIp":"0.0.0.0/0"}]},
                   "ipv6Ranges":{"items":[{"cidrIpv6":"::/0"}]}},
                  {"ipProtocol":"tcp","fromPort":443,"toPort":443,"ipRanges":{"items":[{"cidrIp":"10.1.0.0/16"}]}}]}}
                """;

        run(new RevokeOpenIngress(r -> ec2()), payload(targets, false));

        Map<String, String> form = form(single());
        assertThat(form).containsEntry("Action", "RevokeSecurityGroupIngress").containsEntry("GroupId", "sg-0a1b2c3d4e5f60001")
                .containsEntry("IpPermissions.1.FromPort", "22").containsEntry("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0")
                .containsEntry("IpPermissions.1.Ipv6Ranges.1.CidrIpv6", "::/0");
        assertThat(form.values()).doesNotContain("10.0.0.0/8", "10.1.0.0/16", "443");
    }

    @Test
    void removeSharing_removesWhatTheEventAdded_fromASnapshotOrAnImage() throws Exception {
        aws.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withBody(EC2_OK.formatted("ModifySnapshotAttribute"))));
        run(new RemoveSharing(r -> ec2()), payload("""
                {"snapshotId":"snap-0abc1234def567890","createVolumePermission":{"add":{"items":[{"group":"all"},{"userId":"999988887777"}]}}}
                """, false));
        Map<String, String> snapshot = form(single());
        aws.resetRequests();
        aws.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(200).withBody(EC2_OK.formatted("ModifyImageAttribute"))));
        run(new RemoveSharing(r -> ec2()), payload("""
                {"imageId":"ami-0abcdef1234567890","launchPermission":{"add":{"items":[{"userId":"999988887777"}]}}}
                """, false));
        Map<String, String> image = form(single());

        assertThat(snapshot).containsEntry("Action", "ModifySnapshotAttribute").containsEntry("SnapshotId", "snap-0abc1234def567890")
                .containsEntry("CreateVolumePermission.Remove.1.Group", "all")
                .containsEntry("CreateVolumePermission.Remove.2.UserId", "999988887777");
        assertThat(image).containsEntry("Action", "ModifyImageAttribute").containsEntry("ImageId", "ami-0abcdef1234567890")
                .containsEntry("LaunchPermission.Remove.1.UserId", "999988887777");
    }

    @Test
    void aPayloadThePlaybookCannotActOn_isAnError_neverAGuess() {
        assertThatThrownBy(() -> run(new RevokeOpenIngress(r -> ec2()), payload("{\"groupId\":\"sg-1\",\"ipPermissions\":{\"items\":[]}}", false)))
                .hasMessageContaining("opened nothing to 0.0.0.0/0 or ::/0");
        assertThatThrownBy(() -> run(new RestartLogging(r -> cloudTrail()), payload("{}", false))).hasMessageContaining("no trailName");
        assertThat(aws.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    @Test
    void aFindingOrTargetOutsideTheFunctionsOwnAccountAndRegion_isRefused_beforeAnyCall() {
        var playbook = new RestartLogging(r -> cloudTrail());
        String trail = "{\"trailName\":\"arn:aws:cloudtrail:eu-west-1:111122223333:trail/t\"}";

        assertThatThrownBy(() -> run(playbook, payload("444455556666", "eu-west-1", trail, false), HOME))
                .hasMessageContaining("account 444455556666");
        assertThatThrownBy(() -> run(playbook, payload("111122223333", "us-east-1", trail, false), HOME))
                .hasMessageContaining("region us-east-1");
        assertThatThrownBy(() -> run(playbook, payload(OWN_ACCOUNT, "eu-west-1",
                "{\"trailName\":\"arn:aws:cloudtrail:eu-west-1:444455556666:trail/t\"}", false), HOME))
                .hasMessageContaining("target arn:aws:cloudtrail:eu-west-1:444455556666:trail/t");
        assertThatThrownBy(() -> run(playbook, payload(trail, false), null)).hasMessageContaining("cannot tell");
        assertThat(aws.findAll(anyRequestedFor(anyUrl()))).isEmpty();
    }

    private static final String OWN_ACCOUNT = "111122223333";
    private static final String HOME = "arn:aws:lambda:eu-west-1:111122223333:function:trailwatch-restart-logging";

    private static String payload(String targets, boolean dryRun) {
        return payload(OWN_ACCOUNT, "eu-west-1", targets, dryRun);
    }

    private static String payload(String account, String region, String targets, boolean dryRun) {
        return "{\"finding\":{\"findingId\":\"f-1\",\"accountId\":\"" + account + "\",\"region\":\"" + region
                + "\"},\"remediation\":{\"action\":\"a\",\"targets\":" + targets + ",\"dryRun\":" + dryRun + "}}";
    }

    private static JsonNode run(Playbook playbook, String payload) throws Exception {
        return run(playbook, payload, HOME);
    }

    private static JsonNode run(Playbook playbook, String payload, String invokedArn) throws Exception {
        var out = new ByteArrayOutputStream();
        playbook.handleRequest(new ByteArrayInputStream(payload.getBytes(StandardCharsets.UTF_8)), out, context(invokedArn));
        return JSON.readTree(out.toByteArray());
    }

    /** Lambda's context as the runtime gives it: only the invoked function's ARN matters here. */
    private static com.amazonaws.services.lambda.runtime.Context context(String invokedArn) {
        return (com.amazonaws.services.lambda.runtime.Context) java.lang.reflect.Proxy.newProxyInstance(
                PlaybooksTest.class.getClassLoader(), new Class<?>[]{com.amazonaws.services.lambda.runtime.Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getInvokedFunctionArn" -> invokedArn;
                    case "getRemainingTimeInMillis", "getMemoryLimitInMB" -> 0;
                    default -> null;
                });
    }

    private LoggedRequest single() {
        List<LoggedRequest> all = aws.findAll(anyRequestedFor(anyUrl()));
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    private static Map<String, String> form(LoggedRequest req) {
        return Arrays.stream(req.getBodyAsString().split("&")).map(kv -> kv.split("=", 2))
                .collect(Collectors.toMap(kv -> URLDecoder.decode(kv[0], StandardCharsets.UTF_8),
                        kv -> kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : ""));
    }

    private CloudTrailClient cloudTrail() {
        return CloudTrailClient.builder().region(Region.EU_WEST_1).endpointOverride(URI.create(aws.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }

    private Ec2Client ec2() {
        return Ec2Client.builder().region(Region.EU_WEST_1).endpointOverride(URI.create(aws.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create()).build();
    }
}

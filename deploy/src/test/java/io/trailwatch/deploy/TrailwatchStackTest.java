package io.trailwatch.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.trailwatch.deploy.Stack.ACCOUNT;
import static io.trailwatch.deploy.Stack.REGION;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * deploy/aws/trailwatch.yaml, evaluated for sets of parameters as CloudFormation would create it: each security property
 * the stack promises, and its policies equal to deploy/iam's.
 */
class TrailwatchStackTest {

    static final String TEMPLATE = "trailwatch.yaml";
    static final String BUCKET = "trailwatch-cloudtrail-" + ACCOUNT + "-" + REGION;
    static final String TRAIL_ARN = "arn:aws:cloudtrail:" + REGION + ":" + ACCOUNT + ":trail/trailwatch";
    static final String ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF";
    static final Map<String, String> IRSA = Map.of("OidcIssuer", ISSUER);
    private static final ObjectMapper JSON = new ObjectMapper();

    static Stack deploy(Map<String, String> parameters) {
        Map<String, String> all = new HashMap<>(IRSA);
        all.putAll(parameters);
        return Stack.deploy(TEMPLATE, all);
    }

    // ---------------------------------------------------------------- the trail

    @Test
    void theTrail_isMultiRegion_logsGlobalServices_validatesItsLogFiles_andIsEncryptedWithTheStacksKey() {
        JsonNode trail = deploy(Map.of()).properties("Trail");

        assertThat(trail.path("IsMultiRegionTrail").asBoolean()).isTrue();
        assertThat(trail.path("IncludeGlobalServiceEvents").asBoolean()).isTrue();
        assertThat(trail.path("EnableLogFileValidation").asBoolean()).isTrue();
        assertThat(trail.path("IsLogging").asBoolean()).isTrue();
        assertThat(trail.path("KMSKeyId").asText()).isEqualTo("arn:aws:kms:" + REGION + ":" + ACCOUNT + ":key/TrailKey");
        assertThat(trail.path("S3BucketName").asText()).isEqualTo(BUCKET);
        assertThat(trail.path("IsOrganizationTrail").asBoolean()).isFalse();
    }

    @Test
    void anOrganizationTrail_isAnOption_andItsAccountsPathIsTheOnlyOneItMayWriteBesidesItsOwn() {
        Stack stack = deploy(Map.of("OrganizationTrail", "true", "OrganizationId", "o-a1b2c3d4e5"));

        assertThat(stack.properties("Trail").path("IsOrganizationTrail").asBoolean()).isTrue();
        JsonNode write = statement(stack.policy("LogBucketPolicy", "PolicyDocument"), "CloudTrailWritesTheTrailsLogFiles");
        assertThat(strings(write.path("Resource"))).containsExactly("arn:aws:s3:::" + BUCKET + "/AWSLogs/" + ACCOUNT + "/*",
                "arn:aws:s3:::" + BUCKET + "/AWSLogs/o-a1b2c3d4e5/*");
        assertThat(write.at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(TRAIL_ARN);

        // created by CloudTrail's delegated administrator, the trail is still the management account's
        Stack delegated = deploy(Map.of("OrganizationTrail", "true", "OrganizationId", "o-a1b2c3d4e5", "ManagementAccountId", "999988887777"));
        JsonNode delegatedWrite = statement(delegated.policy("LogBucketPolicy", "PolicyDocument"), "CloudTrailWritesTheTrailsLogFiles");
        assertThat(delegatedWrite.at("/Condition/StringEquals/aws:SourceArn").asText())
                .isEqualTo("arn:aws:cloudtrail:" + REGION + ":999988887777:trail/trailwatch");
        assertThat(strings(delegatedWrite.path("Resource"))).containsExactly("arn:aws:s3:::" + BUCKET + "/AWSLogs/999988887777/*",
                "arn:aws:s3:::" + BUCKET + "/AWSLogs/o-a1b2c3d4e5/*");
    }

    @Test
    void anOrganizationTrailOfTheManagementAccount_isAdmittedByItsArn_whenThisStackCreatesNoTrail() {
        Stack stack = deploy(Map.of("CreateTrail", "false", "OrganizationId", "o-a1b2c3d4e5", "ManagementAccountId", "999988887777"));

        assertThat(stack.has("Trail")).isFalse();
        assertThat(stack.outputs()).doesNotContainKey("TrailArn");
        String managementTrail = "arn:aws:cloudtrail:" + REGION + ":999988887777:trail/trailwatch";
        JsonNode bucket = stack.policy("LogBucketPolicy", "PolicyDocument");
        assertThat(statement(bucket, "CloudTrailWritesTheTrailsLogFiles").at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(managementTrail);
        assertThat(statement(bucket, "CloudTrailChecksTheBucketAcl").at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(managementTrail);
        JsonNode key = stack.policy("TrailKey", "KeyPolicy");
        assertThat(statement(key, "CloudTrailEncryptsForTheTrailOnly").at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(managementTrail);
    }

    @Test
    void dataEventsAndInsights_areOffUnlessAsked() {
        JsonNode trail = deploy(Map.of()).properties("Trail");

        assertThat(trail.path("AdvancedEventSelectors")).hasSize(1);
        assertThat(trail.at("/AdvancedEventSelectors/0/FieldSelectors/0/Equals/0").asText()).isEqualTo("Management");
        assertThat(trail.has("InsightSelectors")).isFalse();
    }

    @Test
    void s3DataEvents_neverLogTheTrailsOwnBucket_andLambdaInvocationsAndInsights_areOptions() {
        JsonNode trail = deploy(Map.of("S3DataEvents", "write-only", "LambdaDataEvents", "true", "Insights", "true")).properties("Trail");

        JsonNode s3 = trail.path("AdvancedEventSelectors").get(1);
        assertThat(field(s3, "resources.type").path("Equals").get(0).asText()).isEqualTo("AWS::S3::Object");
        assertThat(field(s3, "resources.ARN").path("NotStartsWith").get(0).asText()).isEqualTo("arn:aws:s3:::" + BUCKET + "/");
        assertThat(field(s3, "readOnly").path("Equals").get(0).asText()).isEqualTo("false");
        assertThat(field(trail.path("AdvancedEventSelectors").get(2), "resources.type").path("Equals").get(0).asText())
                .isEqualTo("AWS::Lambda::Function");
        assertThat(strings(trail.path("InsightSelectors").findValues("InsightType")))
                .containsExactly("ApiCallRateInsight", "ApiErrorRateInsight");

        JsonNode all = deploy(Map.of("S3DataEvents", "all")).properties("Trail").path("AdvancedEventSelectors").get(1);
        assertThat(field(all, "readOnly")).isNull();
        assertThat(field(all, "resources.ARN")).isNotNull();
    }

    // ---------------------------------------------------------------- the key

    @Test
    void theKey_rotates_andIsKeptWhenTheStackGoes() throws IOException {
        Stack stack = deploy(Map.of());

        assertThat(stack.properties("TrailKey").path("EnableKeyRotation").asBoolean()).isTrue();
        JsonNode declaration = Stack.read(Stack.DIR.resolve(TEMPLATE)).at("/Resources/TrailKey");
        assertThat(declaration.path("DeletionPolicy").asText()).isEqualTo("Retain");
    }

    @Test
    void cloudTrail_mayUseTheKeyOnlyForThisTrail() {
        JsonNode key = deploy(Map.of()).policy("TrailKey", "KeyPolicy");

        for (JsonNode s : key.path("Statement")) {
            if (s.at("/Principal/Service").asText().equals("cloudtrail.amazonaws.com")) {
                assertThat(s.at("/Condition/StringEquals/aws:SourceArn").asText()).as(s.path("Sid").asText()).isEqualTo(TRAIL_ARN);
            }
        }
        JsonNode encrypt = statement(key, "CloudTrailEncryptsForTheTrailOnly");
        assertThat(strings(encrypt.path("Action"))).containsExactly("kms:GenerateDataKey*");
        assertThat(encrypt.at("/Condition/StringLike/kms:EncryptionContext:aws:cloudtrail:arn").asText())
                .isEqualTo("arn:aws:cloudtrail:*:" + ACCOUNT + ":trail/*");
    }

    @Test
    void theKeyPolicy_grantsDecryptToIngestServicesRoleOnly_throughS3_forCloudTrailsFiles_asItsRolePolicyDoes() {
        JsonNode key = deploy(Map.of()).policy("TrailKey", "KeyPolicy");

        List<JsonNode> decrypting = new ArrayList<>();
        for (JsonNode s : key.path("Statement")) {
            if (strings(s.path("Action")).stream().anyMatch(a -> a.equals("kms:Decrypt"))) {
                decrypting.add(s);
            }
        }
        assertThat(decrypting).hasSize(1);
        JsonNode decrypt = decrypting.get(0);
        assertThat(decrypt.at("/Principal/AWS").asText()).isEqualTo("arn:aws:iam::" + ACCOUNT + ":role/IngestRole");
        assertThat(decrypt.at("/Condition/StringEquals/kms:ViaService").asText()).isEqualTo("s3." + REGION + ".amazonaws.com");
        assertThat(decrypt.at("/Condition/Null/kms:EncryptionContext:aws:cloudtrail:arn").asText()).isEqualTo("false");
        // the account's administrators manage the key through IAM, the usual first statement of a key policy; the
        // role's own policy sets the same bounds
        assertThat(statement(key, "TheAccountManagesTheKeyThroughIam").at("/Principal/AWS").asText())
                .isEqualTo("arn:aws:iam::" + ACCOUNT + ":root");
        JsonNode role = statement(deploy(Map.of()).policy("IngestPolicy", "PolicyDocument"), "DecryptSseKmsLogFiles");
        assertThat(role.path("Condition")).isEqualTo(decrypt.path("Condition"));
    }

    @Test
    void theBucketsName_fitsS3sLimit_forTheLongestTrailNameInTheLongestRegionName() {
        String longest = "a".repeat(24);
        Stack stack = deploy(Map.of("TrailName", longest, "AWS::Region", "ap-southeast-4", "AWS::AccountId", "999999999999"));

        assertThat(stack.ref("LogBucket")).hasSizeLessThanOrEqualTo(63).startsWith(longest);
        assertThatThrownBy(() -> deploy(Map.of("TrailName", "a".repeat(25)))).hasMessageContaining("TrailName");
        assertThatThrownBy(() -> deploy(Map.of("TrailName", "Trail"))).hasMessageContaining("TrailName");
    }

    @Test
    void aTrailThisStackCreatesForItself_isThisAccounts_evenWhenTheManagementAccountIsNamed() {
        Stack stack = deploy(Map.of("ManagementAccountId", "999988887777", "OrganizationId", "o-a1b2c3d4e5"));

        JsonNode write = statement(stack.policy("LogBucketPolicy", "PolicyDocument"), "CloudTrailWritesTheTrailsLogFiles");
        assertThat(write.at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(TRAIL_ARN);
        assertThat(strings(write.path("Resource"))).containsExactly("arn:aws:s3:::" + BUCKET + "/AWSLogs/" + ACCOUNT + "/*");
        assertThat(statement(stack.policy("TrailKey", "KeyPolicy"), "CloudTrailDescribesTheKeyForTheTrail")
                .at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(TRAIL_ARN);
    }

    // ---------------------------------------------------------------- the bucket

    @Test
    void theBucket_blocksEveryKindOfPublicAccess_versionsItsObjects_andHasNoAcls() {
        JsonNode bucket = deploy(Map.of()).properties("LogBucket");

        JsonNode block = bucket.path("PublicAccessBlockConfiguration");
        for (String setting : List.of("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")) {
            assertThat(block.path(setting).asBoolean()).as(setting).isTrue();
        }
        assertThat(bucket.at("/VersioningConfiguration/Status").asText()).isEqualTo("Enabled");
        assertThat(bucket.at("/OwnershipControls/Rules/0/ObjectOwnership").asText()).isEqualTo("BucketOwnerEnforced");
        JsonNode sse = bucket.at("/BucketEncryption/ServerSideEncryptionConfiguration/0");
        assertThat(sse.at("/ServerSideEncryptionByDefault/SSEAlgorithm").asText()).isEqualTo("aws:kms");
        assertThat(sse.at("/ServerSideEncryptionByDefault/KMSMasterKeyID").asText()).endsWith(":key/TrailKey");
        assertThat(Stack.read(Stack.DIR.resolve(TEMPLATE)).at("/Resources/LogBucket/DeletionPolicy").asText()).isEqualTo("Retain");
    }

    @Test
    void theBucket_refusesEveryRequestWithoutTls_onItselfAndEveryObject() {
        JsonNode tls = statement(deploy(Map.of()).policy("LogBucketPolicy", "PolicyDocument"), "TlsOnly");

        assertThat(tls.path("Effect").asText()).isEqualTo("Deny");
        assertThat(tls.path("Principal").asText()).isEqualTo("*");
        assertThat(strings(tls.path("Action"))).containsExactly("s3:*");
        assertThat(strings(tls.path("Resource"))).containsExactly("arn:aws:s3:::" + BUCKET, "arn:aws:s3:::" + BUCKET + "/*");
        assertThat(tls.at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
    }

    @Test
    void cloudTrail_writesOnlyThroughTheTrailsArn_underItsAccountsPath_withTheOwnerInFullControl() {
        JsonNode policy = deploy(Map.of()).policy("LogBucketPolicy", "PolicyDocument");

        JsonNode write = statement(policy, "CloudTrailWritesTheTrailsLogFiles");
        assertThat(strings(write.path("Action"))).containsExactly("s3:PutObject");
        assertThat(strings(write.path("Resource"))).containsExactly("arn:aws:s3:::" + BUCKET + "/AWSLogs/" + ACCOUNT + "/*");
        assertThat(write.at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(TRAIL_ARN);
        assertThat(write.at("/Condition/StringEquals/s3:x-amz-acl").asText()).isEqualTo("bucket-owner-full-control");
        assertThat(statement(policy, "CloudTrailChecksTheBucketAcl").at("/Condition/StringEquals/aws:SourceArn").asText()).isEqualTo(TRAIL_ARN);
        // every Allow is CloudTrail's, each scoped to a trail
        for (JsonNode s : policy.path("Statement")) {
            if (s.path("Effect").asText().equals("Allow")) {
                assertThat(s.at("/Principal/Service").asText()).isEqualTo("cloudtrail.amazonaws.com");
                assertThat(s.at("/Condition/StringEquals/aws:SourceArn").isMissingNode()
                        && s.at("/Condition/ArnLike/aws:SourceArn").isMissingNode()).as(s.path("Sid").asText()).isFalse();
            }
        }
    }

    @Test
    void memberAccountsTrails_mayWriteAndEncrypt_onlyAsTheirAccounts_throughTrailsOfTheSameName() {
        Stack stack = deploy(Map.of("MemberAccountIds", "444455556666,777788889999"));

        JsonNode write = statement(stack.policy("LogBucketPolicy", "PolicyDocument"), "MemberAccountsTrailsWriteTheirLogFiles");
        assertThat(strings(write.at("/Condition/StringEquals/aws:SourceAccount"))).containsExactly("444455556666", "777788889999");
        assertThat(write.at("/Condition/ArnLike/aws:SourceArn").asText()).isEqualTo("arn:aws:cloudtrail:" + REGION + ":*:trail/trailwatch");
        assertThat(write.at("/Condition/StringEquals/s3:x-amz-acl").asText()).isEqualTo("bucket-owner-full-control");
        JsonNode encrypt = statement(stack.policy("TrailKey", "KeyPolicy"), "CloudTrailEncryptsForTheMemberAccountsTrails");
        assertThat(strings(encrypt.at("/Condition/StringEquals/aws:SourceAccount"))).containsExactly("444455556666", "777788889999");

        JsonNode none = deploy(Map.of()).policy("LogBucketPolicy", "PolicyDocument");
        assertThat(none.path("Statement").findValuesAsText("Sid")).noneMatch(sid -> sid.startsWith("MemberAccounts"));
    }

    @Test
    void logFiles_expire_archive_andOldVersionsAndAbandonedUploadsAreCleanedUp() {
        JsonNode rules = deploy(Map.of("LogRetentionDays", "730", "ArchiveAfterDays", "30")).properties("LogBucket")
                .at("/LifecycleConfiguration/Rules");

        JsonNode expire = rule(rules, "ExpireLogFiles");
        assertThat(expire.path("ExpirationInDays").asInt()).isEqualTo(730);
        assertThat(expire.at("/Transitions/0/StorageClass").asText()).isEqualTo("GLACIER");
        assertThat(expire.at("/Transitions/0/TransitionInDays").asInt()).isEqualTo(30);
        assertThat(rule(rules, "ExpireNoncurrentVersions").at("/NoncurrentVersionExpiration/NoncurrentDays").asInt()).isEqualTo(30);
        assertThat(rule(rules, "AbortIncompleteUploads").at("/AbortIncompleteMultipartUpload/DaysAfterInitiation").asInt()).isEqualTo(7);

        JsonNode unarchived = rule(deploy(Map.of("ArchiveAfterDays", "0")).properties("LogBucket").at("/LifecycleConfiguration/Rules"), "ExpireLogFiles");
        assertThat(unarchived.has("Transitions")).isFalse();
    }

    @Test
    void objectLock_isAnOption_withItsModeAndRetention() {
        assertThat(deploy(Map.of()).properties("LogBucket").has("ObjectLockConfiguration")).isFalse();

        JsonNode locked = deploy(Map.of("ObjectLockMode", "COMPLIANCE", "ObjectLockDays", "400")).properties("LogBucket");
        assertThat(locked.path("ObjectLockEnabled").asBoolean()).isTrue();
        assertThat(locked.at("/ObjectLockConfiguration/ObjectLockEnabled").asText()).isEqualTo("Enabled");
        assertThat(locked.at("/ObjectLockConfiguration/Rule/DefaultRetention/Mode").asText()).isEqualTo("COMPLIANCE");
        assertThat(locked.at("/ObjectLockConfiguration/Rule/DefaultRetention/Days").asInt()).isEqualTo(400);
    }

    // ---------------------------------------------------------------- notifications

    @Test
    void everyNewLogAndDigestFile_isAnnouncedOnTheQueue_andNothingElse() {
        Stack stack = deploy(Map.of());

        JsonNode queues = stack.properties("LogBucket").at("/NotificationConfiguration/QueueConfigurations");
        assertThat(queues).hasSize(1);
        assertThat(queues.at("/0/Event").asText()).isEqualTo("s3:ObjectCreated:*");
        assertThat(queues.at("/0/Queue").asText()).isEqualTo(stack.arn("NotificationQueue"));
        assertThat(queues.at("/0/Filter/S3Key/Rules").findValuesAsText("Value")).containsExactly("AWSLogs/", ".json.gz");
    }

    @Test
    void theNotificationQueue_takesMessagesOnlyFromTheLogBucketOfThisAccount_overTls() {
        Stack stack = deploy(Map.of());
        JsonNode policy = stack.policy("NotificationQueuePolicy", "PolicyDocument");

        JsonNode send = statement(policy, "OnlyTheLogBucketSendsNotifications");
        assertThat(send.at("/Principal/Service").asText()).isEqualTo("s3.amazonaws.com");
        assertThat(strings(send.path("Action"))).containsExactly("sqs:SendMessage");
        assertThat(send.path("Resource").asText()).isEqualTo(stack.arn("NotificationQueue"));
        assertThat(send.at("/Condition/ArnEquals/aws:SourceArn").asText()).isEqualTo(stack.arn("LogBucket"));
        assertThat(send.at("/Condition/StringEquals/aws:SourceAccount").asText()).isEqualTo(ACCOUNT);
        assertThat(statement(policy, "TlsOnly").at("/Condition/Bool/aws:SecureTransport").asText()).isEqualTo("false");
        assertThat(policy.path("Statement")).hasSize(2);
    }

    @Test
    void everyQueue_isEncrypted_andWhatCannotBeTakenGoesToADeadLetterQueue() {
        Stack stack = deploy(Map.of());

        for (String queue : stack.ofType("AWS::SQS::Queue")) {
            assertThat(stack.properties(queue).path("SqsManagedSseEnabled").asBoolean()).as(queue).isTrue();
        }
        assertThat(stack.ofType("AWS::SQS::Queue")).containsExactlyInAnyOrder("NotificationQueue", "NotificationDeadLetterQueue",
                "EventsQueue", "EventsDeadLetterQueue");
        for (var q : Map.of("NotificationQueue", "NotificationDeadLetterQueue", "EventsQueue", "EventsDeadLetterQueue").entrySet()) {
            JsonNode redrive = stack.properties(q.getKey()).path("RedrivePolicy");
            assertThat(redrive.path("deadLetterTargetArn").asText()).isEqualTo(stack.arn(q.getValue()));
            assertThat(redrive.path("maxReceiveCount").asInt()).isEqualTo(5);
            assertThat(stack.properties(q.getValue()).path("MessageRetentionPeriod").asInt()).isEqualTo(1209600);
            // a message keeps its first enqueue time in the dead-letter queue: it must be kept longer there
            assertThat(stack.properties(q.getKey()).path("MessageRetentionPeriod").asInt()).isLessThanOrEqualTo(1209600 / 2);
        }
    }

    // ---------------------------------------------------------------- EventBridge

    @Test
    void theEventBridgeRule_hasDeployIamsPattern_andKeepsWhatItCannotDeliverInItsDeadLetterQueue() throws IOException {
        Stack stack = deploy(Map.of());
        JsonNode rule = stack.properties("EventsRule");

        assertThat(rule.path("EventPattern")).isEqualTo(iam("eventbridge-rule-pattern.json", Map.of()));
        assertThat(rule.path("Name").asText()).isEqualTo("trailwatch-cloudtrail-events");
        assertThat(rule.path("State").asText()).isEqualTo("ENABLED");
        assertThat(rule.path("Targets")).hasSize(1);
        JsonNode target = rule.path("Targets").get(0);
        assertThat(target.path("Arn").asText()).isEqualTo(stack.arn("EventsQueue"));
        assertThat(target.at("/DeadLetterConfig/Arn").asText()).isEqualTo(stack.arn("EventsDeadLetterQueue"));
        assertThat(target.at("/RetryPolicy/MaximumEventAgeInSeconds").asInt()).isEqualTo(86400);

        JsonNode dlq = statement(stack.policy("EventsDeadLetterQueuePolicy", "PolicyDocument"), "OnlyTheCloudTrailRuleSendsUndeliveredEvents");
        assertThat(dlq.at("/Condition/ArnEquals/aws:SourceArn").asText()).isEqualTo(stack.arn("EventsRule"));

        assertThat(deploy(Map.of("NearRealTimeReadOnlyEvents", "true")).properties("EventsRule").path("State").asText())
                .isEqualTo("ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS");
    }

    @Test
    void theEventsQueuePolicy_isDeployIams_letter_for_letter() throws IOException {
        Stack stack = deploy(Map.of());

        assertThat(stack.policy("EventsQueuePolicy", "PolicyDocument")).isEqualTo(iam("eventbridge-queue-policy.json", placeholders(stack)));
        assertThat(strings(stack.properties("EventsQueuePolicy").path("Queues"))).containsExactly(stack.ref("EventsQueue"));
    }

    @Test
    void withoutTheNearRealTimePath_thereIsNoRuleNoQueue_andIngestReadsOnlyTheNotificationQueue() {
        Stack stack = deploy(Map.of("NearRealTime", "false"));

        assertThat(stack.ofType("AWS::Events::Rule")).isEmpty();
        assertThat(stack.ofType("AWS::SQS::Queue")).containsExactlyInAnyOrder("NotificationQueue", "NotificationDeadLetterQueue");
        JsonNode sqs = statement(stack.policy("IngestPolicy", "PolicyDocument"), "ConsumeTheNotificationAndEventBridgeQueues");
        assertThat(strings(sqs.path("Resource"))).containsExactly(stack.arn("NotificationQueue"));
        assertThat(stack.output("HelmValues")).doesNotContain("near-real-time");
    }

    @Test
    void memberAccountsAndTheOrganization_mayForwardEventsToTheBus_onlyWhenNamed() {
        assertThat(deploy(Map.of()).ofType("AWS::Events::EventBusPolicy")).isEmpty();

        Stack members = deploy(Map.of("MemberAccountIds", "444455556666"));
        assertThat(members.ofType("AWS::Events::EventBusPolicy")).containsExactly("MembersForwardEventsPolicy");
        JsonNode statement = members.properties("MembersForwardEventsPolicy").path("Statement");
        assertThat(strings(statement.at("/Principal/AWS"))).containsExactly("444455556666");
        assertThat(statement.path("Action").asText()).isEqualTo("events:PutEvents");

        Stack organization = deploy(Map.of("OrganizationId", "o-a1b2c3d4e5"));
        assertThat(organization.properties("OrganizationForwardsEventsPolicy").at("/Statement/Condition/StringEquals/aws:PrincipalOrgID").asText())
                .isEqualTo("o-a1b2c3d4e5");
    }

    // ---------------------------------------------------------------- the services' roles

    @Test
    void eachServicesRole_carriesDeployIamsPolicy_letterForLetter() throws IOException {
        Stack stack = deploy(Map.of("SesIdentity", "example.com", "SesFromAddress", "trailwatch@example.com"));
        Map<String, String> placeholders = placeholders(stack);
        placeholders.put("SENDER_DOMAIN_OR_ADDRESS", "example.com");
        placeholders.put("SENDER_DOMAIN", "example.com");

        assertThat(stack.policy("IngestPolicy", "PolicyDocument")).isEqualTo(iam("ingest-service-policy.json", placeholders));
        assertThat(stack.properties("RemediateRole").at("/Policies/0/PolicyDocument")).isEqualTo(iam("remediate-service-policy.json", placeholders));
        assertThat(stack.properties("NotifyRole").at("/Policies/0/PolicyDocument")).isEqualTo(iam("notify-service-ses-policy.json", placeholders));
        assertThat(stack.properties("RemediateRole").path("Policies")).hasSize(1);
        assertThat(stack.properties("NotifyRole").path("Policies")).hasSize(1);
        // detect-service makes no AWS calls
        assertThat(stack.ofType("AWS::IAM::Role")).containsExactlyInAnyOrder("IngestRole", "RemediateRole", "NotifyRole");
    }

    @Test
    void notifyService_hasNoRole_withoutAnSesIdentity_andNoServiceHasOne_withoutAnIdentityMechanism() {
        assertThat(deploy(Map.of()).ofType("AWS::IAM::Role")).containsExactlyInAnyOrder("IngestRole", "RemediateRole");

        Stack none = deploy(Map.of("IdentityMechanism", "none"));
        assertThat(none.ofType("AWS::IAM::Role")).isEmpty();
        assertThat(none.policy("TrailKey", "KeyPolicy").path("Statement").findValuesAsText("Sid"))
                .doesNotContain("IngestServiceDecryptsLogFilesThroughS3");
    }

    @Test
    void irsa_letsOnlyTheServicesOwnServiceAccount_ofTheNamespace_throughTheClustersIssuer_assumeItsRole() {
        Stack stack = deploy(Map.of("Namespace", "security"));

        for (var role : Map.of("IngestRole", "ingest", "RemediateRole", "remediate").entrySet()) {
            JsonNode trust = stack.policy(role.getKey(), "AssumeRolePolicyDocument");
            assertThat(trust.path("Statement")).hasSize(1);
            JsonNode s = trust.path("Statement").get(0);
            assertThat(s.at("/Principal/Federated").asText()).isEqualTo("arn:aws:iam::" + ACCOUNT + ":oidc-provider/" + ISSUER);
            assertThat(s.path("Action").asText()).isEqualTo("sts:AssumeRoleWithWebIdentity");
            JsonNode equals = s.at("/Condition/StringEquals");
            assertThat(equals.path(ISSUER + ":sub").asText()).isEqualTo("system:serviceaccount:security:trailwatch-" + role.getValue());
            assertThat(equals.path(ISSUER + ":aud").asText()).isEqualTo("sts.amazonaws.com");
        }
        assertThat(stack.ofType("AWS::EKS::PodIdentityAssociation")).isEmpty();
    }

    @Test
    void podIdentity_associatesEachServiceAccount_andTrustsOnlyTheClusterForThatServiceAccount() {
        Stack stack = deploy(Map.of("IdentityMechanism", "pod-identity", "ClusterName", "prod", "OidcIssuer", ""));

        JsonNode trust = stack.policy("IngestRole", "AssumeRolePolicyDocument").path("Statement").get(0);
        assertThat(trust.at("/Principal/Service").asText()).isEqualTo("pods.eks.amazonaws.com");
        assertThat(strings(trust.path("Action"))).containsExactly("sts:AssumeRole", "sts:TagSession");
        // the tags EKS Pod Identity sets on the session it requests
        assertThat(trust.at("/Condition/StringEquals/aws:RequestTag~1eks-cluster-arn").asText()).isEqualTo("arn:aws:eks:" + REGION + ":" + ACCOUNT + ":cluster/prod");
        assertThat(trust.at("/Condition/StringEquals/aws:RequestTag~1kubernetes-service-account").asText()).isEqualTo("trailwatch-ingest");
        assertThat(trust.at("/Condition/StringEquals/aws:RequestTag~1kubernetes-namespace").asText()).isEqualTo("trailwatch");
        JsonNode association = stack.properties("IngestPodIdentity");
        assertThat(association.path("ServiceAccount").asText()).isEqualTo("trailwatch-ingest");
        assertThat(association.path("RoleArn").asText()).isEqualTo(stack.arn("IngestRole"));
        assertThat(stack.ofType("AWS::EKS::PodIdentityAssociation")).containsExactlyInAnyOrder("IngestPodIdentity", "RemediatePodIdentity");
    }

    @Test
    void aRoleOrAssociationNeverRefersToWhatTheStackDoesNotCreate_forAnyMechanism() {
        for (var p : List.of(Map.of("IdentityMechanism", "none", "NearRealTime", "false", "CreateTrail", "false"),
                Map.of("IdentityMechanism", "pod-identity", "ClusterName", "c", "SesIdentity", "example.com", "SesFromAddress", "a@example.com"),
                Map.of("NearRealTime", "false", "OrganizationTrail", "true", "OrganizationId", "o-a1b2c3d4e5", "MemberAccountIds", "444455556666"))) {
            Stack stack = deploy(p);
            for (String kind : List.of("AWS::IAM::Role", "AWS::IAM::RolePolicy", "AWS::KMS::Key", "AWS::S3::Bucket", "AWS::S3::BucketPolicy",
                    "AWS::EKS::PodIdentityAssociation", "AWS::SQS::QueuePolicy", "AWS::Events::Rule", "AWS::CloudTrail::Trail")) {
                stack.ofType(kind).forEach(stack::properties);
            }
            assertThat(stack.outputs()).as(p.toString()).containsKeys("BucketName", "HelmValues");
        }
    }

    // ---------------------------------------------------------------- outputs feed the chart

    @Test
    void theHelmValuesOutput_isWhatTheChartNeeds_andRendersWithIt(@TempDir Path dir) throws IOException {
        Stack stack = deploy(Map.of("SesIdentity", "example.com", "SesFromAddress", "trailwatch@example.com"));
        JsonNode values = JSON.readTree(stack.output("HelmValues"));

        assertThat(values.at("/aws/region").asText()).isEqualTo(REGION);
        JsonNode ingest = values.at("/ingest/config");
        assertThat(ingest.path("trailwatch.ingest.sqs.queue-url").asText()).isEqualTo(stack.output("NotificationQueueUrl"))
                .isEqualTo("https://sqs." + REGION + ".amazonaws.com/" + ACCOUNT + "/trailwatch-notifications");
        assertThat(ingest.path("trailwatch.ingest.near-real-time.queue-url").asText()).isEqualTo(stack.output("EventsQueueUrl"));
        assertThat(ingest.path("trailwatch.ingest.sources.buckets").asText()).isEqualTo(BUCKET);
        assertThat(ingest.path("trailwatch.ingest.sources.expected-bucket-owner").asText()).isEqualTo(ACCOUNT);
        assertThat(values.at("/ingest/serviceAccount/annotations/eks.amazonaws.com~1role-arn").asText()).isEqualTo(stack.output("IngestRoleArn"));
        assertThat(values.at("/remediate/serviceAccount/annotations/eks.amazonaws.com~1role-arn").asText()).isEqualTo(stack.output("RemediateRoleArn"));
        assertThat(values.at("/notify/serviceAccount/annotations/eks.amazonaws.com~1role-arn").asText()).isEqualTo(stack.output("NotifyRoleArn"));

        Path file = dir.resolve("aws-values.yaml");
        Files.writeString(file, stack.output("HelmValues"));
        List<JsonNode> objects = Chart.render(file);
        JsonNode account = Chart.named(objects, "ServiceAccount", "trailwatch-ingest");
        assertThat(account.at("/metadata/annotations/eks.amazonaws.com~1role-arn").asText()).isEqualTo(stack.output("IngestRoleArn"));
        String properties = Chart.named(objects, "ConfigMap", Chart.RELEASE + "-trailwatch-ingest").at("/data/application.properties").asText();
        assertThat(properties).contains("trailwatch.ingest.sqs.queue-url=" + stack.output("NotificationQueueUrl"))
                .contains("trailwatch.ingest.near-real-time.queue-url=" + stack.output("EventsQueueUrl"))
                .contains("trailwatch.ingest.aws.region=" + REGION)
                .contains("trailwatch.ingest.sources.accounts=" + ACCOUNT);
        JsonNode deployment = Chart.named(objects, "Deployment", Chart.RELEASE + "-trailwatch-remediate");
        assertThat(deployment.at("/spec/template/spec/serviceAccountName").asText()).isEqualTo("trailwatch-remediate");
    }

    @Test
    void theHelmValuesOutput_narrowsIngestToTheKnownAccounts_unlessAnOrganizationTrailWritesHere() throws IOException {
        String accounts = "/ingest/config/trailwatch.ingest.sources.accounts";

        assertThat(JSON.readTree(deploy(Map.of()).output("HelmValues")).at(accounts).asText()).isEqualTo(ACCOUNT);
        assertThat(JSON.readTree(deploy(Map.of("MemberAccountIds", "444455556666,777788889999")).output("HelmValues")).at(accounts).asText())
                .isEqualTo(ACCOUNT + ",444455556666,777788889999");
        assertThat(JSON.readTree(deploy(Map.of("OrganizationTrail", "true", "OrganizationId", "o-a1b2c3d4e5")).output("HelmValues"))
                .at(accounts).isMissingNode()).isTrue();
        assertThat(JSON.readTree(deploy(Map.of("CreateTrail", "false", "ManagementAccountId", "999988887777")).output("HelmValues"))
                .at(accounts).asText()).isEqualTo("999988887777");
    }

    @Test
    void theHelmValuesOutput_namesTheServiceAccountsWithoutAnnotations_forPodIdentity() throws IOException {
        JsonNode values = JSON.readTree(deploy(Map.of("IdentityMechanism", "pod-identity", "ClusterName", "prod")).output("HelmValues"));

        assertThat(values.at("/ingest/serviceAccount/name").asText()).isEqualTo("trailwatch-ingest");
        assertThat(values.at("/ingest/serviceAccount").has("annotations")).isFalse();
        assertThat(values.has("notify")).isFalse();
        assertThat(JSON.readTree(deploy(Map.of("IdentityMechanism", "none")).output("HelmValues")).at("/ingest").has("serviceAccount")).isFalse();
    }

    @Test
    void aParameterTheTemplateDoesNotHave_isRefused() {
        assertThatThrownBy(() -> deploy(Map.of("NoSuchParameter", "x"))).hasMessageContaining("NoSuchParameter");
    }

    // ---------------------------------------------------------------- helpers

    /** deploy/iam's placeholders, as this stack fills them. */
    static Map<String, String> placeholders(Stack stack) {
        Map<String, String> p = new HashMap<>();
        p.put("REGION", REGION);
        p.put("ACCOUNT_ID", ACCOUNT);
        p.put("TRAIL_BUCKET", BUCKET);
        p.put("TRAIL_KMS_KEY_ID", "TrailKey");
        p.put("EVENTBRIDGE_QUEUE_NAME", stack.has("EventsQueue") ? stack.properties("EventsQueue").path("QueueName").asText() : "");
        p.put("QUEUE_NAME", stack.properties("NotificationQueue").path("QueueName").asText());
        return p;
    }

    /** A policy of deploy/iam with its placeholders filled (longest first: QUEUE_NAME is within EVENTBRIDGE_QUEUE_NAME). */
    static JsonNode iam(String file, Map<String, String> placeholders) throws IOException {
        String text = Files.readString(Path.of("iam", file));
        List<String> names = new ArrayList<>(placeholders.keySet());
        names.sort(Comparator.comparingInt(String::length).reversed());
        for (String name : names) {
            text = text.replace(name, placeholders.get(name));
        }
        return JSON.readTree(text);
    }

    static JsonNode statement(JsonNode policy, String sid) {
        for (JsonNode s : policy.path("Statement")) {
            if (sid.equals(s.path("Sid").asText())) {
                return s;
            }
        }
        throw new AssertionError("no statement " + sid + " in " + policy);
    }

    static List<String> strings(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(n -> out.add(n.asText()));
        } else if (!node.isMissingNode()) {
            out.add(node.asText());
        }
        return out;
    }

    static List<String> strings(List<JsonNode> nodes) {
        List<String> out = new ArrayList<>();
        nodes.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static JsonNode field(JsonNode selector, String name) {
        for (JsonNode f : selector.path("FieldSelectors")) {
            if (name.equals(f.path("Field").asText())) {
                return f;
            }
        }
        return null;
    }

    private static JsonNode rule(JsonNode rules, String id) {
        for (JsonNode r : rules) {
            if (id.equals(r.path("Id").asText())) {
                return r;
            }
        }
        throw new AssertionError("no lifecycle rule " + id);
    }
}

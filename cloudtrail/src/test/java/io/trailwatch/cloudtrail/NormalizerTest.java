package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.ModelJson;
import io.trailwatch.model.SchemaCheck;
import io.trailwatch.model.Topics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NormalizerTest {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final List<ObjectNode> RECORDS = new ArrayList<>();

    @BeforeAll
    static void readFixture() throws Exception {
        new LogFileReader(Caps.DEFAULT).read(new ByteArrayInputStream(Fixtures.bytes("cloudtrail/mixed-event-types.json")),
                new LogFileReader.Sink() {
                    @Override
                    public void record(int index, ObjectNode record) {
                        RECORDS.add(record);
                    }

                    @Override
                    public void badRecord(int index, String reason, String detail) {
                        throw new AssertionError(reason);
                    }
                });
    }

    @Test
    void rootConsoleLogin_withMfa() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(0), null);

        assertThat(e.eventId()).isEqualTo("0e5d1c4b-3a29-4f18-8e07-d6c5b4a39281");
        assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-03-02T08:00:12Z"));
        assertThat(e.eventSource()).isEqualTo("signin.amazonaws.com");
        assertThat(e.eventName()).isEqualTo("ConsoleLogin");
        assertThat(e.eventType()).isEqualTo("AwsConsoleSignIn");
        assertThat(e.accountId()).isEqualTo("111122223333");
        assertThat(e.principal().type()).isEqualTo("Root");
        assertThat(e.principal().arn()).isEqualTo("arn:aws:iam::111122223333:root");
        assertThat(e.principal().mfaAuthenticated()).isTrue();
        assertThat(e.sourceIp()).isEqualTo("198.51.100.23");
        assertThat(e.requestParameters()).as("JSON null section").isNull();
        assertThat(e.responseElements().get("ConsoleLogin").asText()).isEqualTo("Success");
        assertThat(e.tlsDetails().get("tlsVersion").asText()).isEqualTo("TLSv1.3");
        assertThat(e.raw()).isSameAs(RECORDS.get(0));
    }

    @Test
    void crossAccountAssumeRole_keepsCallerAccountAndSharedEventId() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(1), null);

        assertThat(e.accountId()).as("recipient").isEqualTo("111122223333");
        assertThat(e.principal().type()).isEqualTo("AWSAccount");
        assertThat(e.principal().accountId()).isEqualTo("444455556666");
        assertThat(e.sharedEventId()).isEqualTo("9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d");
        assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-03-02T08:05:00.517Z"));
        assertThat(e.readOnly()).isTrue();
        assertThat(e.requestId()).isEqualTo("f0e1d2c3-b4a5-4697-8877-665544332211");
        assertThat(e.resources().get(0).get("ARN").asText()).isEqualTo("arn:aws:iam::111122223333:role/PartnerAudit");
    }

    @Test
    void assumedRole_hasSessionIssuerAndStringMfaFlag() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(2), null);

        assertThat(e.principal().type()).isEqualTo("AssumedRole");
        assertThat(e.principal().principalId()).isEqualTo("AROAEXAMPLEROLEID1234:ana");
        assertThat(e.principal().accessKeyId()).isEqualTo("ASIAEXAMPLEKEY123456");
        assertThat(e.principal().sessionIssuer().arn()).isEqualTo("arn:aws:iam::111122223333:role/Operator");
        assertThat(e.principal().sessionIssuer().userName()).isEqualTo("Operator");
        assertThat(e.principal().mfaAuthenticated()).isFalse();
        assertThat(e.requestParameters().at("/ipPermissions/items/0/ipRanges/items/0/cidrIp").asText())
                .isEqualTo("0.0.0.0/0");
    }

    @Test
    void booleansGivenAsStrings_andPolicyKeptAsJsonString() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(3), null);

        assertThat(e.readOnly()).isFalse();
        assertThat(e.managementEvent()).isTrue();
        assertThat(e.principal().userName()).isEqualTo("maria");
        assertThat(e.principal().mfaAuthenticated()).as("IAM user keys say nothing about MFA").isNull();
        assertThat(e.requestParameters().get("bucketPolicy").asText()).contains("\"Principal\":\"*\"");
    }

    @Test
    void dataEvent_withSpaceSeparatedTimeAndVpcEndpoint() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(4), null);

        assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-03-02T08:20:31Z"));
        assertThat(e.eventCategory()).isEqualTo("Data");
        assertThat(e.managementEvent()).isFalse();
        assertThat(e.vpcEndpointId()).isEqualTo("vpce-0fedcba9876543210");
        assertThat(e.additionalEventData().get("bytesTransferredOut").decimalValue()).isEqualByComparingTo("18432");
    }

    @Test
    void insightEvent_hasNoPrincipal_andKeepsInsightDetails() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(5), null);

        assertThat(e.eventType()).isEqualTo("AwsCloudTrailInsight");
        assertThat(e.eventCategory()).isEqualTo("Insight");
        assertThat(e.principal()).isNull();
        assertThat(e.insightDetails().get("insightType").asText()).isEqualTo("ApiErrorRateInsight");
        assertThat(e.insightDetails().get("errorCode").asText()).isEqualTo("AccessDenied");
    }

    @Test
    void networkActivityEvent_withOffsetTimeAndError() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(6), null);

        assertThat(e.eventTime()).isEqualTo(Instant.parse("2026-03-02T08:30:00Z"));
        assertThat(e.eventType()).isEqualTo("AwsVpceEvent");
        assertThat(e.eventCategory()).isEqualTo("NetworkActivity");
        assertThat(e.errorCode()).isEqualTo("VpceAccessDenied");
        assertThat(e.failed()).isTrue();
    }

    @Test
    void serviceEvent_keepsInvokedBy_andUnknownFieldsInRaw() throws Exception {
        CloudTrailEvent e = Normalizer.normalize(RECORDS.get(7), null);

        assertThat(e.principal().type()).isEqualTo("AWSService");
        assertThat(e.principal().invokedBy()).isEqualTo("cloudtrail.amazonaws.com");
        assertThat(e.raw().get("somethingNewFromAws")).isNotNull();
    }

    @Test
    void recordWithoutEventId_isRejected() {
        assertThatThrownBy(() -> Normalizer.normalize(RECORDS.get(8), null))
                .isInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("eventID")
                .extracting(ex -> ((InvalidRecordException) ex).reason()).isEqualTo(Normalizer.MISSING_FIELD);
    }

    @Test
    void recordWithoutEventTimeSourceOrName_isRejected() throws Exception {
        for (String field : List.of("eventTime", "eventSource", "eventName")) {
            ObjectNode copy = RECORDS.get(9).deepCopy();
            copy.remove(field);
            assertThatThrownBy(() -> Normalizer.normalize(copy, null)).hasMessageContaining(field);
        }
    }

    @Test
    void unparseableEventTime_isRejected() {
        ObjectNode copy = RECORDS.get(9).deepCopy();
        copy.put("eventTime", "yesterday");

        assertThatThrownBy(() -> Normalizer.normalize(copy, null))
                .extracting(ex -> ((InvalidRecordException) ex).reason()).isEqualTo(Normalizer.INVALID_FIELD);
    }

    @Test
    void accountId_fallsBackToTheKeysAccount_thenThePrincipals() throws Exception {
        ObjectNode copy = RECORDS.get(9).deepCopy();
        copy.remove("recipientAccountId");

        assertThat(Normalizer.normalize(copy, "999988887777").accountId()).isEqualTo("999988887777");
        assertThat(Normalizer.normalize(copy, null).accountId()).isEqualTo("111122223333");
    }

    @Test
    void everyNormalizedFixtureRecord_validatesAgainstTheEventSchemas_asWrittenAndNormalized() throws Exception {
        for (ObjectNode record : RECORDS) {
            if (!record.has("eventID")) {
                continue;
            }
            assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.EVENTS, 1), JSON.writeValueAsString(record)))
                    .as(record.get("eventName").asText()).isEmpty();
            String json = JSON.writeValueAsString(Normalizer.normalize(record, null));
            assertThat(SchemaCheck.violations(SchemaCheck.schemaPath(Topics.EVENTS_V1, 1), json))
                    .as(record.get("eventName").asText()).isEmpty();
            assertThat(JSON.readValue(json, CloudTrailEvent.class).raw()).isEqualTo(record);
        }
    }
}

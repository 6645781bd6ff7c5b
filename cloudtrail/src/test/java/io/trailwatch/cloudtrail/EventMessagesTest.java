package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Headers;
import io.trailwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a consumer of trailwatch.events.v3 reads back: the event a consumer of trailwatch.events.v1 was given. */
class EventMessagesTest {

    private static final ObjectMapper JSON = ModelJson.newMapper();
    private static final List<String> GOLDEN = List.of("console-login-iam-user-without-mfa", "insight-api-error-rate",
            "stop-logging-assumed-role");

    @Test
    void aV3MessageDecodesToTheEventAV1ConsumerRead() throws Exception {
        for (String name : GOLDEN) {
            CloudTrailEvent v1 = JSON.readValue(golden("trailwatch.events.v1", name), CloudTrailEvent.class);
            byte[] record = golden("trailwatch.events.v3", name);

            CloudTrailEvent decoded = EventMessages.decode(record, v1.accountId(), header -> null);

            assertThat(JSON.readTree(JSON.writeValueAsBytes(decoded))).as(name).isEqualTo(JSON.readTree(JSON.writeValueAsBytes(v1)));
        }
    }

    @Test
    void provenanceHeadersBecomeTheEventsOrigin_andAnUnknownCheckIsNotTakenForVerified() throws Exception {
        byte[] record = golden("trailwatch.events.v3", "stop-logging-assumed-role");
        Map<String, String> verified = Map.of(Headers.S3_BUCKET, "trail-bucket", Headers.S3_KEY, "AWSLogs/x.json.gz",
                Headers.ACCOUNT_CHECK, "verified");
        Map<String, String> odd = Map.of(Headers.S3_BUCKET, "trail-bucket", Headers.S3_KEY, "AWSLogs/x.json.gz",
                Headers.ACCOUNT_CHECK, "VERIFIED ");

        assertThat(EventMessages.decode(record, null, verified::get).origin())
                .isEqualTo(new EventOrigin("trail-bucket", "AWSLogs/x.json.gz", EventOrigin.VERIFIED));
        assertThat(EventMessages.decode(record, null, odd::get).origin().accountVerified()).isFalse();
        assertThat(EventMessages.decode(record, null, h -> null).origin()).isNull();
    }

    @Test
    void aLogFilesRecordsNameItByItsId_andOnlyTheRecordThatNamesItsBucketAndKeyHasThem() throws Exception {
        byte[] record = golden("trailwatch.events.v3", "stop-logging-assumed-role");
        String key = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/111122223333_CloudTrail_eu-west-1_20260302T0805Z_a1B2c3D4e5F6g7H8.json.gz";
        String id = EventMessages.logFileId("trail-bucket", key);
        Map<String, String> first = Map.of(Headers.LOG_FILE, id, Headers.S3_BUCKET, "trail-bucket", Headers.S3_KEY, key,
                Headers.ACCOUNT_CHECK, "verified");
        Map<String, String> next = Map.of(Headers.LOG_FILE, id, Headers.ACCOUNT_CHECK, "verified");

        EventOrigin named = EventMessages.decode(record, null, first::get).origin();
        EventOrigin byId = EventMessages.decode(record, null, next::get).origin();

        assertThat(named).isEqualTo(EventOrigin.logFile("trail-bucket", key, EventOrigin.VERIFIED, id));
        assertThat(byId).isEqualTo(EventOrigin.logFile(null, null, EventOrigin.VERIFIED, id));
        assertThat(byId.via()).isEqualTo(EventOrigin.VIA_LOG_FILE);
        assertThat(byId.in("trail-bucket", key)).isEqualTo(named);
    }

    @Test
    void aLogFilesId_isShortUrlSafeAndTheSameForTheSameObject_andNamesNoOther() {
        String id = EventMessages.logFileId("trail-bucket", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/f.json.gz");

        assertThat(id).hasSize(16).matches("[A-Za-z0-9_-]{16}");
        assertThat(EventMessages.logFileId("trail-bucket", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/f.json.gz")).isEqualTo(id);
        assertThat(EventMessages.isLogFileId(id, "trail-bucket", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/f.json.gz")).isTrue();
        // the bucket is part of the name: the same key in another bucket is another file
        assertThat(EventMessages.isLogFileId(id, "other-bucket", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/f.json.gz")).isFalse();
        assertThat(EventMessages.isLogFileId(id, "trail-bucket", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/g.json.gz")).isFalse();
        assertThat(EventMessages.isLogFileId(null, "trail-bucket", "k")).isFalse();
        assertThat(EventMessages.isLogFileId(id, null, null)).isFalse();
    }

    @Test
    void anEventThatCameThroughEventBridge_hasThatOrigin_withItsEventBridgeId_andNoLogFile() throws Exception {
        byte[] record = golden("trailwatch.events.v3", "stop-logging-assumed-role");
        Map<String, String> headers = Map.of(Headers.VIA, "eventbridge", Headers.EVENTBRIDGE_ID, "0b3c7e1a-eb00-4c5d-9e0f-000000000001",
                Headers.ACCOUNT_CHECK, "verified");

        EventOrigin origin = EventMessages.decode(record, null, headers::get).origin();

        assertThat(origin).isEqualTo(EventOrigin.eventBridge("0b3c7e1a-eb00-4c5d-9e0f-000000000001", EventOrigin.VERIFIED));
        assertThat(origin.viaEventBridge()).isTrue();
        assertThat(origin.bucket()).isNull();
        assertThat(new EventOrigin("b", "k", EventOrigin.VERIFIED).via()).isEqualTo(EventOrigin.VIA_LOG_FILE);
    }

    @Test
    void theKeyIsTheAccountOnlyWhenTheRecordNamesNoRecipient() throws Exception {
        String withRecipient = "{\"eventID\":\"e\",\"eventTime\":\"2026-03-02T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"ListBuckets\",\"recipientAccountId\":\"111122223333\"}";
        String without = "{\"eventID\":\"e\",\"eventTime\":\"2026-03-02T10:00:00Z\",\"eventSource\":\"s3.amazonaws.com\","
                + "\"eventName\":\"ListBuckets\",\"userIdentity\":{\"accountId\":\"444455556666\"}}";

        assertThat(EventMessages.decode(utf8(withRecipient), "999999999999", h -> null).accountId()).isEqualTo("111122223333");
        assertThat(EventMessages.decode(utf8(without), "999999999999", h -> null).accountId()).isEqualTo("999999999999");
        assertThat(EventMessages.decode(utf8(without), null, h -> null).accountId()).isEqualTo("444455556666");
    }

    @Test
    void aValueThatIsNoRecordIsRefusedWithAReason() {
        for (String bad : new String[]{"{not json", "[1,2]", "\"text\"", "{\"eventID\":\"e\"}"}) {
            assertThatThrownBy(() -> EventMessages.decode(utf8(bad), null, h -> null)).as(bad)
                    .isInstanceOf(InvalidRecordException.class);
        }
        assertThatThrownBy(() -> EventMessages.decode(null, null, h -> null)).hasMessageContaining("no value");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] golden(String topic, String name) throws Exception {
        try (InputStream in = EventMessagesTest.class.getResourceAsStream("/golden/" + topic + "/v1/" + name + ".json")) {
            assertThat(in).as("golden fixture " + topic + "/" + name).isNotNull();
            return in.readAllBytes();
        }
    }
}

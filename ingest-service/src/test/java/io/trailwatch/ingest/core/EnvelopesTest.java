package io.trailwatch.ingest.core;

import io.trailwatch.ingest.Notifications;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopesTest {

    private static final String KEY = "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/"
            + "111122223333_CloudTrail_eu-west-1_20260302T1005Z_Xk3hQ9pLmN2rT7vW.json.gz";
    private static final String ODD_KEY = "trails/team a+b/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/x=1.json.gz";
    private static final Map<String, String> VALUES = Map.of("bucket", "org-trail", "key", KEY, "size", "4821",
            "etag", "6f1c2b9e8d7a6b5c4d3e2f1a0b9c8d7e", "key2", ODD_KEY, "size2", "77");

    @Test
    void s3Notification_namesBucketKeySizeAndEtag() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("s3-object-created.json", VALUES));

        assertThat(n.envelope()).isEqualTo("s3");
        assertThat(n.objects()).containsExactly(new ObjectRef("org-trail", KEY, 4821,
                "6f1c2b9e8d7a6b5c4d3e2f1a0b9c8d7e", null, Instant.parse("2026-03-02T10:05:37.512Z")));
    }

    @Test
    void s3Notification_keysAreUrlDecoded() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("s3-object-created.json", Map.of("bucket", "b", "key", ODD_KEY)));

        assertThat(n.objects().get(0).key()).isEqualTo(ODD_KEY);
        assertThat(Notifications.render("s3-object-created.json", Map.of("bucket", "b", "key", ODD_KEY)))
                .contains("team+a%2Bb").contains("x%3D1");
    }

    @Test
    void s3Notification_withSeveralRecords_namesEveryObject() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("s3-object-created-two-records.json", VALUES));

        assertThat(n.objects()).extracting(ObjectRef::key).containsExactly(KEY, ODD_KEY);
        assertThat(n.objects()).extracting(ObjectRef::size).containsExactly(4821L, 77L);
    }

    @Test
    void s3Notification_inSnsEnvelope() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("sns-s3-object-created.json", VALUES));

        assertThat(n.envelope()).isEqualTo("sns-s3");
        assertThat(n.objects()).extracting(ObjectRef::bucket, ObjectRef::key).containsExactly(
                org.assertj.core.groups.Tuple.tuple("org-trail", KEY));
    }

    @Test
    void eventBridgeObjectCreated() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("eventbridge-object-created.json", VALUES));

        assertThat(n.envelope()).isEqualTo("eventbridge");
        assertThat(n.objects()).containsExactly(new ObjectRef("org-trail", KEY, 4821,
                "6f1c2b9e8d7a6b5c4d3e2f1a0b9c8d7e", null, Instant.parse("2026-03-02T10:05:37Z")));
    }

    @Test
    void cloudTrailSnsNotification_rawAndInSns_keysArePlain() throws Exception {
        Notification raw = Envelopes.parse(Notifications.render("cloudtrail-sns.json", VALUES));
        Notification wrapped = Envelopes.parse(Notifications.render("sns-cloudtrail.json", VALUES));

        assertThat(raw.envelope()).isEqualTo("cloudtrail-sns");
        assertThat(raw.objects()).extracting(ObjectRef::key).containsExactly(KEY, ODD_KEY);
        assertThat(wrapped.envelope()).isEqualTo("sns-cloudtrail-sns");
        assertThat(wrapped.objects()).extracting(ObjectRef::key).containsExactly(KEY);
    }

    @Test
    void testEventsDeletionsAndSubscriptionConfirmations_needNoIngestion() throws Exception {
        for (String fixture : new String[]{"s3-test-event.json", "s3-object-removed.json", "eventbridge-object-deleted.json",
                "sns-subscription-confirmation.json"}) {
            Notification n = Envelopes.parse(Notifications.render(fixture, VALUES));
            assertThat(n.objects()).as(fixture).isEmpty();
            assertThat(n.ignored()).as(fixture).isNotBlank();
        }
        assertThat(Envelopes.parse(Notifications.render("s3-test-event.json", VALUES)).envelope()).isEqualTo("s3-test-event");
    }

    @Test
    void bodyThatIsNoJson_isInvalid() {
        assertThatThrownBy(() -> Envelopes.parse("hello, queue"))
                .isInstanceOf(InvalidNotificationException.class)
                .extracting(e -> ((InvalidNotificationException) e).reason()).isEqualTo(InvalidNotificationException.NOT_JSON);
    }

    @Test
    void jsonThatIsNoKnownEnvelope_isInvalid_andNamesItsFields() {
        assertThatThrownBy(() -> Envelopes.parse("{\"hello\":\"world\"}"))
                .hasMessageContaining("hello")
                .extracting(e -> ((InvalidNotificationException) e).reason())
                .isEqualTo(InvalidNotificationException.UNKNOWN_ENVELOPE);
        assertThatThrownBy(() -> Envelopes.parse("[1,2]"))
                .extracting(e -> ((InvalidNotificationException) e).reason())
                .isEqualTo(InvalidNotificationException.UNKNOWN_ENVELOPE);
    }

    @Test
    void knownEnvelopeWithPartsMissing_isMalformed() {
        for (String body : new String[]{
                "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{},\"object\":{\"key\":\"k\"}}}]}",
                "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\"}]}",
                "{\"Records\":[]}",
                "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[]}",
                "{\"s3Bucket\":\"b\",\"s3ObjectKey\":[42]}",
                "{\"source\":\"aws.s3\",\"detail-type\":\"Object Created\",\"detail\":{\"bucket\":{\"name\":\"b\"}}}",
                "{\"Type\":\"Notification\",\"TopicArn\":\"t\",\"Message\":\"not json\"}",
                "{\"Records\":[{\"eventName\":\"ObjectCreated:Put\",\"s3\":{\"bucket\":{\"name\":\"b\"},\"object\":{\"key\":\"bad%zzkey\"}}}]}"}) {
            assertThatThrownBy(() -> Envelopes.parse(body)).as(body)
                    .extracting(e -> ((InvalidNotificationException) e).reason())
                    .isEqualTo(InvalidNotificationException.MALFORMED_ENVELOPE);
        }
    }

    @Test
    void cloudTrailEventThroughEventBridge_isItsDetail_theRecord_withNumbersAsWritten() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("eventbridge-cloudtrail-api-call.json", Map.of("account", "111122223333")));

        assertThat(n.envelope()).isEqualTo("eventbridge-cloudtrail");
        assertThat(n.objects()).isEmpty();
        assertThat(n.events()).singleElement().satisfies(e -> {
            assertThat(e.id()).isEqualTo("3e0f5a61-7c2b-4d8e-9a1f-5b6c7d8e9f01");
            assertThat(e.detailType()).isEqualTo("AWS API Call via CloudTrail");
            assertThat(e.source()).isEqualTo("aws.cloudtrail");
            assertThat(e.account()).isEqualTo("111122223333");
            assertThat(e.region()).isEqualTo("eu-west-1");
            String record = new String(e.bytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(record).startsWith("{\"eventVersion\":\"1.09\"").contains("\"eventID\":\"eb-stop-logging-0001\"")
                    .contains("\"apiVersion\":1.10").doesNotContain("detail-type");
        });
    }

    @Test
    void everyCloudTrailDetailType_isTaken_signInsToo() throws Exception {
        Notification n = Envelopes.parse(Notifications.render("eventbridge-cloudtrail-console-signin.json", Map.of()));

        assertThat(n.events()).singleElement().satisfies(e -> {
            assertThat(e.detailType()).isEqualTo("AWS Console Signin via CloudTrail");
            assertThat(e.detail().get("eventName").asText()).isEqualTo("ConsoleLogin");
        });
    }

    @Test
    void anEventBridgeEventOfAnotherKind_isForeign() {
        assertThatThrownBy(() -> Envelopes.parse(Notifications.render("eventbridge-ec2-state-change.json", Map.of())))
                .isInstanceOf(InvalidNotificationException.class)
                .satisfies(e -> {
                    assertThat(((InvalidNotificationException) e).reason()).isEqualTo(InvalidNotificationException.FOREIGN_EVENT);
                    assertThat(e.getMessage()).contains("aws.ec2", "EC2 Instance State-change Notification");
                });
    }

    @Test
    void aCloudTrailDetailTypeFromASourceOutsideAws_isAForgery_andForeign() {
        assertThatThrownBy(() -> Envelopes.parse(Notifications.render("eventbridge-cloudtrail-forged-source.json", Map.of())))
                .isInstanceOf(InvalidNotificationException.class)
                .satisfies(e -> {
                    assertThat(((InvalidNotificationException) e).reason()).isEqualTo(InvalidNotificationException.FOREIGN_EVENT);
                    assertThat(e.getMessage()).contains("custom.audit");
                });
    }

    @Test
    void aCloudTrailEventWithoutItsDetail_orAnAccount_isMalformed() {
        assertThatThrownBy(() -> Envelopes.parse(Notifications.render("eventbridge-cloudtrail-no-detail.json", Map.of())))
                .isInstanceOf(InvalidNotificationException.class)
                .satisfies(e -> assertThat(((InvalidNotificationException) e).reason()).isEqualTo(InvalidNotificationException.MALFORMED_ENVELOPE));
        String noAccount = Notifications.render("eventbridge-cloudtrail-console-signin.json", Map.of())
                .replace("\"account\": \"111122223333\"", "\"account\": \"me\"");
        assertThatThrownBy(() -> Envelopes.parse(noAccount)).isInstanceOf(InvalidNotificationException.class)
                .hasMessageContaining("12-digit account");
    }
}

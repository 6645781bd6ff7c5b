package io.trailwatch.ingest.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Understands every SQS message body that announces CloudTrail files:
 * <ul>
 *   <li>S3 event notifications ({@code {"Records":[{"eventSource":"aws:s3","s3":{...}}]}}), keys URL-encoded;</li>
 *   <li>the same inside an SNS envelope ({@code {"Type":"Notification","Message":"..."}}); with SNS raw message
 *   delivery the body is the S3 notification itself;</li>
 *   <li>EventBridge "Object Created" events ({@code {"detail-type":"Object Created","source":"aws.s3",...}});</li>
 *   <li>CloudTrail events through EventBridge ({@code {"detail-type":"AWS API Call via CloudTrail","source":"aws.iam",
 *   "account":"...","detail":{...}}}, every detail type ending in " via CloudTrail"): the detail is the CloudTrail
 *   record. Other EventBridge events are foreign: a dead letter, as is a CloudTrail detail type from a source that is
 *   not {@code aws.*} (EventBridge accepts those from AWS services only, so such an event is someone's forgery);</li>
 *   <li>CloudTrail's own SNS delivery notifications ({@code {"s3Bucket":"...","s3ObjectKey":["..."]}}), raw or in SNS;</li>
 *   <li>{@code s3:TestEvent}, sent when a notification is configured: acknowledged and ignored.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class Envelopes {

    /** Numbers as written (a record's 1.10 stays 1.10), since an EventBridge event's detail is published as read. */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .nodeFactory(com.fasterxml.jackson.databind.node.JsonNodeFactory.withExactBigDecimals(true))
            .build();
    /** What every CloudTrail detail type ends with. */
    static final String VIA_CLOUDTRAIL = " via CloudTrail";

    private Envelopes() {
    }

    /**
     * Parses a message body.
     *
     * @throws InvalidNotificationException when the body is not JSON, no known envelope, or a known one with parts
     *                                      missing
     */
    public static Notification parse(String body) throws InvalidNotificationException {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidNotificationException(InvalidNotificationException.NOT_JSON, "unknown",
                    "SQS message body is not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidNotificationException(InvalidNotificationException.UNKNOWN_ENVELOPE, "unknown",
                    "SQS message body is JSON but not an object");
        }
        if ("Notification".equals(text(root, "Type")) && root.has("Message")) {
            return parseSnsMessage(root);
        }
        String type = text(root, "Type");
        if (type != null && type.endsWith("Confirmation") && root.has("TopicArn")) {
            return Notification.ignored("sns-subscription", "SNS " + type + " needs no ingestion");
        }
        return parseInner(root, "");
    }

    private static Notification parseSnsMessage(JsonNode sns) throws InvalidNotificationException {
        JsonNode message = sns.get("Message");
        JsonNode inner;
        try {
            inner = message.isTextual() ? JSON.readTree(message.textValue()) : message;
        } catch (JsonProcessingException e) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, "sns",
                    "SNS Message is not JSON: " + e.getOriginalMessage());
        }
        if (inner == null || !inner.isObject()) {
            throw new InvalidNotificationException(InvalidNotificationException.UNKNOWN_ENVELOPE, "sns",
                    "SNS Message is no JSON object");
        }
        return parseInner(inner, "sns-");
    }

    private static Notification parseInner(JsonNode root, String via) throws InvalidNotificationException {
        if ("s3:TestEvent".equals(text(root, "Event"))) {
            return Notification.ignored(via + "s3-test-event", "s3:TestEvent for bucket " + text(root, "Bucket"));
        }
        if (root.has("Records") && root.get("Records").isArray()) {
            return parseS3Event(root.get("Records"), via + "s3");
        }
        if (root.has("s3Bucket") && root.has("s3ObjectKey")) {
            return parseCloudTrailSns(root, via + "cloudtrail-sns");
        }
        if (root.has("detail-type") && root.has("source")) {
            String detailType = text(root, "detail-type");
            if (detailType != null && detailType.endsWith(VIA_CLOUDTRAIL)) {
                return parseCloudTrailEvent(root, via + "eventbridge-cloudtrail");
            }
            if ("aws.s3".equals(text(root, "source"))) {
                return parseEventBridge(root, via + "eventbridge");
            }
            throw new InvalidNotificationException(InvalidNotificationException.FOREIGN_EVENT, via + "eventbridge-other",
                    "an EventBridge event of source '" + clip(text(root, "source")) + "', detail-type '" + clip(detailType)
                            + "': neither CloudTrail's nor an S3 Object Created; the EventBridge rule matches more than it should");
        }
        List<String> fields = new ArrayList<>();
        root.fieldNames().forEachRemaining(fields::add);
        throw new InvalidNotificationException(InvalidNotificationException.UNKNOWN_ENVELOPE, via.isEmpty() ? "unknown" : "sns",
                "JSON but no known notification: an object with fields " + fields.subList(0, Math.min(fields.size(), 10)));
    }

    private static Notification parseS3Event(JsonNode records, String envelope) throws InvalidNotificationException {
        List<ObjectRef> objects = new ArrayList<>();
        int ignored = 0;
        for (JsonNode r : records) {
            String eventName = text(r, "eventName");
            JsonNode s3 = r.get("s3");
            if (s3 == null || !s3.isObject()) {
                throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                        "S3 event record without s3 section (eventSource " + text(r, "eventSource") + ")");
            }
            if (eventName == null || !eventName.startsWith("ObjectCreated:")) {
                ignored++;
                continue;
            }
            String bucket = text(s3.path("bucket"), "name");
            String key = text(s3.path("object"), "key");
            if (bucket == null || key == null) {
                throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                        "S3 event record without bucket name or object key");
            }
            JsonNode object = s3.get("object");
            objects.add(new ObjectRef(bucket, urlDecode(key, envelope), object.path("size").asLong(-1),
                    text(object, "eTag"), text(object, "versionId"), instant(text(r, "eventTime"))));
        }
        if (objects.isEmpty()) {
            if (ignored == 0) {
                throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                        "S3 event notification with no records");
            }
            return Notification.ignored(envelope, ignored + " S3 event record(s) that create no object");
        }
        return Notification.objects(envelope, objects);
    }

    private static Notification parseCloudTrailSns(JsonNode root, String envelope) throws InvalidNotificationException {
        String bucket = text(root, "s3Bucket");
        JsonNode keys = root.get("s3ObjectKey");
        if (bucket == null || keys == null || !keys.isArray() || keys.isEmpty()) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "CloudTrail notification needs s3Bucket and a non-empty s3ObjectKey array");
        }
        List<ObjectRef> objects = new ArrayList<>();
        for (Iterator<JsonNode> it = keys.elements(); it.hasNext(); ) {
            JsonNode key = it.next();
            if (!key.isTextual() || key.textValue().isEmpty()) {
                throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                        "CloudTrail notification with a key that is no string");
            }
            // CloudTrail's own notifications carry plain keys, not URL-encoded ones.
            objects.add(new ObjectRef(bucket, key.textValue(), -1, null, null, null));
        }
        return Notification.objects(envelope, objects);
    }

    private static Notification parseEventBridge(JsonNode root, String envelope) throws InvalidNotificationException {
        String type = text(root, "detail-type");
        if (!"Object Created".equals(type)) {
            return Notification.ignored(envelope, "EventBridge " + type + " needs no ingestion");
        }
        JsonNode detail = root.path("detail");
        String bucket = text(detail.path("bucket"), "name");
        JsonNode object = detail.path("object");
        String key = text(object, "key");
        if (bucket == null || key == null) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "EventBridge Object Created without detail.bucket.name or detail.object.key");
        }
        return Notification.objects(envelope, List.of(new ObjectRef(bucket, urlDecode(key, envelope),
                object.path("size").asLong(-1), text(object, "etag"), text(object, "version-id"),
                instant(text(root, "time")))));
    }

    private static Notification parseCloudTrailEvent(JsonNode root, String envelope) throws InvalidNotificationException {
        String source = text(root, "source");
        String detailType = text(root, "detail-type");
        if (source == null || !source.startsWith("aws.")) {
            throw new InvalidNotificationException(InvalidNotificationException.FOREIGN_EVENT, envelope,
                    "detail-type '" + clip(detailType) + "' from source '" + clip(source) + "': EventBridge takes aws.* sources"
                            + " from AWS services only, so a CloudTrail event from any other source was put there by someone");
        }
        String id = text(root, "id");
        String account = text(root, "account");
        JsonNode detail = root.get("detail");
        if (id == null || id.isBlank()) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "EventBridge event without an id");
        }
        if (account == null || !account.matches("\\d{12}")) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "EventBridge event " + clip(id) + " without a 12-digit account: '" + clip(account) + "'");
        }
        if (detail == null || !detail.isObject()) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "EventBridge event " + clip(id) + " has no detail object, so no CloudTrail record");
        }
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(detail);
        } catch (JsonProcessingException e) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "EventBridge event " + clip(id) + ": its detail does not serialize: " + e.getOriginalMessage());
        }
        return Notification.events(envelope, List.of(new BridgedEvent(id, detailType, source, account, text(root, "region"),
                detail, bytes)));
    }

    /** A value from a hostile message, short enough for a log line and a dead letter's detail. */
    private static String clip(String s) {
        return s == null ? null : s.length() > 100 ? s.substring(0, 100) + "..." : s;
    }

    /** S3 URL-encodes keys in notifications the form way: a space is '+', '+' is %2B. */
    private static String urlDecode(String key, String envelope) throws InvalidNotificationException {
        try {
            return URLDecoder.decode(key, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidNotificationException(InvalidNotificationException.MALFORMED_ENVELOPE, envelope,
                    "object key is not URL-encoded correctly");
        }
    }

    private static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || !v.isValueNode() || v.isNull() ? null : v.asText();
    }
}

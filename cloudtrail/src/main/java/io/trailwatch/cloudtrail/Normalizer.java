package io.trailwatch.cloudtrail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Principal;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Turns one CloudTrail record into a {@link CloudTrailEvent}. Tolerates what real trails contain: booleans given as
 * strings, null or missing sections, numbers where strings are expected, Insights, data and network-activity events.
 * A record without eventID, eventTime, eventSource or eventName is rejected. Stateless and thread-safe.
 */
public final class Normalizer {

    /** Bounded reasons for {@link InvalidRecordException}. */
    public static final String MISSING_FIELD = "missing-field";
    public static final String INVALID_FIELD = "invalid-field";

    private Normalizer() {
    }

    /**
     * Normalizes a record.
     *
     * @param record          the record as read from the log file; it becomes the event's {@code raw}
     * @param fallbackAccount the account to use when the record names no recipient (e.g. from the S3 key); may be null
     * @throws InvalidRecordException when a required field is missing or unreadable
     */
    public static CloudTrailEvent normalize(ObjectNode record, String fallbackAccount) throws InvalidRecordException {
        String eventId = required(record, "eventID");
        String eventTimeText = required(record, "eventTime");
        String eventSource = required(record, "eventSource");
        String eventName = required(record, "eventName");
        Instant eventTime;
        try {
            eventTime = EventTimes.parse(eventTimeText);
        } catch (DateTimeParseException e) {
            throw new InvalidRecordException(INVALID_FIELD, "eventTime is not a date-time: '" + clip(eventTimeText) + "'");
        }

        JsonNode identity = record.get("userIdentity");
        Principal principal = principal(identity, record);
        String accountId = text(record, "recipientAccountId");
        if (accountId == null) {
            accountId = fallbackAccount != null ? fallbackAccount : principal == null ? null : principal.accountId();
        }

        return new CloudTrailEvent(
                eventId,
                eventTime,
                text(record, "eventVersion"),
                eventSource,
                eventName,
                text(record, "awsRegion"),
                accountId,
                principal,
                text(record, "sourceIPAddress"),
                text(record, "userAgent"),
                text(record, "errorCode"),
                text(record, "errorMessage"),
                bool(record.get("readOnly")),
                bool(record.get("managementEvent")),
                text(record, "eventType"),
                text(record, "eventCategory"),
                text(record, "requestID"),
                text(record, "sharedEventID"),
                text(record, "vpcEndpointId"),
                json(record, "requestParameters"),
                json(record, "responseElements"),
                json(record, "additionalEventData"),
                json(record, "serviceEventDetails"),
                json(record, "resources"),
                json(record, "tlsDetails"),
                json(record, "insightDetails"),
                record);
    }

    /**
     * Checks what {@link #normalize} requires of a record read as bytes, without a tree: eventID, eventTime,
     * eventSource and eventName present, eventTime a date-time.
     *
     * @return the event's time
     * @throws InvalidRecordException as {@link #normalize} would for the same record
     */
    public static Instant check(RawRecord record) throws InvalidRecordException {
        required(record.eventId(), "eventID");
        required(record.eventTime(), "eventTime");
        required(record.eventSource(), "eventSource");
        required(record.eventName(), "eventName");
        try {
            return EventTimes.parse(record.eventTime());
        } catch (DateTimeParseException e) {
            throw new InvalidRecordException(INVALID_FIELD, "eventTime is not a date-time: '" + clip(record.eventTime()) + "'");
        }
    }

    /** The account of a record read as bytes, as {@link #normalize} decides it: recipient, else fallback, else caller's. */
    public static String account(RawRecord record, String fallbackAccount) {
        if (record.recipientAccountId() != null) {
            return record.recipientAccountId();
        }
        return fallbackAccount != null ? fallbackAccount : record.principalAccountId();
    }

    private static void required(String value, String field) throws InvalidRecordException {
        if (value == null || value.isBlank()) {
            throw new InvalidRecordException(MISSING_FIELD, "record has no " + field);
        }
    }

    private static Principal principal(JsonNode identity, JsonNode record) {
        if (identity == null || !identity.isObject()) {
            return null;
        }
        JsonNode context = identity.get("sessionContext");
        JsonNode issuerNode = context == null ? null : context.get("sessionIssuer");
        Principal.SessionIssuer issuer = null;
        if (issuerNode != null && issuerNode.isObject() && !issuerNode.isEmpty()) {
            issuer = new Principal.SessionIssuer(text(issuerNode, "type"), text(issuerNode, "principalId"),
                    text(issuerNode, "arn"), text(issuerNode, "accountId"), text(issuerNode, "userName"));
        }
        Boolean mfa = null;
        JsonNode attributes = context == null ? null : context.get("attributes");
        if (attributes != null && attributes.isObject()) {
            mfa = bool(attributes.get("mfaAuthenticated"));
        }
        // Console sign-in says it in additionalEventData.MFAUsed ("Yes"/"No"), which is the authoritative answer there.
        JsonNode additional = record.get("additionalEventData");
        if (additional != null && additional.isObject() && additional.has("MFAUsed")) {
            Boolean used = bool(additional.get("MFAUsed"));
            if (used != null) {
                mfa = used;
            }
        }
        String userName = text(identity, "userName");
        return new Principal(text(identity, "type"), text(identity, "arn"), text(identity, "accountId"),
                text(identity, "principalId"), userName, text(identity, "accessKeyId"), issuer, mfa,
                text(identity, "invokedBy"));
    }

    private static String required(JsonNode record, String field) throws InvalidRecordException {
        String value = text(record, field);
        required(value, field);
        return value;
    }

    /** A scalar as text; null for missing, null, or structured values. */
    static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull() || v.isContainerNode()) {
            return null;
        }
        return v.asText();
    }

    /** A section as received; null when missing or JSON null. */
    private static JsonNode json(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** true/false, "true"/"false", "yes"/"no" in any case; anything else is null (unknown). */
    static Boolean bool(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        if (v.isBoolean()) {
            return v.booleanValue();
        }
        if (v.isTextual()) {
            return switch (v.textValue().trim().toLowerCase(Locale.ROOT)) {
                case "true", "yes" -> Boolean.TRUE;
                case "false", "no" -> Boolean.FALSE;
                default -> null;
            };
        }
        return null;
    }

    private static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}

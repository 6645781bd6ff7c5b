package io.trailwatch.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;

/**
 * One CloudTrail record, normalized: what rules read, and a finding's evidence. On Kafka, topic {@link Topics#EVENTS}
 * ({@code trailwatch.events.v3}) carries the record itself and its headers, from which this is rebuilt; the topics
 * before it, {@link Topics#EVENTS_V2} and {@link Topics#EVENTS_V1}, are no longer published.
 *
 * <p><b>Contract of {@code trailwatch.events.v3}.</b> Key: {@link #accountId()} as a UTF-8 string (so one account's
 * events keep their order). Value: the CloudTrail record exactly as written in its log file (UTF-8 JSON), validated by
 * {@code schemas/trailwatch.events.v3/v1.schema.json}. Headers: the CloudEvents Kafka binding ({@code ce_id} =
 * eventID, {@code ce_type} = {@value #CE_TYPE}, {@code ce_source}, {@code ce_time} = eventTime in RFC 3339,
 * {@code ce_specversion}, {@code content-type}), {@code tw_schema_version} = {@value #SCHEMA_VERSION}, and provenance
 * ({@code tw_log_file}, {@code tw_record_index}, {@code tw_account_check} on every record of a log file; its
 * {@code tw_s3_bucket} and {@code tw_s3_key} once, on the first record of the file published for the key;
 * {@code tw_via} and {@code tw_eventbridge_id} on an event that came through EventBridge).
 *
 * <p><b>Contract of {@code trailwatch.events.v2}</b> (no longer published): as v3's, with {@code tw_s3_bucket},
 * {@code tw_s3_key} and {@code tw_via} on every record, and no {@code tw_log_file}; {@code ce_type}
 * {@value #CE_TYPE_V2}.
 *
 * <p><b>Contract of {@code trailwatch.events.v1}</b> (no longer published): value this record as JSON, validated by
 * {@code schemas/trailwatch.events.v1/v1.schema.json}, {@code ce_type} {@value #CE_TYPE_V1}. Null fields are omitted.
 *
 * <p>Compatibility: within v1, fields are only ever added; consumers must ignore fields they do not know. The original
 * record is always in {@link #raw()}, field for field, so nothing CloudTrail adds is ever lost.
 *
 * @param eventId             CloudTrail {@code eventID}, unique per event (required)
 * @param eventTime           CloudTrail {@code eventTime} (required)
 * @param eventVersion        the record format version, e.g. {@code 1.09}
 * @param eventSource         the service, e.g. {@code cloudtrail.amazonaws.com} (required)
 * @param eventName           the API action, e.g. {@code StopLogging} (required)
 * @param awsRegion           the region the request was made to
 * @param accountId           the account that received the event ({@code recipientAccountId}, else the S3 key's
 *                            account, else the principal's)
 * @param principal           who made the call ({@code userIdentity})
 * @param sourceIp            {@code sourceIPAddress}: an IP address or, for AWS services, a service name
 * @param userAgent           {@code userAgent}
 * @param errorCode           {@code errorCode}, null for a successful call
 * @param errorMessage        {@code errorMessage}
 * @param readOnly            whether the call only reads
 * @param managementEvent     whether this is a management event
 * @param eventType           {@code AwsApiCall}, {@code AwsServiceEvent}, {@code AwsConsoleSignIn},
 *                            {@code AwsConsoleAction}, {@code AwsCloudTrailInsight}, {@code AwsVpceEvent}
 * @param eventCategory       {@code Management}, {@code Data}, {@code Insight} or {@code NetworkActivity}
 * @param requestId           {@code requestID}
 * @param sharedEventId       {@code sharedEventID}, linking the copies of a cross-account event
 * @param vpcEndpointId       {@code vpcEndpointId}
 * @param requestParameters   as received (policies inside stay JSON strings)
 * @param responseElements    as received
 * @param additionalEventData as received
 * @param serviceEventDetails as received
 * @param resources           {@code resources}, as received
 * @param tlsDetails          {@code tlsDetails}, as received
 * @param insightDetails      {@code insightDetails} of Insights events, as received
 * @param raw                 the whole record exactly as received, unknown fields included
 * @param origin              the log file it came from and whether its account was checked against the file's key
 *                            (set by ingest-service; absent from events of other origins)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record CloudTrailEvent(
        String eventId,
        Instant eventTime,
        String eventVersion,
        String eventSource,
        String eventName,
        String awsRegion,
        String accountId,
        Principal principal,
        String sourceIp,
        String userAgent,
        String errorCode,
        String errorMessage,
        Boolean readOnly,
        Boolean managementEvent,
        String eventType,
        String eventCategory,
        String requestId,
        String sharedEventId,
        String vpcEndpointId,
        JsonNode requestParameters,
        JsonNode responseElements,
        JsonNode additionalEventData,
        JsonNode serviceEventDetails,
        JsonNode resources,
        JsonNode tlsDetails,
        JsonNode insightDetails,
        JsonNode raw,
        EventOrigin origin) {

    /** An event without an origin (not from a log file ingest-service read). */
    public CloudTrailEvent(String eventId, Instant eventTime, String eventVersion, String eventSource, String eventName,
                           String awsRegion, String accountId, Principal principal, String sourceIp, String userAgent,
                           String errorCode, String errorMessage, Boolean readOnly, Boolean managementEvent,
                           String eventType, String eventCategory, String requestId, String sharedEventId,
                           String vpcEndpointId, JsonNode requestParameters, JsonNode responseElements,
                           JsonNode additionalEventData, JsonNode serviceEventDetails, JsonNode resources,
                           JsonNode tlsDetails, JsonNode insightDetails, JsonNode raw) {
        this(eventId, eventTime, eventVersion, eventSource, eventName, awsRegion, accountId, principal, sourceIp, userAgent,
                errorCode, errorMessage, readOnly, managementEvent, eventType, eventCategory, requestId, sharedEventId,
                vpcEndpointId, requestParameters, responseElements, additionalEventData, serviceEventDetails, resources,
                tlsDetails, insightDetails, raw, null);
    }

    /** This event, from the given origin. */
    public CloudTrailEvent withOrigin(EventOrigin from) {
        return new CloudTrailEvent(eventId, eventTime, eventVersion, eventSource, eventName, awsRegion, accountId, principal,
                sourceIp, userAgent, errorCode, errorMessage, readOnly, managementEvent, eventType, eventCategory, requestId,
                sharedEventId, vpcEndpointId, requestParameters, responseElements, additionalEventData, serviceEventDetails,
                resources, tlsDetails, insightDetails, raw, from);
    }

    /** The CloudEvents type of the events on {@link Topics#EVENTS}. */
    public static final String CE_TYPE = "io.trailwatch.cloudtrail.event.v3";

    /** The CloudEvents type of the events on {@link Topics#EVENTS_V2}. */
    public static final String CE_TYPE_V2 = "io.trailwatch.cloudtrail.event.v2";

    /** The CloudEvents type of the events on {@link Topics#EVENTS_V1}. */
    public static final String CE_TYPE_V1 = "io.trailwatch.cloudtrail.event.v1";

    /** The schema version of the value within {@link Topics#EVENTS}. */
    public static final String SCHEMA_VERSION = "1";

    /** The CloudEvents source: {@code /aws/cloudtrail/<accountId>/<awsRegion>} (unknown parts are {@code -}). */
    public String ceSource() {
        return "/aws/cloudtrail/" + orDash(accountId) + "/" + orDash(awsRegion);
    }

    /** Whether the call failed (it carries an error code). */
    public boolean failed() {
        return errorCode != null && !errorCode.isEmpty();
    }

    private static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}

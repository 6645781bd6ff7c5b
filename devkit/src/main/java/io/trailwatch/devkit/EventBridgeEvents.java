package io.trailwatch.devkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * CloudTrail records wrapped as EventBridge delivers them to an SQS target (the near-real-time path): the envelope's
 * {@code id}, {@code detail-type} from the record's {@code eventType}, {@code source} {@code aws.<service>} from its
 * {@code eventSource}, {@code account}, {@code time}, {@code region}, and the record as {@code detail}. As AWS documents
 * the format ("AWS service events delivered via AWS CloudTrail"); the id is derived from the eventID, so the same
 * record always makes the same event.
 */
public final class EventBridgeEvents {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EventBridgeEvents() {
    }

    /** The EventBridge event that carries a CloudTrail record, as JSON text. */
    public static String of(JsonNode record) {
        ObjectNode e = JSON.createObjectNode();
        e.put("version", "0");
        e.put("id", UUID.nameUUIDFromBytes(("eventbridge/" + record.path("eventID").asText()).getBytes(StandardCharsets.UTF_8)).toString());
        e.put("detail-type", detailType(record.path("eventType").asText("AwsApiCall")));
        e.put("source", source(record.path("eventSource").asText()));
        e.put("account", record.path("recipientAccountId").asText());
        e.put("time", record.path("eventTime").asText());
        e.put("region", record.path("awsRegion").asText());
        e.putArray("resources");
        e.set("detail", record);
        return e.toString();
    }

    /** The detail type EventBridge gives an event of this CloudTrail eventType. */
    static String detailType(String eventType) {
        return switch (eventType) {
            case "AwsConsoleSignIn" -> "AWS Console Signin via CloudTrail";
            case "AwsConsoleAction" -> "AWS Console Action via CloudTrail";
            case "AwsServiceEvent" -> "AWS Service Event via CloudTrail";
            case "AwsCloudTrailInsight" -> "AWS Insight via CloudTrail";
            default -> "AWS API Call via CloudTrail";
        };
    }

    /** {@code signin.amazonaws.com} is {@code aws.signin}. */
    static String source(String eventSource) {
        int dot = eventSource.indexOf('.');
        return "aws." + (dot < 0 ? eventSource : eventSource.substring(0, dot));
    }
}

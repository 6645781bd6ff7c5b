package io.trailwatch.ingest.core;

import java.util.List;

/**
 * What one SQS message body said, once understood: objects to ingest, CloudTrail events that came through
 * EventBridge, or nothing to do.
 *
 * @param envelope the bounded name of the envelope, a metric tag: {@code s3}, {@code sns-s3}, {@code eventbridge},
 *                 {@code eventbridge-cloudtrail}, {@code cloudtrail-sns}, {@code sns-cloudtrail-sns},
 *                 {@code s3-test-event}, {@code sns-subscription}, {@code unknown} (and {@code sns-} before any of
 *                 them)
 * @param objects  the objects to ingest
 * @param events   CloudTrail events EventBridge delivered, to publish as they are
 * @param ignored  why the message needs no work (a test event, a deletion), else null
 */
public record Notification(String envelope, List<ObjectRef> objects, List<BridgedEvent> events, String ignored) {

    public static Notification objects(String envelope, List<ObjectRef> objects) {
        return new Notification(envelope, List.copyOf(objects), List.of(), null);
    }

    public static Notification events(String envelope, List<BridgedEvent> events) {
        return new Notification(envelope, List.of(), List.copyOf(events), null);
    }

    public static Notification ignored(String envelope, String why) {
        return new Notification(envelope, List.of(), List.of(), why);
    }
}

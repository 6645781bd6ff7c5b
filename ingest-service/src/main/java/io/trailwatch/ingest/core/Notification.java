package io.trailwatch.ingest.core;

import java.util.List;

/**
 * What one SQS message body said, once understood.
 *
 * @param envelope the bounded name of the envelope, a metric tag: {@code s3}, {@code sns-s3}, {@code eventbridge},
 *                 {@code cloudtrail-sns}, {@code sns-cloudtrail-sns}, {@code s3-test-event}, {@code sns-subscription},
 *                 {@code unknown}
 * @param objects  the objects to ingest; empty when the message only needs acknowledging
 * @param ignored  why the message needs no work (a test event, a deletion), else null
 */
public record Notification(String envelope, List<ObjectRef> objects, String ignored) {

    public static Notification objects(String envelope, List<ObjectRef> objects) {
        return new Notification(envelope, List.copyOf(objects), null);
    }

    public static Notification ignored(String envelope, String why) {
        return new Notification(envelope, List.of(), why);
    }
}

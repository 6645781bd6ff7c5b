package io.trailwatch.console.web;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Pattern;

/**
 * Links and times as the pages show them. Everything that comes from a record is encoded here before it goes into a
 * URL, and a region only names a console host when it looks like one.
 */
public final class Links {

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]{1,2}");
    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9-]{1,128}");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    private Links() {
    }

    public static String encode(String s) {
        return URLEncoder.encode(s == null ? "" : s, StandardCharsets.UTF_8);
    }

    /** A time in UTC, to the second; an empty string for none. */
    public static String time(Instant t) {
        return t == null ? "" : TIME.format(t);
    }

    /** The console page of a finding. */
    public static String finding(String findingId) {
        return "/findings/" + encode(findingId).replace("+", "%20");
    }

    /**
     * The event in the CloudTrail console's event history of its region (management events of the last 90 days), or
     * null when the region or id is not one the console could have.
     */
    public static String cloudTrailEvent(String region, String eventId) {
        if (region == null || eventId == null || !REGION.matcher(region).matches() || !EVENT_ID.matcher(eventId).matches()) {
            return null;
        }
        return "https://" + region + ".console.aws.amazon.com/cloudtrailv2/home?region=" + region + "#/events/" + eventId;
    }

    /** The log file in the S3 console (which finds the bucket's region itself), or null without a bucket and key. */
    public static String s3Object(String bucket, String key) {
        if (bucket == null || key == null || bucket.isBlank() || key.isBlank()) {
            return null;
        }
        return "https://s3.console.aws.amazon.com/s3/object/" + encode(bucket) + "?prefix=" + encode(key);
    }
}

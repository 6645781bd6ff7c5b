package io.trailwatch.cloudtrail;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where CloudTrail puts its files, parsed from an S3 key. Both layouts are understood:
 * <pre>
 *   [prefix/]AWSLogs/&lt;account&gt;/&lt;folder&gt;/&lt;region&gt;/YYYY/MM/DD/&lt;file&gt;
 *   [prefix/]AWSLogs/&lt;org-id&gt;/&lt;account&gt;/&lt;folder&gt;/&lt;region&gt;/YYYY/MM/DD/&lt;file&gt;   (organization trails)
 * </pre>
 * where folder is {@code CloudTrail} (logs), {@code CloudTrail-Insight} (Insights events, also logs) or
 * {@code CloudTrail-Digest} (hourly digests, not logs).
 *
 * @param prefix    the trail's S3 key prefix, empty when none
 * @param orgId     the organization id of an organization trail, else null
 * @param accountId the account whose activity the file holds
 * @param kind      what the folder says the file is
 * @param region    the region
 * @param date      {@code YYYY/MM/DD} of delivery
 * @param fileName  the last path segment
 */
public record LogKey(String prefix, String orgId, String accountId, Kind kind, String region, String date,
                     String fileName) {

    /** What a CloudTrail folder holds. */
    public enum Kind {
        LOG, INSIGHT, DIGEST;

        /** Whether files of this kind hold {@code Records}. */
        public boolean isLog() {
            return this != DIGEST;
        }
    }

    private static final Pattern LAYOUT = Pattern.compile(
            "^(?:(.*)/)?AWSLogs/(?:(o-[a-z0-9]{10,32})/)?(\\d{12})/(CloudTrail|CloudTrail-Insight|CloudTrail-Digest)/"
                    + "([a-z0-9-]+)/(\\d{4}/\\d{2}/\\d{2})/([^/]+)$");

    /** The layout of the key, or empty when the key is not in CloudTrail's layout. */
    public static Optional<LogKey> parse(String key) {
        Matcher m = LAYOUT.matcher(key);
        if (!m.matches()) {
            return Optional.empty();
        }
        Kind kind = switch (m.group(4)) {
            case "CloudTrail" -> Kind.LOG;
            case "CloudTrail-Insight" -> Kind.INSIGHT;
            default -> Kind.DIGEST;
        };
        return Optional.of(new LogKey(m.group(1) == null ? "" : m.group(1), m.group(2), m.group(3), kind, m.group(5),
                m.group(6), m.group(7)));
    }
}

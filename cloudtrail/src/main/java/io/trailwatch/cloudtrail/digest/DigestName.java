package io.trailwatch.cloudtrail.digest;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a digest's file name says:
 * {@code <account>_CloudTrail-Digest_<region>_<trail-name>_<region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz}.
 *
 * @param accountId the account
 * @param region    the region
 * @param trailName the trail
 * @param backfill  whether it is a backfill digest (log files CloudTrail delivered late)
 */
public record DigestName(String accountId, String region, String trailName, boolean backfill) {

    private static final Pattern NAME = Pattern.compile(
            "^(\\d{12})_CloudTrail-Digest_([a-z0-9-]+)_(.+)_\\2_(\\d{8}T\\d{6}Z)(_backfill)?\\.json(\\.gz)?$");

    public static Optional<DigestName> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new DigestName(m.group(1), m.group(2), m.group(3), m.group(5) != null));
    }

    /** The chain a digest belongs to: one per trail, account and region. */
    public String chain() {
        return accountId + "/" + region + "/" + trailName;
    }
}

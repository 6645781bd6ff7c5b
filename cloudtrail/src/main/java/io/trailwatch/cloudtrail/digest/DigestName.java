package io.trailwatch.cloudtrail.digest;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a digest's file name says:
 * {@code <account>_CloudTrail-Digest_<region>_<trail-name>_<home-region>_<YYYYMMDDTHHMMSSZ>[_backfill].json.gz}, where
 * region is where the logged activity happened and home region the trail's (they differ for a multi-region trail).
 *
 * @param accountId  the account
 * @param region     the region of the activity (and of the key that signed the digest)
 * @param trailName  the trail
 * @param homeRegion the trail's home region
 * @param backfill   whether it is a backfill digest (log files CloudTrail delivered late)
 */
public record DigestName(String accountId, String region, String trailName, String homeRegion, boolean backfill) {

    private static final Pattern NAME = Pattern.compile(
            "^(\\d{12})_CloudTrail-Digest_([a-z0-9-]+)_(.+)_([a-z0-9-]+)_(\\d{8}T\\d{6}Z)(_backfill)?\\.json(\\.gz)?$");

    public static Optional<DigestName> parse(String fileName) {
        Matcher m = NAME.matcher(fileName);
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new DigestName(m.group(1), m.group(2), m.group(3), m.group(4), m.group(6) != null));
    }

    /** The chain a digest belongs to: one per trail, account and region. */
    public String chain() {
        return accountId + "/" + region + "/" + trailName;
    }
}

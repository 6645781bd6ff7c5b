package io.trailwatch.cloudtrail;

/**
 * A log file that can never be read as CloudTrail: retrying will not help. Records handed out before the problem was
 * found stay handed out.
 */
public final class UnreadableLogException extends Exception {

    /** Bounded reasons, as they appear in metrics and dead letters. */
    public static final String CORRUPT_GZIP = "corrupt-gzip";
    public static final String TRUNCATED_GZIP = "truncated-gzip";
    public static final String TOO_LARGE = "decompressed-size-exceeded";
    public static final String NOT_JSON = "not-json";
    public static final String TRUNCATED_JSON = "truncated-json";
    public static final String NOT_CLOUDTRAIL = "not-cloudtrail";

    private final String reason;

    public UnreadableLogException(String reason, String detail, Throwable cause) {
        super(detail, cause);
        this.reason = reason;
    }

    /** The bounded machine-readable reason. */
    public String reason() {
        return reason;
    }
}

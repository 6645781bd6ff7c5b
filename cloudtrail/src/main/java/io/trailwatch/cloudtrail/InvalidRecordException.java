package io.trailwatch.cloudtrail;

/** A single CloudTrail record that cannot become an event; its siblings in the file are unaffected. */
public final class InvalidRecordException extends Exception {

    private final String reason;

    /**
     * @param reason a bounded machine-readable reason, e.g. {@code missing-field}
     * @param detail what is wrong, for people
     */
    public InvalidRecordException(String reason, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
    }

    /** The bounded machine-readable reason. */
    public String reason() {
        return reason;
    }
}

package io.trailwatch.remediate.core;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A remediation put off, as its record on remediate-service's deferred topic says in its headers: which remediation,
 * why, since when, and until when it may wait. The record's value is the finding itself.
 *
 * @param remediation the remediation's name
 * @param reason      {@value #AWAITING_DIGEST} or {@value #CIRCUIT_OPEN}
 * @param since       when it was first put off
 * @param until       when waiting ends: then it is skipped (digest) or failed (circuit)
 */
public record Deferral(String remediation, String reason, Instant since, Instant until) {

    public static final String AWAITING_DIGEST = "awaiting-digest";
    public static final String CIRCUIT_OPEN = "circuit-open";

    static final String REMEDIATION = "tw_remediation";
    static final String REASON = "tw_deferred_reason";
    static final String SINCE = "tw_deferred_since";
    static final String UNTIL = "tw_deferred_until";

    /** The deferral these headers describe; empty when they describe none (a record of the findings topic). */
    public static Optional<Deferral> of(Iterable<Header> headers) {
        String remediation = null;
        String reason = null;
        String since = null;
        String until = null;
        for (Header h : headers) {
            String v = h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
            switch (h.key()) {
                case REMEDIATION -> remediation = v;
                case REASON -> reason = v;
                case SINCE -> since = v;
                case UNTIL -> until = v;
                default -> { }
            }
        }
        if (remediation == null || reason == null || since == null || until == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Deferral(remediation, reason, Instant.parse(since), Instant.parse(until)));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The headers of its record. */
    public RecordHeaders headers() {
        var headers = new RecordHeaders();
        headers.add(REMEDIATION, remediation.getBytes(StandardCharsets.UTF_8));
        headers.add(REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(SINCE, since.toString().getBytes(StandardCharsets.UTF_8));
        headers.add(UNTIL, until.toString().getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    /** Whether waiting is over at {@code now}. */
    public boolean expired(Instant now) {
        return now.isAfter(until);
    }
}

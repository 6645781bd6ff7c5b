package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * A finding held for a digest, as its record on the grouped topic says in its headers: for which destination and
 * route, in which window, and which finding in which account (the value is the finding itself; the key is the window,
 * so a window's findings share a partition and one replica assembles its digest). The headers are all a digest needs
 * of a finding it counts but does not show.
 *
 * @param destination the destination
 * @param route       the route that sent it there
 * @param findingId   the finding held
 * @param accountId   its account; null in a record written before the header was (the finding then says)
 * @param held        the window it is held in
 */
public record HeldFinding(String destination, String route, String findingId, String accountId, Grouper.Held held) {

    static final String DESTINATION = "tw_destination";
    static final String ROUTE = "tw_route";
    static final String FINDING = "tw_finding";
    static final String ACCOUNT = "tw_account";
    static final String WINDOW = "tw_window";
    static final String WINDOW_END = "tw_window_end";
    static final String ACROSS_ACCOUNTS = "tw_window_across_accounts";

    /** What these headers say; empty when they are not a held finding's. */
    public static Optional<HeldFinding> of(Headers headers) {
        try {
            String destination = text(headers, DESTINATION);
            String route = text(headers, ROUTE);
            String finding = text(headers, FINDING);
            String window = text(headers, WINDOW);
            String end = text(headers, WINDOW_END);
            if (destination == null || route == null || finding == null || window == null || end == null) {
                return Optional.empty();
            }
            return Optional.of(new HeldFinding(destination, route, finding, text(headers, ACCOUNT),
                    new Grouper.Held(window, Instant.parse(end), "true".equals(text(headers, ACROSS_ACCOUNTS)))));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The headers of its record. */
    public RecordHeaders headers() {
        var h = new RecordHeaders();
        h.add(DESTINATION, bytes(destination));
        h.add(ROUTE, bytes(route));
        h.add(FINDING, bytes(findingId));
        if (accountId != null) {
            h.add(ACCOUNT, bytes(accountId));
        }
        h.add(WINDOW, bytes(held.window()));
        h.add(WINDOW_END, bytes(held.end().toString()));
        h.add(ACROSS_ACCOUNTS, bytes(Boolean.toString(held.acrossAccounts())));
        return h;
    }

    /**
     * The value of a held finding's record: the finding whole when its window's digest may show it, else without its
     * evidence (the triggering event, most of a finding's bytes), which only a digest's first finding and sample
     * show. A digest whose first record was written without it still has every other field to say what it is like.
     */
    public static Finding value(Finding f, boolean shown) {
        if (shown || f.evidence() == null) {
            return f;
        }
        return new Finding(f.findingId(), f.ruleId(), f.title(), f.description(), f.severity(), f.category(), f.mitre(),
                f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(),
                f.eventIds(), f.count(), f.windowStart(), f.windowEnd(), null, f.runbook(), f.references(), f.outcome());
    }

    /** The ledger's key of the delivery it stands for. */
    public String deliveryKey() {
        return destination + "|" + findingId;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}

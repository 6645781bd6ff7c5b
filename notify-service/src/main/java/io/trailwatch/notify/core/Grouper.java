package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import io.trailwatch.model.Severity;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides, per destination, whether a finding is sent now or held for a storm's digest, on two levels. Per rule and
 * account: the first finding of a window is sent at once, the others within the window are held ("N more like this").
 * Per rule, across accounts: within a window, the rule's first findings in up to {@code accounts} accounts are sent;
 * from then on its findings in any other account are held too, into one window for the rule ("N more like this across
 * K accounts"), so a flood of one rule over hundreds of accounts is a few messages. High and critical findings are
 * never held across accounts: the same attack in one more account is news (and such findings overtake queued lower
 * ones anyway).
 * <p>
 * The grouper only decides; what was held, and so what each digest will say, is on Kafka (the grouped topic, see
 * {@link Held}) and a digest is assembled there, so a crash loses neither. It also says which held findings a digest
 * may show ({@link Hold#shown}): the first {@value #SAMPLE} this replica held in a window, the only ones whose evidence
 * the grouped topic needs. At start, and from other replicas, the
 * windows that held findings come back through {@link #restore}, so a storm goes on being held across a restart.
 * Memory is bounded by the windows open; a window is forgotten once it ended. Thread-safe.
 */
public final class Grouper {

    /** Findings a digest shows. */
    public static final int SAMPLE = 10;

    /**
     * A digest: findings held within one window.
     *
     * @param destination the destination
     * @param route       the route of the findings held
     * @param first       the first finding held: what the others are like
     * @param held        how many were held
     * @param sample      the first of those held (up to ten)
     * @param accounts    how many accounts the held findings are in
     * @param end         when its window ended
     */
    public record Digest(String destination, String route, Finding first, int held, List<Finding> sample, int accounts,
                         Instant end) {
    }

    /**
     * Where a held finding goes: a window, named by its key ({@code <destination>|<ruleId>|<accountId>} for a rule in
     * one account, {@code <destination>|<ruleId>} for a rule across accounts) and its end.
     *
     * @param acrossAccounts whether it is a rule's window across accounts
     */
    public record Held(String window, Instant end, boolean acrossAccounts) {
    }

    /**
     * A finding held, and whether it is among the first {@value #SAMPLE} this replica held in its window: those are
     * what the window's digest shows, so they are kept whole; the others are only counted.
     */
    public record Hold(Held held, boolean shown) {
    }

    private final Duration window;
    private final int accounts;
    /** Per rule and account: when the window ends. */
    private final Map<String, Instant> open = new HashMap<>();
    /** Per rule, across accounts. */
    private final Map<String, RuleWindow> rules = new HashMap<>();
    /** Per window: how many findings this replica held in it, up to one more than a digest shows. */
    private final Map<Held, Integer> heldHere = new HashMap<>();

    private static final class RuleWindow {
        final Instant end;
        int accountsSent;

        RuleWindow(Instant end, int accountsSent) {
            this.end = end;
            this.accountsSent = accountsSent;
        }
    }

    /** Grouping per rule and account only (no limit across accounts). */
    public Grouper(Duration window) {
        this(window, Integer.MAX_VALUE);
    }

    /** @param accounts accounts whose first finding of a rule is sent within a window; at least 1 */
    public Grouper(Duration window, int accounts) {
        if (accounts < 1) {
            throw new IllegalArgumentException("grouping: at least one account's findings must be sent, not " + accounts);
        }
        this.window = window;
        this.accounts = accounts;
    }

    /** Empty: send the finding now. Else the window it is held in. */
    public Optional<Held> admit(String destination, Finding f, Instant now) {
        return hold(destination, f, now).map(Hold::held);
    }

    /** Empty: send the finding now. Else the window it is held in, and whether its digest may show it. */
    public synchronized Optional<Hold> hold(String destination, Finding f, Instant now) {
        if (window.isZero()) {
            return Optional.empty();
        }
        String ruleKey = destination + "|" + f.ruleId();
        String key = ruleKey + "|" + f.accountId();
        Instant end = open.get(key);
        if (end != null && now.isBefore(end)) {
            return held(new Held(key, end, false));
        }
        if (Severity.of(f.severity()).map(sev -> sev.compareTo(Severity.HIGH) >= 0).orElse(false)) {
            open.put(key, now.plus(window));
            return Optional.empty();
        }
        RuleWindow r = rules.get(ruleKey);
        if (r == null || !now.isBefore(r.end)) {
            r = new RuleWindow(now.plus(window), 0);
            rules.put(ruleKey, r);
        }
        if (r.accountsSent >= accounts) {
            return held(new Held(ruleKey, r.end, true));
        }
        r.accountsSent++;
        open.put(key, now.plus(window));
        return Optional.empty();
    }

    private Optional<Hold> held(Held h) {
        int n = heldHere.merge(h, 1, (a, b) -> Math.min(a + b, SAMPLE + 1));
        return Optional.of(new Hold(h, n <= SAMPLE));
    }

    /**
     * A window that held a finding, as the grouped topic says (at start, or from another replica): findings of its key
     * are held until it ends. A rule's window across accounts held findings only once its accounts were all sent.
     */
    public synchronized void restore(Held held, Instant now) {
        if (!now.isBefore(held.end())) {
            return;
        }
        if (!held.acrossAccounts()) {
            open.merge(held.window(), held.end(), (a, b) -> a.isAfter(b) ? a : b);
        } else {
            RuleWindow r = rules.get(held.window());
            if (r == null || r.end.isBefore(held.end())) {
                rules.put(held.window(), new RuleWindow(held.end(), accounts));
            } else {
                r.accountsSent = Math.max(r.accountsSent, accounts);
            }
        }
    }

    /** Forgets the windows ended by {@code now}; returns how many. */
    public synchronized int expire(Instant now) {
        int before = open.size() + rules.size();
        open.values().removeIf(end -> !now.isBefore(end));
        rules.values().removeIf(r -> !now.isBefore(r.end));
        heldHere.keySet().removeIf(h -> !now.isBefore(h.end()));
        return before - open.size() - rules.size();
    }

    /** Windows open now (for metrics and tests). */
    public synchronized int openWindows() {
        return open.size() + rules.size();
    }
}

package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import io.trailwatch.model.Severity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Storm grouping per destination, on two levels. Per rule and account: the first finding of a window is sent at once,
 * the others within the window are held and become one digest when it closes ("N more like this"). Per rule, across
 * accounts: within a window, the rule's first findings in up to {@code accounts} accounts are sent; from then on its
 * findings in any other account are held too, into one digest for the rule ("N more like this across K accounts"), so
 * a flood of one rule over hundreds of accounts is a few messages. High and critical findings are never held across
 * accounts: the same attack in one more account is news (and such findings overtake queued lower ones anyway). Memory
 * is bounded by the windows open, each keeping a sample of ten. Thread-safe.
 */
public final class Grouper {

    /** Findings a digest shows. */
    static final int SAMPLE = 10;

    /**
     * A closed window with findings held back.
     *
     * @param destination the destination
     * @param route       the route of the first finding
     * @param first       the finding the digest is like: the one sent (one account), or the first held (across accounts)
     * @param held        how many were held
     * @param sample      the first of those held (up to ten)
     * @param accounts    how many accounts the held findings are in
     */
    public record Digest(String destination, String route, Finding first, int held, List<Finding> sample, int accounts) {
    }

    private static final class Window {
        final Instant end;
        final String route;
        Finding first;
        final List<Finding> sample = new ArrayList<>();
        final Set<String> accounts = new HashSet<>();
        int held;

        Window(Instant end, String route, Finding first) {
            this.end = end;
            this.route = route;
            this.first = first;
        }

        void hold(Finding f) {
            if (first == null) {
                first = f;
            }
            held++;
            if (sample.size() < SAMPLE) {
                sample.add(f);
            }
            if (accounts.size() <= 1000) { // a count past a thousand needs no precision
                accounts.add(String.valueOf(f.accountId()));
            }
        }
    }

    /** A rule's window across accounts: how many accounts were let through, and what was held beyond them. */
    private static final class RuleWindow {
        final Window overflow;
        int accountsSent;

        RuleWindow(Instant end, String route) {
            this.overflow = new Window(end, route, null);
        }
    }

    private final Duration window;
    private final int accounts;
    private final Map<String, Window> open = new HashMap<>();
    private final Map<String, RuleWindow> rules = new HashMap<>();
    /** Closed windows taken out by {@link #admit} before {@link #due} saw them. */
    private final List<Digest> closed = new ArrayList<>();

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

    /** Whether the finding is sent now (true) or held for a window's digest (false). */
    public synchronized boolean admit(String destination, String route, Finding f, Instant now) {
        if (window.isZero()) {
            return true;
        }
        String ruleKey = destination + "|" + f.ruleId();
        String key = ruleKey + "|" + f.accountId();
        Window w = open.get(key);
        if (w != null && now.isBefore(w.end)) {
            w.hold(f);
            return false;
        }
        if (Severity.of(f.severity()).map(sev -> sev.compareTo(Severity.HIGH) >= 0).orElse(false)) {
            if (w != null && w.held > 0) {
                closed.add(digestOf(key, w)); // its window ended; a digest of what it held is still due
            }
            open.put(key, new Window(now.plus(window), route, f));
            return true;
        }
        RuleWindow r = rules.get(ruleKey);
        if (r == null || !now.isBefore(r.overflow.end)) {
            if (r != null) {
                return admitAfterClosing(destination, route, f, now, ruleKey, key);
            }
            r = new RuleWindow(now.plus(window), route);
            rules.put(ruleKey, r);
        }
        if (r.accountsSent >= accounts) {
            r.overflow.hold(f);
            return false;
        }
        r.accountsSent++;
        if (w != null) {
            closed.add(digestOf(key, w)); // its window ended; a digest of what it held is still due
        }
        open.put(key, new Window(now.plus(window), route, f));
        return true;
    }

    private boolean admitAfterClosing(String destination, String route, Finding f, Instant now, String ruleKey, String key) {
        RuleWindow old = rules.remove(ruleKey);
        if (old.overflow.held > 0) {
            closed.add(digestOf(ruleKey, old.overflow));
        }
        return admit(destination, route, f, now);
    }

    /** The digests of windows closed by {@code now}; windows without held findings just close. */
    public synchronized List<Digest> due(Instant now) {
        List<Digest> out = new ArrayList<>();
        for (Digest d : closed) {
            if (d.held() > 0) {
                out.add(d);
            }
        }
        closed.clear();
        for (Iterator<Map.Entry<String, Window>> it = open.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!now.isBefore(e.getValue().end)) {
                it.remove();
                if (e.getValue().held > 0) {
                    out.add(digestOf(e.getKey(), e.getValue()));
                }
            }
        }
        for (Iterator<Map.Entry<String, RuleWindow>> it = rules.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Window overflow = e.getValue().overflow;
            if (!now.isBefore(overflow.end)) {
                it.remove();
                if (overflow.held > 0) {
                    out.add(digestOf(e.getKey(), overflow));
                }
            }
        }
        return out;
    }

    /** Windows open now (for metrics and tests). */
    public synchronized int openWindows() {
        return open.size() + rules.size();
    }

    private static Digest digestOf(String key, Window w) {
        return new Digest(key.substring(0, key.indexOf('|')), w.route, w.first, w.held, List.copyOf(w.sample),
                Math.max(1, w.accounts.size()));
    }
}

package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Storm grouping per destination, rule and account: the first finding of a window is sent at once; the others within
 * the window are held and become one digest when the window closes ("N more like this"). Thread-safe.
 */
public final class Grouper {

    /**
     * A closed window with findings held back.
     *
     * @param destination the destination
     * @param route       the route of the first finding
     * @param first       the finding that was sent
     * @param held        how many more came
     * @param sample      the first of those held (up to ten)
     */
    public record Digest(String destination, String route, Finding first, int held, List<Finding> sample) {
    }

    private record Window(Instant end, String route, Finding first, List<Finding> sample, int[] held) {
    }

    private final Duration window;
    private final Map<String, Window> open = new HashMap<>();

    public Grouper(Duration window) {
        this.window = window;
    }

    /** Whether the finding is sent now (true) or held for the window's digest (false). */
    public synchronized boolean admit(String destination, String route, Finding f, Instant now) {
        if (window.isZero()) {
            return true;
        }
        String key = destination + "|" + f.ruleId() + "|" + f.accountId();
        Window w = open.get(key);
        if (w == null || !now.isBefore(w.end())) {
            open.put(key, new Window(now.plus(window), route, f, new ArrayList<>(), new int[1]));
            return true;
        }
        w.held()[0]++;
        if (w.sample().size() < 10) {
            w.sample().add(f);
        }
        return false;
    }

    /** The digests of windows closed by {@code now}; windows without held findings just close. */
    public synchronized List<Digest> due(Instant now) {
        List<Digest> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, Window>> it = open.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Window w = e.getValue();
            if (!now.isBefore(w.end())) {
                it.remove();
                if (w.held()[0] > 0) {
                    out.add(new Digest(e.getKey().substring(0, e.getKey().indexOf('|')), w.route(), w.first(), w.held()[0],
                            List.copyOf(w.sample())));
                }
            }
        }
        return out;
    }
}

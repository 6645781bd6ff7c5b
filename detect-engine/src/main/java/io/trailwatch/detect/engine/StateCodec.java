package io.trailwatch.detect.engine;

import io.trailwatch.model.Finding;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact form of the state entries a detector rewrites as groups grow: a held finding ({@link Detector}'s
 * {@code hold}: no title, no evidence), a {@link Burst} whose open finding is held, and a sequence's progress. One of
 * these is written back on nearly every event that matches a grouped, threshold or sequence rule, so its form is what
 * the detector's state costs: JSON spent a fifth of that in the serializer and wrote every absent field of a finding
 * as {@code null}.
 *
 * <p>The form, version 1: {@code ~1} and a letter for the type ({@code F}, {@code B}, {@code S}), then the fields in a
 * fixed order. A number is its decimal digits and {@code ;}; an instant its epoch second and nanosecond, each a
 * number; a text its length in chars, {@code :} and the chars, so any text (separators, quotes, newlines) is carried
 * as it is; an absent value {@code .} (a burst's open finding, when there is one, after {@code +}); a list its size,
 * then its elements. JSON never starts with {@code ~}, so the
 * entries written as JSON by earlier versions (and what has no compact form: a finding written whole by an earlier
 * version, an evidence record) are still read as JSON. Stateless.
 */
final class StateCodec {

    private static final String MARK = "~1";
    /** An absent value: no number (negative ones included) or length starts with it. */
    private static final char ABSENT = '.';
    /** A burst's open finding follows. */
    private static final char PRESENT = '+';

    /** A number and its separator at their longest. */
    private static final int NUMBER = 21;
    /** Two numbers (an instant, a history entry). */
    private static final int NUMBERS = 2 * NUMBER;

    private StateCodec() {
    }

    /** Whether the entry at {@code from} is in the compact form (else it is JSON). */
    static boolean isCompact(String stored, int from) {
        return stored.startsWith(MARK, from);
    }

    /** The compact form of a state value; null when it has none (a finding whole, an evidence record). */
    static String write(Object value) {
        return write("", value);
    }

    /**
     * {@code prefix} followed by the compact form of a state value; null when the value has none. The text is written
     * once, into a buffer sized for it: a finding grown to its hundred eventIds takes about 4 KB, which a buffer grown
     * from a small start copied five times more, and adding the prefix to it after, once more.
     */
    static String write(String prefix, Object value) {
        StringBuilder out = new StringBuilder(prefix.length() + MARK.length() + size(value)).append(prefix).append(MARK);
        if (value instanceof Finding f && held(f)) {
            finding(out.append('F'), f);
        } else if (value instanceof Burst b && (b.open() == null || held(b.open()))) {
            out.append('B');
            out.append(b.recentTimes().size()).append(';');
            for (Instant t : b.recentTimes()) {
                instant(out, t);
            }
            texts(out, b.recent());
            if (b.open() == null) {
                out.append(ABSENT);
            } else {
                finding(out.append(PRESENT), b.open());
            }
            out.append(b.history().size()).append(';');
            for (Map.Entry<Long, Integer> e : b.history().entrySet()) {
                out.append(e.getKey()).append(';').append(e.getValue()).append(';');
            }
            out.append(b.published()).append(';');
            texts(out, b.recentValues());
        } else if (value instanceof Detector.SequenceState s) {
            out.append('S').append(s.times().size()).append(';');
            for (Long t : s.times()) {
                if (t == null) {
                    out.append(ABSENT);
                } else {
                    out.append(t).append(';');
                }
            }
            texts(out, s.eventIds());
        } else {
            return null;
        }
        return out.toString();
    }

    /** About how many chars the compact form of a value takes: numbers at their longest, texts as they are. */
    private static int size(Object value) {
        if (value instanceof Finding f) {
            return 1 + size(f);
        }
        if (value instanceof Burst b) {
            return 8 + NUMBERS * b.recentTimes().size() + size(b.recent()) + (b.open() == null ? 1 : size(b.open()))
                    + NUMBERS * b.history().size() + NUMBER + size(b.recentValues());
        }
        if (value instanceof Detector.SequenceState s) {
            return 8 + NUMBER * s.times().size() + size(s.eventIds());
        }
        return 0;
    }

    private static int size(Finding f) {
        return 1 + size(f.findingId()) + size(f.ruleId()) + size(f.severity()) + size(f.outcome()) + NUMBER + 2 * NUMBERS
                + size(f.eventIds());
    }

    private static int size(List<String> texts) {
        int n = NUMBER;
        if (texts != null) {
            for (String t : texts) {
                n += size(t);
            }
        }
        return n;
    }

    private static int size(String text) {
        return text == null ? 1 : text.length() + 6;
    }

    /**
     * The value of a compact entry that starts at {@code from}.
     *
     * @throws IllegalStateException the entry is not a compact {@code type}
     */
    static <T> T read(String stored, int from, Class<T> type) {
        Reader in = new Reader(stored, from + MARK.length());
        try {
            char kind = in.next();
            Object value;
            if (kind == 'F' && type == Finding.class) {
                value = in.finding();
            } else if (kind == 'B' && type == Burst.class) {
                int n = in.size();
                List<Instant> times = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    times.add(in.instant());
                }
                List<String> recent = in.texts();
                Finding open = in.absent() ? null : in.expect(PRESENT).finding();
                int h = in.size();
                Map<Long, Integer> history = new LinkedHashMap<>();
                for (int i = 0; i < h; i++) {
                    history.put(in.number(), Math.toIntExact(in.number()));
                }
                int published = Math.toIntExact(in.number());
                value = new Burst(Collections.unmodifiableList(times), recent, open, history, published, in.texts());
            } else if (kind == 'S' && type == Detector.SequenceState.class) {
                int n = in.size();
                List<Long> times = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    times.add(in.absent() ? null : in.number());
                }
                value = new Detector.SequenceState(Collections.unmodifiableList(times), in.texts());
            } else {
                throw new IllegalStateException("a state entry of type " + kind + " where a " + type.getSimpleName() + " was expected");
            }
            if (in.at != stored.length()) {
                throw new IllegalStateException("a state entry with " + (stored.length() - in.at) + " chars after its value");
            }
            return type.cast(value);
        } catch (IndexOutOfBoundsException | NumberFormatException | ArithmeticException | java.time.DateTimeException e) {
            throw new IllegalStateException("a state entry cut short or malformed at char " + in.at, e);
        }
    }

    /** A finding as the detector holds it: what grows, and nothing its rule or its evidence makes again. */
    private static boolean held(Finding f) {
        return f.title() == null && f.description() == null && f.category() == null && f.mitre() == null
                && f.accountId() == null && f.region() == null && f.principal() == null && f.sourceIp() == null
                && f.eventSource() == null && f.eventName() == null && f.eventTime() == null && f.evidence() == null
                && f.runbook() == null && f.references() == null;
    }

    private static void finding(StringBuilder out, Finding f) {
        text(out, f.findingId());
        text(out, f.ruleId());
        text(out, f.severity());
        text(out, f.outcome());
        out.append(f.count()).append(';');
        instant(out, f.windowStart());
        instant(out, f.windowEnd());
        texts(out, f.eventIds());
    }

    private static void instant(StringBuilder out, Instant t) {
        if (t == null) {
            out.append(ABSENT);
        } else {
            out.append(t.getEpochSecond()).append(';').append(t.getNano()).append(';');
        }
    }

    private static void text(StringBuilder out, String s) {
        if (s == null) {
            out.append(ABSENT);
        } else {
            out.append(s.length()).append(':').append(s);
        }
    }

    private static void texts(StringBuilder out, List<String> list) {
        if (list == null) {
            out.append(ABSENT);
            return;
        }
        out.append(list.size()).append(';');
        for (String s : list) {
            text(out, s);
        }
    }

    private static final class Reader {
        private final String s;
        private int at;

        Reader(String s, int at) {
            this.s = s;
            this.at = at;
        }

        char next() {
            return s.charAt(at++);
        }

        Reader expect(char c) {
            if (next() != c) {
                throw new NumberFormatException("no " + c + " where one belongs");
            }
            return this;
        }

        boolean absent() {
            if (s.charAt(at) == ABSENT) {
                at++;
                return true;
            }
            return false;
        }

        long number() {
            int end = s.indexOf(';', at);
            long n = Long.parseLong(s, at, end, 10);
            at = end + 1;
            return n;
        }

        int size() {
            long n = number();
            if (n < 0 || n > s.length()) {
                throw new NumberFormatException("a list of " + n);
            }
            return (int) n;
        }

        Instant instant() {
            if (absent()) {
                return null;
            }
            long second = number();
            return Instant.ofEpochSecond(second, number());
        }

        String text() {
            if (absent()) {
                return null;
            }
            int colon = s.indexOf(':', at);
            int length = Integer.parseInt(s, at, colon, 10);
            if (length < 0) {
                throw new NumberFormatException("a text of " + length + " chars");
            }
            at = colon + 1 + length;
            return s.substring(colon + 1, at);
        }

        List<String> texts() {
            if (absent()) {
                return null;
            }
            int n = size();
            List<String> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(text());
            }
            return Collections.unmodifiableList(list);
        }

        Finding finding() {
            String findingId = text();
            String ruleId = text();
            String severity = text();
            String outcome = text();
            int count = Math.toIntExact(number());
            Instant windowStart = instant();
            Instant windowEnd = instant();
            List<String> eventIds = texts();
            return new Finding(findingId, ruleId, null, null, severity, null, null, null, null, null, null, null, null,
                    null, eventIds, count, windowStart, windowEnd, null, null, null, outcome);
        }
    }
}

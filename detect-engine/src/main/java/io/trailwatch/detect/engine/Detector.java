package io.trailwatch.detect.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.InvalidRecordException;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The engine plus state: feed events (in event-time order where thresholds and first use matter), get findings.
 * <ul>
 *   <li>A rule without state gives a finding per match; with dedup, matches of one key and period are one finding
 *   that grows (same findingId).</li>
 *   <li>A threshold rule gives a finding when its count is reached within its window per group key ({@link Burst}),
 *   and grows it while the burst lasts.</li>
 *   <li>A sequence rule remembers, per key, which of its steps happened when, and gives one finding when every step
 *   happened within its window (in order, when ordered); the chain then starts over.</li>
 *   <li>A first-seen rule learns the values per key silently during its learning period, then gives one finding per
 *   new value. A value not seen for {@code forget} is forgotten (its return is new again), and a key not seen for
 *   {@code forget} learns again, so first-use state is bounded by what was active in that period.</li>
 * </ul>
 * A redelivered event never gives a second finding: findings already made are remembered for the dedup period (at
 * least {@code remember}), thresholds ignore eventIds they counted and first-seen values are seen once.
 *
 * <p>A growing finding is published again when its count reaches a power of two (2, 4, 8, ...), and once more, with
 * its final count, when its window closes ({@link #expire}): a principal denied a thousand times in an hour makes
 * about a dozen messages, not a thousand. All state lives in a {@link StateStore}; {@link #expire} also drops what no
 * later event can need. Not thread-safe: one per stream of events (one per partition in detect-service).
 */
public final class Detector {

    /** How long a stateless finding is remembered by default, so a redelivered event does not repeat it. */
    public static final Duration REMEMBER = Duration.ofDays(1);
    /** How far ahead of the wall clock an event's time may move the stream's time, by default. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(15);
    /** How long a first-seen value, or a key's learning, is kept without being seen again, by default. */
    public static final Duration FORGET = Duration.ofDays(90);
    /** How stale a last-seen time may be before it is written again: a value seen all day costs one write a day. */
    private static final long TOUCH_EVERY = Duration.ofDays(1).toMillis();
    /** How often, in stream time, first-seen state is swept for what was not seen for {@code forget}. */
    private static final long SWEEP_EVERY = Duration.ofHours(1).toMillis();

    /**
     * State is written with instants as numbers (seconds.nanoseconds), read back without a date-time parser; entries
     * written with instants as text by earlier versions read the same.
     */
    private static final ObjectMapper JSON = ModelJson.newMapper().enable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final Instant FAR = Instant.ofEpochMilli(Long.MAX_VALUE);
    /** The key prefix of a grouped finding's evidence, apart from its hot entry ({@link #hold}). */
    private static final String EVIDENCE = "e|";

    private final Engine engine;
    private final StateStore store;
    private final Duration remember;
    private final Clock clock;
    private final Duration maxSkew;
    private final Duration forget;
    private final Map<String, Decoded> decoded;
    private long sweptAt = Long.MIN_VALUE;
    private Instant latest = Instant.EPOCH; // the stream's time: the latest event time processed, at most now + maxSkew

    /** How many state entries a detector keeps decoded, the most recently used: a group's burst as it grows. */
    static final int DECODED = 128;

    /** A state entry as stored and what it decodes to. */
    private record Decoded(String stored, Object value) {
    }

    /** A detector with its state in memory. */
    public Detector(Engine engine) {
        this(engine, StateStore.inMemory(), REMEMBER);
    }

    public Detector(Engine engine, StateStore store, Duration remember) {
        this(engine, store, remember, FORGET, Clock.systemUTC(), MAX_CLOCK_SKEW);
    }

    /**
     * @param remember how long a finding without a window is remembered, so that its redelivery does not repeat it
     * @param forget   how long a first-seen value, or a key's learning, is kept without being seen again
     * @param clock    the wall clock, which bounds the stream's time
     * @param maxSkew  how far ahead of the wall clock an event may move the stream's time: a record dated in the
     *                 future (a forged file, a broken clock) still gets its findings, but cannot make the detector
     *                 believe every window has closed and expire everyone's state
     */
    public Detector(Engine engine, StateStore store, Duration remember, Duration forget, Clock clock, Duration maxSkew) {
        this(engine, store, remember, forget, clock, maxSkew, DECODED);
    }

    /** As above, keeping up to {@code decodedEntries} state entries decoded ({@link #decoded}; 0: none). */
    Detector(Engine engine, StateStore store, Duration remember, Duration forget, Clock clock, Duration maxSkew,
             int decodedEntries) {
        this.decoded = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Decoded> eldest) {
                return size() > decodedEntries;
            }
        };
        this.engine = engine;
        this.store = store;
        this.remember = remember;
        this.forget = forget;
        this.clock = clock;
        this.maxSkew = maxSkew;
    }

    /** Findings made or grown by the event; a grown finding keeps its findingId. */
    public List<Finding> process(CloudTrailEvent event) {
        if (event.eventTime().isAfter(latest)) {
            Instant bound = clock.instant().plus(maxSkew);
            latest = event.eventTime().isAfter(bound) ? (bound.isAfter(latest) ? bound : latest) : event.eventTime();
        }
        List<Finding> out = new ArrayList<>(1);
        for (Rule rule : engine.matches(event)) {
            Finding f;
            if (rule.threshold() != null) {
                threshold(rule, event, out);
                continue;
            } else if (rule.firstSeen() != null) {
                firstSeen(rule, event, out);
                continue;
            } else if (rule.sequence() != null) {
                sequence(rule, event, out);
                continue;
            } else {
                f = single(rule, event);
            }
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    /**
     * Drops state that no event at or after {@code now} (event time) can need: dedup and threshold state whose
     * windows have closed; and, at most once an hour of stream time, first-seen values and keys not seen for
     * {@code forget}.
     *
     * @return the final versions of grouped findings that grew since they were last published
     */
    public List<Finding> expire(Instant now) {
        List<Finding> finals = new ArrayList<>();
        long t = now.isAfter(FAR) ? Long.MAX_VALUE : now.toEpochMilli();
        store.scan("f|", (k, v) -> {
            int bar = v.indexOf('|');
            if (Long.parseLong(v, 0, bar, 10) > t) {
                return;
            }
            if (bar + 1 < v.length()) {
                int bar2 = v.indexOf('|', bar + 1);
                int published = Integer.parseInt(v, bar + 1, bar2, 10);
                Finding h = read(v.substring(bar2 + 1), Finding.class);
                if (h.count() > published) {
                    add(finals, whole(h, null));
                }
                store.delete(EVIDENCE + h.findingId());
            }
            store.delete(k);
        });
        store.scan("b|", (k, v) -> {
            int bar = v.indexOf('|');
            if (Long.parseLong(v, 0, bar, 10) > t) {
                return;
            }
            Burst b = read(v.substring(bar + 1), Burst.class);
            if (b.open() != null) {
                if (b.open().count() > b.published()) {
                    add(finals, whole(b.open(), null));
                }
                store.delete(EVIDENCE + b.open().findingId());
            }
            store.delete(k);
        });
        store.scan("q|", (k, v) -> {
            if (Long.parseLong(v, 0, v.indexOf('|'), 10) <= t) {
                store.delete(k);
            }
        });
        if (t == Long.MAX_VALUE || sweptAt != Long.MIN_VALUE && t - sweptAt < SWEEP_EVERY) {
            return finals;
        }
        sweptAt = t;
        long forgetBefore = t - forget.toMillis();
        store.scan("s|", (k, v) -> {
            if (Long.parseLong(v) < forgetBefore) {
                store.delete(k);
            }
        });
        store.scan("o|", (k, v) -> {
            if (Origin.parse(v).lastSeen() < forgetBefore) {
                store.delete(k);
            }
        });
        return finals;
    }

    /**
     * The stream's time: the latest event time processed, but never more than the maximum clock skew ahead of the
     * wall clock. Expire with it.
     */
    public Instant streamTime() {
        return latest;
    }

    /** Whether the event is dated further ahead of the wall clock than the maximum skew. */
    public boolean isFutureDated(CloudTrailEvent event) {
        return event.eventTime().isAfter(clock.instant().plus(maxSkew));
    }

    /** Everything grouped findings still hold back: their final versions, as at the end of a replay. */
    public List<Finding> flush() {
        return expire(FAR);
    }

    /**
     * Where a finding's remember period starts: its event's time, or the latest event time seen when the event is late
     * (a backfill), so that expiry on the stream's time does not forget it at once and its redelivery repeats it.
     */
    private Instant rememberFrom(CloudTrailEvent event) {
        return event.eventTime().isAfter(latest) ? event.eventTime() : latest;
    }

    /** Whether a grown finding is published now: at counts 2, 4, 8, ... */
    private static boolean milestone(int count) {
        return (count & (count - 1)) == 0;
    }

    private Finding single(Rule rule, CloudTrailEvent event) {
        Finding f = Findings.of(rule, event);
        String key = "f|" + f.findingId();
        String stored = store.get(key);
        if (rule.dedup() == null) {
            if (stored != null) {
                return null;
            }
            Instant until = rememberFrom(event).plus(remember);
            store.put(key, until.toEpochMilli() + "|");
            return f;
        }
        int published = 1;
        if (stored != null) {
            int bar = stored.indexOf('|');
            int bar2 = stored.indexOf('|', bar + 1);
            published = Integer.parseInt(stored, bar + 1, bar2, 10);
            Finding old = decoded(key, stored, bar2 + 1, Finding.class);
            Finding grown = Findings.add(old, event);
            if (grown == old) {
                return null;
            }
            f = grown;
        }
        boolean publish = stored == null || milestone(f.count());
        Instant remembered = rememberFrom(event).plus(remember);
        Instant until = f.windowEnd().isAfter(remembered) ? f.windowEnd() : remembered;
        Finding whole = publish ? whole(f, rule) : null; // before hold: a first version carries its evidence whole
        Finding held = hold(f);
        put(key, until.toEpochMilli() + "|" + (publish ? f.count() : published) + "|", held, held.title() == null);
        return whole;
    }

    private void threshold(Rule rule, CloudTrailEvent event, List<Finding> out) {
        String group = Findings.groupKey(rule, event);
        String key = "b|" + rule.id() + "|" + group;
        String stored = store.get(key);
        Burst burst = stored == null ? Burst.EMPTY : decoded(key, stored, stored.indexOf('|') + 1, Burst.class);
        Burst.Step step = burst.next(rule, group, event);
        Burst state = step.state();
        Finding f = step.finding();
        Finding closed = burst.open();
        if (closed != null && (state.open() == null || !state.open().findingId().equals(closed.findingId()))) {
            if (closed.count() > burst.published()) {
                add(out, whole(closed, rule));
            }
            store.delete(EVIDENCE + closed.findingId());
        }
        boolean started = f != null && (burst.open() == null || !burst.open().findingId().equals(f.findingId()));
        boolean publish = f != null && (started || milestone(f.count()));
        if (publish) {
            state = state.publishedNow();
        }
        Finding whole = publish ? whole(f, rule) : null; // before hold: a new burst carries its evidence whole
        if (state.open() != null) {
            state = state.holding(hold(state.open()));
        }
        put(key, state.expiry(rule.threshold()).toEpochMilli() + "|", state, state.open() == null || state.open().title() == null);
        add(out, whole);
    }

    private void firstSeen(Rule rule, CloudTrailEvent event, List<Finding> out) {
        Rule.FirstSeen fs = rule.firstSeen();
        String key = Findings.keyValues(fs.key(), event);
        long at = event.eventTime().toEpochMilli();
        String originKey = "o|" + rule.id() + "|" + key;
        String stored = store.get(originKey);
        Origin origin = stored == null ? new Origin(at, at) : Origin.parse(stored);
        Origin seen = origin.seenAt(at);
        if (stored == null || !seen.equals(origin)) {
            store.put(originKey, seen.toString());
        }
        boolean learning = at < seen.start() + fs.learning().toMillis();
        for (JsonNode v : fs.value().values(new EventView(event, engine.context()))) {
            String value = v.isValueNode() ? v.asText() : v.toString();
            String seenKey = "s|" + rule.id() + "|" + key + "|" + value;
            String lastSeen = store.get(seenKey);
            if (lastSeen != null) {
                if (at - Long.parseLong(lastSeen) > TOUCH_EVERY) {
                    store.put(seenKey, Long.toString(at));
                }
                continue;
            }
            store.put(seenKey, Long.toString(at));
            if (!learning) {
                out.add(Findings.firstSeen(rule, key, value, event));
            }
        }
    }

    /**
     * A sequence's progress for one key: the time and eventId of each step seen (null: not yet). Ordered, a step counts
     * only after the one before it, and a first step starts the chain again once the window since the first has
     * passed; unordered, steps older than the window are forgotten. When every step is there, the finding is made (its
     * id from the rule, the key and the first step's event) and the progress cleared.
     */
    private void sequence(Rule rule, CloudTrailEvent event, List<Finding> out) {
        Rule.Sequence seq = rule.sequence();
        var view = new EventView(event, engine.context());
        long at = event.eventTime().toEpochMilli();
        long window = seq.window().toMillis();
        for (int i = 0; i < seq.steps().size(); i++) {
            Rule.Step step = seq.steps().get(i);
            if (!step.match().test(view)) {
                continue;
            }
            String key = "q|" + rule.id() + "|" + Findings.keyValues(step.by(), event, false);
            String stored = store.get(key);
            SequenceState state = stored == null ? SequenceState.empty(seq.steps().size())
                    : read(stored.substring(stored.indexOf('|') + 1), SequenceState.class);
            SequenceState next = state.with(i, at, event.eventId(), seq);
            if (next == state) {
                continue;
            }
            if (next.complete()) {
                store.delete(key);
                out.add(Findings.sequence(rule, Findings.keyValues(step.by(), event, false), next.eventIds(), next.times(), event));
            } else {
                store.put(key, (next.first() + window) + "|" + write(next));
            }
        }
    }

    /**
     * Progress of one key through a sequence: per step, when it happened and its eventId (null while not yet).
     */
    record SequenceState(List<Long> times, List<String> eventIds) {

        static SequenceState empty(int steps) {
            return new SequenceState(java.util.Collections.nCopies(steps, null), java.util.Collections.nCopies(steps, null));
        }

        long first() {
            return times.stream().filter(java.util.Objects::nonNull).mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
        }

        boolean complete() {
            return times.stream().allMatch(java.util.Objects::nonNull);
        }

        /** The progress after step {@code i} happened at {@code at}; this same object when it changes nothing. */
        SequenceState with(int i, long at, String eventId, Rule.Sequence seq) {
            if (eventId.equals(eventIds.get(i))) {
                return this; // a redelivery
            }
            long window = seq.window().toMillis();
            List<Long> t = new ArrayList<>(times);
            List<String> ids = new ArrayList<>(eventIds);
            if (seq.ordered()) {
                if (i == 0) {
                    if (t.get(0) != null && at - t.get(0) <= window && at >= t.get(0)) {
                        return this; // the chain already under way keeps its start
                    }
                    java.util.Collections.fill(t, null);
                    java.util.Collections.fill(ids, null);
                } else if (t.get(i - 1) == null || at < t.get(i - 1) || at - t.get(0) > window || t.get(i) != null) {
                    return this;
                }
            } else {
                for (int j = 0; j < t.size(); j++) {
                    if (t.get(j) != null && Math.abs(at - t.get(j)) > window) {
                        t.set(j, null);
                        ids.set(j, null);
                    }
                }
                if (t.get(i) != null) {
                    return this;
                }
            }
            t.set(i, at);
            ids.set(i, eventId);
            return new SequenceState(java.util.Collections.unmodifiableList(t), java.util.Collections.unmodifiableList(ids));
        }
    }

    /**
     * A first-seen key's learning: when its first event happened (its learning period runs from there) and when it was
     * last seen (a key not seen for {@code forget} learns again). Stored as {@code start|lastSeen}; a bare {@code start}
     * is a key from before last-seen times were kept.
     */
    private record Origin(long start, long lastSeen) {

        static Origin parse(String value) {
            int bar = value.indexOf('|');
            if (bar < 0) {
                long start = Long.parseLong(value);
                return new Origin(start, start);
            }
            return new Origin(Long.parseLong(value, 0, bar, 10), Long.parseLong(value, bar + 1, value.length(), 10));
        }

        /** The origin after an event at {@code at}: an earlier event moves the start, a day's news the last-seen time. */
        Origin seenAt(long at) {
            return new Origin(Math.min(start, at), at - lastSeen > TOUCH_EVERY ? at : lastSeen);
        }

        @Override
        public String toString() {
            return start + "|" + lastSeen;
        }
    }

    /**
     * A grouped finding (deduplicated, or a burst) as its state entry holds it: only what grows (its count, eventIds and
     * window). What its rule gives (title, description, category, MITRE, runbook, references) and what its first event
     * gives (account, region, principal, address, call, time, the normalized event) are made again from the rule and the
     * evidence's record, which is written once, under {@value #EVIDENCE} and the findingId, when the finding is new, and
     * read only when the finding is published. The entry read and written on every event that grows a finding is a few
     * hundred bytes, not the record.
     */
    private Finding hold(Finding f) {
        CloudTrailEvent e = f.evidence();
        if (e != null && e.raw() != null) {
            CloudTrailEvent record = new CloudTrailEvent(null, null, null, null, null, null, e.accountId(), null, null, null,
                    null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, e.raw(), e.origin());
            store.put(EVIDENCE + f.findingId(), write(record));
        } else if (f.title() != null) {
            return f; // an entry written whole by an earlier version, with no record to make it again from
        }
        return new Finding(f.findingId(), f.ruleId(), null, null, f.severity(), null, null, null, null, null, null, null,
                null, null, f.eventIds(), f.count(), f.windowStart(), f.windowEnd(), null, null, null, f.outcome());
    }

    /**
     * The finding a state entry holds ({@link #hold}), whole again; null when its rule left the pack or its evidence is
     * gone. Entries written whole by earlier versions are taken as they are, and entries that held their record within
     * are read with it.
     *
     * @param rule its rule when known, else looked up by the finding's ruleId
     */
    private Finding whole(Finding h, Rule rule) {
        if (h.title() != null) {
            return h;
        }
        Rule r = rule != null ? rule : engine.rule(h.ruleId());
        if (r == null) {
            return null;
        }
        if (Finding.DENIED.equals(h.outcome()) && !r.denied() && r.attempts() != null) {
            r = r.deniedVariant();
        }
        CloudTrailEvent held = h.evidence();
        if (held == null) {
            String stored = store.get(EVIDENCE + h.findingId());
            if (stored == null) {
                return null;
            }
            held = read(stored, CloudTrailEvent.class);
        }
        CloudTrailEvent e;
        try {
            e = Normalizer.normalize((ObjectNode) held.raw(), held.accountId()).withOrigin(held.origin());
        } catch (InvalidRecordException | RuntimeException ex) {
            throw new IllegalStateException("held evidence is no longer an event: " + ex.getMessage(), ex);
        }
        return new Finding(h.findingId(), h.ruleId(), r.title(), r.description(), h.severity(), r.category(), r.mitre(),
                e.accountId(), e.awsRegion(), e.principal(), e.sourceIp(), e.eventSource(), e.eventName(), e.eventTime(),
                h.eventIds(), h.count(), h.windowStart(), h.windowEnd(), e, r.runbook(), r.references(), h.outcome());
    }

    private static void add(List<Finding> out, Finding f) {
        if (f != null) {
            out.add(f);
        }
    }

    /**
     * The value of a state entry from its form after {@code from} ({@link #read}): the value last read or written under
     * the key when the entry is still what it was then, so the state of a group that grows with every event (a burst,
     * a deduplicated finding and its eventIds) is not parsed again from what was just written.
     */
    private <T> T decoded(String key, String stored, int from, Class<T> type) {
        Decoded d = decoded.get(key);
        if (d != null && type.isInstance(d.value()) && d.stored().equals(stored)) {
            return type.cast(d.value());
        }
        T value = read(stored.substring(from), type);
        decoded.put(key, new Decoded(stored, value));
        return value;
    }

    /**
     * Writes a state entry: {@code prefix} then the value ({@link #write}). The value is kept decoded when
     * {@code readsBack} says it reads back from that form as it is (a held finding; not an entry whole from an earlier version).
     */
    private void put(String key, String prefix, Object value, boolean readsBack) {
        String stored = write(prefix, value);
        store.put(key, stored);
        if (readsBack) {
            decoded.put(key, new Decoded(stored, value));
        } else {
            decoded.remove(key);
        }
    }

    /** A state value in its compact form ({@link StateCodec}), or as JSON when it has none. */
    private static String write(Object value) {
        return write("", value);
    }

    /** {@code prefix} and a state value in its compact form ({@link StateCodec}), or as JSON when it has none. */
    private static String write(String prefix, Object value) {
        String compact = StateCodec.write(prefix, value);
        if (compact != null) {
            return compact;
        }
        try {
            return prefix + JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("detector state does not serialize", e);
        }
    }

    /** A state value from its compact form, or from JSON (as earlier versions wrote it, and what has no compact form). */
    private static <T> T read(String stored, Class<T> type) {
        if (StateCodec.isCompact(stored, 0)) {
            return StateCodec.read(stored, 0, type);
        }
        try {
            return JSON.readValue(stored, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("detector state does not deserialize: " + e.getOriginalMessage(), e);
        }
    }
}

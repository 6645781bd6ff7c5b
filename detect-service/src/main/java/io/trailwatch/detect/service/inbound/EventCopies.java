package io.trailwatch.detect.service.inbound;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.EventOrigin;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Set;

/**
 * Recognizes the second copy of an event. A CloudTrail event can reach the events topic twice: through EventBridge,
 * minutes before its log file, and in its log file (either may come first). Both copies carry the same eventID and
 * the same key (the account), so they meet in the same task, where this remembers the eventIDs of the window in a
 * window store: its segments expire by themselves, its changelog carries it across restarts and rebalances, and under
 * exactly-once a copy's record commits with the findings it gave.
 *
 * <p>The detector alone does not suffice: it ignores a redelivered event in what it remembers of it (a finding made,
 * a threshold's eventIds, a first-seen value), but a grouped finding keeps only so many eventIds, so a second copy of
 * an event it no longer lists would count twice.
 *
 * <p>Remembered, and looked up, are every copy that came through EventBridge, and a log file's copy only when
 * EventBridge could also carry it: an event of the configured categories ({@code Management} by default) that changes
 * something, or also one that only reads when EventBridge is configured to carry those (its rule's state
 * {@code ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS}). A log file's copy of any other event (most of a trail: reads
 * and data events) has no other copy to find, and costs no lookup. When EventBridge brings an event the configuration
 * says it does not carry, the configuration is wrong: that is logged (once per task), and from then on every log
 * file's copy is looked up in this task (until it restarts or moves: a copy whose other came before may then count
 * twice). The store is asked only about an id {@link RecentIds} says it may hold: the first copy of an event, which
 * is nearly every copy, costs its write and no lookup. Not thread-safe: one per task.
 */
public final class EventCopies {

    /**
     * What detect-service is configured with ({@code trailwatch.detect.copies}).
     *
     * @param window     how long an eventID is remembered; zero: copies are not checked
     * @param categories the eventCategory values EventBridge carries ({@code Management}, {@code Data})
     * @param readOnly   whether EventBridge carries read-only events too
     */
    public record Settings(Duration window, Set<String> categories, boolean readOnly) {

        public Settings {
            categories = Set.copyOf(categories);
        }

        public static Settings of(io.trailwatch.detect.service.config.DetectConfig.Copies config) {
            return new Settings(config.window(), config.categories(), config.readOnly());
        }
    }

    private static final Logger LOG = Logger.getLogger(EventCopies.class);

    private final WindowStore<String, String> store;
    private final RecentIds ids;
    private final long window;
    private final Set<String> categories;
    private final boolean readOnly;
    /** Whether EventBridge brought an event the configuration says it does not carry: every copy is looked up. */
    private boolean carriesMore;

    EventCopies(WindowStore<String, String> store, Settings settings) {
        this.store = store;
        this.window = settings.window().toMillis();
        this.categories = settings.categories();
        this.readOnly = settings.readOnly();
        this.ids = new RecentIds(window, RecentIds.BITS);
        // what the store holds already (restored after a restart or a move): the filter must know every id it can return
        try (KeyValueIterator<Windowed<String>, String> held = store.all()) {
            while (held.hasNext()) {
                var entry = held.next();
                ids.add(entry.key.key(), entry.key.window().start());
            }
        }
    }

    /**
     * Whether another copy of the event came within the window around {@code timestamp} (the record's time on the
     * events topic); when none did, remembers this one if its other copy may still come.
     *
     * @return how the copy seen before came ({@code eventbridge}, {@code log-file}), or null when this is the first
     */
    String secondCopyOf(CloudTrailEvent event, long timestamp) {
        String via = via(event);
        boolean viaEventBridge = via.equals(EventOrigin.VIA_EVENTBRIDGE);
        boolean carried = mayComeThroughEventBridge(event);
        if (viaEventBridge && !carried && !carriesMore) {
            carriesMore = true;
            LOG.warnf("EventBridge brought event %s (%s, eventCategory %s, readOnly %s), of a kind trailwatch.detect.copies "
                    + "says it does not carry: set its categories and read-only to what the EventBridge rule takes. Until "
                    + "then every event's log file copy is looked up as a possible second copy.", event.eventId(),
                    event.eventName(), event.eventCategory(), event.readOnly());
        }
        if (!viaEventBridge && !carried && !carriesMore) {
            return null;
        }
        String id = event.eventId();
        if (ids.mightContain(id)) {
            try (WindowStoreIterator<String> earlier = store.fetch(id, Math.max(0, timestamp - window), timestamp + window)) {
                if (earlier.hasNext()) {
                    return earlier.next().value;
                }
            }
        }
        if (viaEventBridge || carried) {
            store.put(id, via, timestamp);
            ids.add(id, timestamp);
        }
        return null;
    }

    private boolean mayComeThroughEventBridge(CloudTrailEvent event) {
        String category = event.eventCategory() == null ? "Management" : event.eventCategory();
        return categories.contains(category) && (readOnly || !Boolean.TRUE.equals(event.readOnly()));
    }

    /** How an event came: {@code eventbridge} or {@code log-file}. */
    static String via(CloudTrailEvent event) {
        return event.origin() != null && event.origin().viaEventBridge() ? EventOrigin.VIA_EVENTBRIDGE : EventOrigin.VIA_LOG_FILE;
    }
}

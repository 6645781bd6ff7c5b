package io.trailwatch.detect.service.inbound;

import io.trailwatch.cloudtrail.EventMessages;
import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.EventOrigin;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The log files of one task's events, by id. On the events topic only the first record of a log file for its key
 * names the file's bucket and key ({@code tw_s3_bucket}, {@code tw_s3_key}); every record names the file by its id
 * ({@code tw_log_file}). This keeps id to bucket and key, so that every event, and so every finding's evidence, says
 * which object it was read from (what remediate-service checks against the validated digests).
 *
 * <p>A file's records come one after another, interleaved with a few other files' at most, so the files last seen are
 * kept in memory; behind them a window store keeps each file for {@link #KEEP} of the records' time, with a changelog,
 * so a task that moves or restarts in the middle of a file still knows it, and under exactly-once a file's entry
 * commits with the offset of the record that named it. A name is kept only when the id is the name's
 * ({@link EventMessages#isLogFileId}), so no record can make another file's records name its object. Not thread-safe:
 * one per task.
 */
final class LogFiles {

    /** How long, in the records' time, a file is known after its first record: its records come within minutes. */
    static final Duration KEEP = Duration.ofDays(1);
    /** Files kept in memory, the most recently used. */
    private static final int RECENT = 256;

    private final WindowStore<String, String> store;
    private final Map<String, String[]> recent = new LinkedHashMap<>(RECENT * 2, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String[]> eldest) {
            return size() > RECENT;
        }
    };

    LogFiles(WindowStore<String, String> store) {
        this.store = store;
    }

    /**
     * The event, its origin naming its log file's bucket and key when it names only the file's id and the file is
     * known; remembers the file when the event names both.
     *
     * @param timestamp the record's time on the events topic
     * @return the event as it is, or with its origin completed; {@code null} origin fields stay null when the file is
     * unknown (see {@link #known})
     */
    CloudTrailEvent resolve(CloudTrailEvent event, long timestamp) {
        EventOrigin origin = event.origin();
        String id = origin.logFile();
        if (origin.bucket() != null) {
            if (!recent.containsKey(id) && EventMessages.isLogFileId(id, origin.bucket(), origin.key())) {
                recent.put(id, new String[]{origin.bucket(), origin.key()});
                store.put(id, origin.bucket() + '\n' + origin.key(), timestamp);
            }
            return event;
        }
        String[] file = recent.get(id);
        if (file == null) {
            file = stored(id, timestamp);
            if (file == null) {
                return event;
            }
            recent.put(id, file);
        }
        return event.withOrigin(origin.in(file[0], file[1]));
    }

    /** Whether an event's origin names the object it was read from, or does not need to (EventBridge, none). */
    static boolean known(CloudTrailEvent event) {
        EventOrigin o = event.origin();
        return o == null || o.logFile() == null || o.bucket() != null;
    }

    private String[] stored(String id, long timestamp) {
        String latest = null;
        try (WindowStoreIterator<String> it = store.fetch(id, Math.max(0, timestamp - KEEP.toMillis()), timestamp + KEEP.toMillis())) {
            while (it.hasNext()) {
                latest = it.next().value;
            }
        }
        if (latest == null) {
            return null;
        }
        int nl = latest.indexOf('\n');
        return nl < 0 ? null : new String[]{latest.substring(0, nl), latest.substring(nl + 1)};
    }
}

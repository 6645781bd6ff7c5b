package io.trailwatch.console.web;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import io.trailwatch.console.store.Store;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestStreamElementType;

import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Live updates: {@code GET /live} is a stream of server-sent events, one {@code findings} event (its data the time of
 * the latest write) whenever findings were written since the last look. The store is looked at once every
 * {@value #EVERY_MS} ms for every browser together, so it also sees what other replicas sharing the database wrote;
 * a comment every 15 s keeps idle connections open through proxies. The page fetches its list again on an event.
 */
@Path("/live")
@ApplicationScoped
public class LiveUpdates {

    private static final Logger LOG = Logger.getLogger(LiveUpdates.class);
    static final long EVERY_MS = 1000;

    private final Store store;
    private final BroadcastProcessor<String> changes = BroadcastProcessor.create();
    private ScheduledExecutorService watcher;
    private volatile long last = -1;

    LiveUpdates(Store store) {
        this.store = store;
    }

    void start(@Observes StartupEvent start) {
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "console-live-updates");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::look, EVERY_MS, EVERY_MS, TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stop) {
        if (watcher != null) {
            watcher.shutdownNow();
        }
        changes.onComplete();
    }

    private void look() {
        try {
            long latest = store.lastWrite();
            if (last >= 0 && latest != last) {
                changes.onNext(Long.toString(latest));
            }
            last = latest;
        } catch (SQLException | RuntimeException e) {
            LOG.debugf("live updates could not read the store: %s", e.getMessage());
        }
    }

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RestStreamElementType(MediaType.TEXT_PLAIN)
    public Multi<String> stream() {
        Multi<String> keepAlive = Multi.createFrom().ticks().every(Duration.ofSeconds(15)).map(t -> "");
        return Multi.createBy().merging().streams(changes, keepAlive);
    }
}

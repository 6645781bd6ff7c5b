package io.trailwatch.ingest.core;

import io.trailwatch.cloudtrail.LogKey;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ingests every CloudTrail object under a bucket prefix whose delivery time lies in [from, to), through the same
 * {@link ObjectIngestor} (admission, ledger, dead letters) as notifications. Listing is narrowed to the days in range
 * when the prefix ends at a region folder ({@code .../CloudTrail/<region>/}). Jobs run in the background; their
 * progress can be read while they run. Thread-safe.
 */
public final class Backfill {

    private static final Logger LOG = Logger.getLogger(Backfill.class);
    private static final Pattern FILE_TIME = Pattern.compile("_(\\d{8}T\\d{4}Z)_");
    private static final Pattern REGION_FOLDER = Pattern.compile("(^|/)(CloudTrail|CloudTrail-Insight)/[a-z0-9-]+/$");
    private static final DateTimeFormatter FILE_TIME_FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy/MM/dd");
    private static final int ATTEMPTS = 3;

    /**
     * Bounds on what operators may ask for.
     *
     * @param maxRange     the longest time range of one job
     * @param maxRunning   jobs running at once; a further request is refused until one ends
     * @param keepFinished how long a finished job's progress can still be read; then it is forgotten
     */
    public record Limits(Duration maxRange, int maxRunning, Duration keepFinished) {
        public Limits {
            if (maxRange.isNegative() || maxRange.isZero() || maxRunning < 1 || keepFinished.isNegative()) {
                throw new IllegalArgumentException("backfill limits must be positive: " + maxRange + ", " + maxRunning + ", " + keepFinished);
            }
        }
    }

    /** A request refused by a limit: the range is too long ({@link #tooBusy()} false) or too many jobs run. */
    public static final class RefusedException extends RuntimeException {
        private final boolean tooBusy;

        RefusedException(String message, boolean tooBusy) {
            super(message);
            this.tooBusy = tooBusy;
        }

        public boolean tooBusy() {
            return tooBusy;
        }
    }

    /** What an operator asks for. */
    public record Request(String bucket, String prefix, Instant from, Instant to) {
        public Request {
            if (bucket == null || bucket.isBlank()) {
                throw new IllegalArgumentException("bucket is required");
            }
            prefix = prefix == null ? "" : prefix;
            if (from == null || to == null || !from.isBefore(to)) {
                throw new IllegalArgumentException("from and to are required, and from must be before to");
            }
        }
    }

    /**
     * A job's progress, as a snapshot.
     *
     * @param state    {@code running}, {@code done} or {@code failed} (listing failed)
     * @param listed   objects listed so far
     * @param matched  of those, objects in the time range
     * @param ingested objects whose records were published
     * @param skipped  objects skipped (already ingested, digests, refused)
     * @param failed   objects dead-lettered, or still failing after retries
     */
    public record Progress(String id, Request request, String state, long listed, long matched, long ingested,
                           long skipped, long failed, Instant startedAt, Instant finishedAt, String error) {
    }

    private final ObjectSource source;
    private final ObjectIngestor ingestor;
    private final ExecutorService workers;
    private final int concurrency;
    private final Clock clock;
    private final Limits limits;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();

    public Backfill(ObjectSource source, ObjectIngestor ingestor, ExecutorService workers, int concurrency, Clock clock,
                    Limits limits) {
        this.source = source;
        this.ingestor = ingestor;
        this.workers = workers;
        this.concurrency = concurrency;
        this.clock = clock;
        this.limits = limits;
    }

    /**
     * Starts a job; returns its id at once.
     *
     * @throws RefusedException when the range is longer than allowed or the most jobs already run
     */
    public synchronized String start(Request request) {
        Duration range = Duration.between(request.from(), request.to());
        if (range.compareTo(limits.maxRange()) > 0) {
            throw new RefusedException("the range " + request.from() + " to " + request.to() + " is longer than the "
                    + limits.maxRange().toDays() + " days a backfill may span (trailwatch.ingest.backfill.max-range); split it", false);
        }
        forgetFinished();
        long running = jobs.values().stream().filter(j -> "running".equals(j.state.get())).count();
        if (running >= limits.maxRunning()) {
            throw new RefusedException(running + " backfills are running, the most allowed "
                    + "(trailwatch.ingest.backfill.max-running); try again when one has finished", true);
        }
        var job = new Job(UUID.randomUUID().toString(), request, clock.instant());
        jobs.put(job.id, job);
        Thread thread = new Thread(() -> run(job), "backfill-" + job.id.substring(0, 8));
        thread.setDaemon(true);
        thread.start();
        return job.id;
    }

    public Optional<Progress> progress(String id) {
        forgetFinished();
        return Optional.ofNullable(jobs.get(id)).map(Job::snapshot);
    }

    public Collection<Progress> all() {
        forgetFinished();
        return jobs.values().stream().map(Job::snapshot).toList();
    }

    /** Forgets jobs that finished longer ago than the limits keep them. */
    private void forgetFinished() {
        Instant horizon = clock.instant().minus(limits.keepFinished());
        jobs.values().removeIf(j -> j.finishedAt != null && j.finishedAt.isBefore(horizon));
    }

    private void run(Job job) {
        var slots = new Semaphore(concurrency);
        try {
            for (String prefix : prefixes(job.request)) {
                source.list(job.request.bucket(), prefix, null, ref -> {
                    job.listed.incrementAndGet();
                    if (!inRange(ref, job.request)) {
                        return;
                    }
                    job.matched.incrementAndGet();
                    try {
                        slots.acquire();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                    workers.execute(() -> {
                        try {
                            ingestWithRetries(job, ref);
                        } finally {
                            slots.release();
                        }
                    });
                });
            }
            slots.acquire(concurrency);
            job.finish("done", null, clock.instant());
            LOG.infof("Backfill %s done: %s", job.id, job.snapshot());
        } catch (IOException | RuntimeException e) {
            job.finish("failed", e.getMessage(), clock.instant());
            LOG.warnf("Backfill %s failed: %s", job.id, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.finish("failed", "interrupted", clock.instant());
        }
    }

    private void ingestWithRetries(Job job, ObjectRef ref) {
        var provenance = Map.of("backfill", job.id);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            switch (ingestor.ingest(ref, provenance)) {
                case INGESTED -> {
                    job.ingested.incrementAndGet();
                    return;
                }
                case SKIPPED, REFUSED -> {
                    job.skipped.incrementAndGet();
                    return;
                }
                case DEAD_LETTERED -> {
                    job.failed.incrementAndGet();
                    return;
                }
                case RETRY -> {
                    // below
                }
            }
            try {
                Thread.sleep(1000L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        job.failed.incrementAndGet();
    }

    /** The listing prefixes: one per day in range when the prefix ends at a region folder, else the prefix itself. */
    static List<String> prefixes(Request request) {
        if (!REGION_FOLDER.matcher(request.prefix()).find()) {
            return List.of(request.prefix());
        }
        List<String> days = new ArrayList<>();
        LocalDate first = request.from().atZone(ZoneOffset.UTC).toLocalDate();
        // A file delivered just after midnight may hold the last minutes of the day before `to`; include `to`'s day.
        LocalDate last = request.to().atZone(ZoneOffset.UTC).toLocalDate();
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            days.add(request.prefix() + DAY.format(d) + "/");
        }
        return days;
    }

    /** Whether the object's delivery time (from the CloudTrail file name, else LastModified) is in range. */
    static boolean inRange(ObjectRef ref, Request request) {
        Instant t = deliveryTime(ref);
        return t != null && !t.isBefore(request.from()) && t.isBefore(request.to());
    }

    static Instant deliveryTime(ObjectRef ref) {
        String name = LogKey.parse(ref.key()).map(LogKey::fileName).orElse(ref.key());
        Matcher m = FILE_TIME.matcher(name);
        if (m.find()) {
            try {
                return FILE_TIME_FORMAT.parse(m.group(1), Instant::from);
            } catch (DateTimeParseException e) {
                // fall through to LastModified
            }
        }
        return ref.lastModified();
    }

    private static final class Job {
        final String id;
        final Request request;
        final Instant startedAt;
        final AtomicLong listed = new AtomicLong();
        final AtomicLong matched = new AtomicLong();
        final AtomicLong ingested = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<String> state = new AtomicReference<>("running");
        volatile Instant finishedAt;
        volatile String error;

        Job(String id, Request request, Instant startedAt) {
            this.id = id;
            this.request = request;
            this.startedAt = startedAt;
        }

        void finish(String end, String why, Instant at) {
            error = why;
            finishedAt = at;
            state.set(end);
        }

        Progress snapshot() {
            return new Progress(id, request, state.get(), listed.get(), matched.get(), ingested.get(), skipped.get(),
                    failed.get(), startedAt, finishedAt, error);
        }
    }
}

package io.trailwatch.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Caps;
import io.trailwatch.cloudtrail.LogFileReader;
import io.trailwatch.cloudtrail.UnreadableLogException;
import io.trailwatch.devkit.CloudTrailLogs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

/**
 * The files a benchmark reads: generated (a realistic record mix in CloudTrail's key layout, files of 100 to 5,000
 * records), or the CloudTrail log files under a directory, keyed by their path relative to it (other files skipped).
 */
final class Corpus {

    /** One file: its S3 key, its bytes, and its record count (-1 until counted). */
    record File(String key, byte[] bytes, int records) {
    }

    private Corpus() {
    }

    /** Where a generated corpus starts, and the time between its files. */
    private static final Instant START = Instant.parse("2026-03-02T00:00:00Z");
    private static final long STEP_SECONDS = 300;

    static List<File> generate(int files, long seed) {
        var random = new Random(seed);
        return generate(files, seed, START, STEP_SECONDS, "bench", () -> 100 + random.nextInt(4901));
    }

    /**
     * A corpus of the same mix and accounts as {@link #generate}'s, but of other events: other eventIDs, requests and
     * times, ending more than a day before {@link #generate}'s starts. What a warm-up uploads, so that the pass measured after it
     * brings detect-service only events it has never seen, as a platform in service gets them: the same corpus twice
     * would find a quarter of its events (the management writes, which may also come through EventBridge) skipped as
     * second copies, and the rest already known.
     */
    static List<File> before(int files, long seed) {
        var random = new Random(seed);
        // two days: a file's records run on for up to 5.5 hours after its time, and detect-service remembers a day
        Instant start = START.minusSeconds(files * STEP_SECONDS).minus(java.time.Duration.ofDays(2));
        return generate(files, seed, start, STEP_SECONDS, "warm", () -> 100 + random.nextInt(4901));
    }

    /**
     * {@code files} small log files (one record each, the generated mix), so that what a service does once per file
     * (the notification, the object's fetch, the ledger) has run as often as in a service up for hours before a pass is
     * measured.
     */
    static List<File> small(int files, long seed) {
        return generate(files, seed, Instant.parse("2026-02-02T00:00:00Z"), 1, "warm", () -> 1);
    }

    /** Files of three accounts in turn, a region after another, {@code stepSeconds} apart, of {@code records} records. */
    private static List<File> generate(int files, long seed, Instant start, long stepSeconds, String name, IntSupplier records) {
        var logs = new CloudTrailLogs(seed);
        String[] accounts = {"111122223333", "444455556666", "777788889999"};
        List<File> out = new ArrayList<>();
        Instant t = start;
        for (int i = 0; i < files; i++) {
            String account = accounts[i % accounts.length];
            String region = CloudTrailLogs.region(i / accounts.length);
            int n = records.getAsInt();
            out.add(new File(CloudTrailLogs.key(account, region, t, String.format("%s%08d", name, i)),
                    CloudTrailLogs.file(logs.records(account, region, t, n), true), n));
            t = t.plusSeconds(stepSeconds);
        }
        return out;
    }

    /**
     * The CloudTrail log files under {@code dir}, with their record counts. Every other file (a manifest, a digest, a
     * README, a damaged log) is skipped with a line saying why, so a corpus copied from a bucket or a dataset is usable
     * as it is.
     */
    static List<File> read(Path dir) throws IOException {
        var reader = new LogFileReader(Caps.DEFAULT);
        try (Stream<Path> paths = Files.walk(dir)) {
            List<File> out = new ArrayList<>();
            int skipped = 0;
            for (Path p : paths.filter(Files::isRegularFile).sorted().toList()) {
                String key = dir.relativize(p).toString().replace('\\', '/');
                byte[] bytes = Files.readAllBytes(p);
                try {
                    int records = reader.read(new ByteArrayInputStream(bytes), COUNT).records();
                    out.add(new File(key, bytes, records));
                } catch (UnreadableLogException e) {
                    if (skipped++ < 10) {
                        System.out.printf(Locale.ROOT, "corpus: skipped %s: not a CloudTrail log file (%s)%n", key, e.getMessage());
                    }
                }
            }
            if (skipped > 10) {
                System.out.printf(Locale.ROOT, "corpus: skipped %d files in all%n", skipped);
            }
            if (out.isEmpty()) {
                throw new IOException("no CloudTrail log files under " + dir);
            }
            return out;
        }
    }

    private static final LogFileReader.Sink COUNT = new LogFileReader.Sink() {
        @Override
        public void record(int index, ObjectNode record) {
        }

        @Override
        public void badRecord(int index, String reason, String detail) {
        }
    };
}

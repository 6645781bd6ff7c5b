package io.trailwatch.bench;

import io.trailwatch.devkit.CloudTrailLogs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/**
 * The files a benchmark reads: generated (a realistic record mix in CloudTrail's key layout, files of 100 to 5,000
 * records), or the CloudTrail log files under a directory, keyed by their path relative to it.
 */
final class Corpus {

    /** One file: its S3 key, its bytes, and its record count (-1 until counted). */
    record File(String key, byte[] bytes, int records) {
    }

    private Corpus() {
    }

    static List<File> generate(int files, long seed) {
        var random = new Random(seed);
        var logs = new CloudTrailLogs(seed);
        String[] accounts = {"111122223333", "444455556666", "777788889999"};
        List<File> out = new ArrayList<>();
        Instant t = Instant.parse("2026-03-02T00:00:00Z");
        for (int i = 0; i < files; i++) {
            String account = accounts[i % accounts.length];
            String region = CloudTrailLogs.region(i / accounts.length);
            int n = 100 + random.nextInt(4901);
            var records = logs.records(account, region, t, n);
            out.add(new File(CloudTrailLogs.key(account, region, t, String.format("bench%08d", i)),
                    CloudTrailLogs.file(records, true), n));
            t = t.plusSeconds(300);
        }
        return out;
    }

    static List<File> read(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            List<File> out = new ArrayList<>();
            for (Path p : paths.filter(Files::isRegularFile)
                    .filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".json.gz")).sorted().toList()) {
                out.add(new File(dir.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p), -1));
            }
            if (out.isEmpty()) {
                throw new IOException("no .json or .json.gz files under " + dir);
            }
            return out;
        }
    }
}

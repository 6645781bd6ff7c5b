package io.trailwatch.devkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Directories that a run, a benchmark or a test makes for itself: deleted with everything in them when it is done, so
 * that runs do not pile up gigabytes of topics and databases in the temporary directory.
 */
public final class Scratch {

    private Scratch() {
    }

    /** Deletes {@code dir} and everything under it; nothing when it is not there. */
    public static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(p);
                } catch (NoSuchFileException gone) {
                    // removed meanwhile (a process that wrote it ended just now)
                }
            }
        }
    }

    /** Deletes everything in {@code dir} except the entries named {@code keep} (e.g. the logs of a run). */
    public static void deleteAllBut(Path dir, Set<String> keep) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(dir)) {
            entries = list.toList();
        }
        for (Path p : entries) {
            if (!keep.contains(p.getFileName().toString())) {
                delete(p);
            }
        }
    }
}

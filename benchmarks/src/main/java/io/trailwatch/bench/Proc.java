package io.trailwatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What Linux's /proc says about another process: its CPU time and its memory. */
final class Proc {

    private Proc() {
    }

    /** User + system CPU time of a process so far; 0 when it is gone or unknown. */
    static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
    }

    /** A memory field of /proc/PID/status in MB ({@code VmRSS:} resident now, {@code VmHWM:} its peak); -1 when unknown. */
    static long status(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            // no /proc here, or the process just ended
        }
        return -1;
    }
}

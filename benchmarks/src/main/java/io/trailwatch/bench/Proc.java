package io.trailwatch.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** What Linux's /proc says about another process: its CPU time and its memory. */
final class Proc {

    private Proc() {
    }

    /**
     * Sends a process a signal with {@code kill}: {@code STOP} freezes it where it stands, {@code CONT} lets it go on.
     *
     * @throws IllegalStateException when {@code kill} fails (the process is gone, or not the caller's)
     */
    static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + output);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted sending " + signal + " to " + pid, e);
        }
    }

    /** User + system CPU time of a process so far; 0 when it is gone or unknown. */
    static long cpuNanos(long pid) {
        return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
    }

    /**
     * CPU time (user + system) of a JVM's JIT compiler threads so far ({@code C1 CompilerThread*} and
     * {@code C2 CompilerThread*}); NaN when unknown.
     */
    static double compilerNanos(long pid) {
        return threadsNanos(pid, name -> name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre"));
    }

    /**
     * CPU time (user + system) of a JVM's garbage collector so far: its {@code VM Thread}, where the serial collector
     * works (and the VM's other operations at a safepoint, few beside it), and the threads of the parallel and G1
     * collectors ({@code GC Thread#*}, {@code G1 *}); NaN when unknown. Unlike the pause time a JVM reports, this is
     * the collector's CPU, which on busy shared cores is much less than the wall-clock time it paused the service for.
     */
    static double collectorNanos(long pid) {
        return threadsNanos(pid, name -> name.equals("VM Thread") || name.startsWith("GC Thread") || name.startsWith("G1 "));
    }

    /**
     * CPU time (user + system) of a JVM's Kafka client threads so far ({@link #kafkaClientThread}); NaN when unknown.
     */
    static double kafkaClientNanos(long pid) {
        return threadsNanos(pid, Proc::kafkaClientThread);
    }

    /**
     * Whether a thread (by its name as /proc gives it, cut to 15 characters) is a Kafka client's own: a producer's
     * network thread ({@code kafka-producer-network-thread}), a consumer's heartbeat or background thread, an admin
     * client's, or SmallRye Reactive Messaging's polling thread ({@code smallrye-kafka-consumer-thread-N}), which
     * fetches records and runs the channel's value deserializer on them (for notify-service and remediate-service,
     * each finding's JSON). A Kafka Streams thread is not: it processes the records it fetches, so it is the service's
     * own work.
     */
    static boolean kafkaClientThread(String name) {
        return name.startsWith("kafka-") || name.startsWith("smallrye-kafka");
    }

    /**
     * CPU time (user + system) so far of a process's threads whose names (as /proc/PID/task/TID/comm gives them, cut to
     * 15 characters) pass {@code named}; NaN when unknown. A thread that has ended is counted in no thread. Clock ticks
     * are taken as Linux's USER_HZ, 100 a second.
     */
    static double threadsNanos(long pid, java.util.function.Predicate<String> named) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        long ticks = 0;
        try (var threads = Files.list(tasks)) {
            for (Path t : (Iterable<Path>) threads::iterator) {
                try {
                    if (named.test(Files.readString(t.resolve("comm")).strip())) {
                        ticks += threadTicks(Files.readString(t.resolve("stat")));
                    }
                } catch (java.io.IOException e) {
                    // the thread ended while being read
                }
            }
        } catch (Exception e) {
            return Double.NaN;
        }
        return ticks * 10_000_000.0;
    }

    /** utime + stime of a /proc/.../stat line: its 14th and 15th fields, counted after the name in parentheses. */
    static long threadTicks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
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

package io.trailwatch.bench;

import io.trailwatch.local.LocalPlatform;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Latency to Slack at a steady rate: item {@code i} is sent at {@code i / rate} seconds, and its finding is told apart
 * by the account it is in (each item has an account of its own and a high finding, so that each is a Slack message of
 * its own: notify-service holds a rule's medium findings beyond its tenth account in a window into one digest); from
 * the send to the Slack webhook's receipt.
 *
 * @param millis      the latencies of the items that reached Slack, sorted
 * @param sent        how many timed items were sent
 * @param sendSeconds how long sending took
 * @param stages      with {@link Stages}: for the items seen at every stage, the milliseconds of each stage (send to
 *                    the events topic, to the finding committed on the findings topic, to Slack), each sorted; else
 *                    empty
 */
record SlackLatency(long[] millis, int sent, double sendSeconds, long[][] stages) {

    /**
     * When an item (by its account) reached the events topic and its finding the findings topic, in
     * {@link System#nanoTime()}; null where it has not.
     */
    interface Stages {
        Long onEvents(String account);

        Long onFindings(String account);
    }

    /** The stages' names, in the order of {@link #stages}. */
    static final List<String> STAGE_NAMES = List.of("to the events topic", "to the finding (committed)", "to Slack");

    private static final Pattern ACCOUNT = Pattern.compile("\\(account (\\d{12})\\)");

    /**
     * Sends {@code accounts.size()} items at {@code rate} a second ({@code send} gets the item's index), then waits up to
     * {@code wait} for the findings of those with an account (null: an item whose finding, if any, is not timed).
     */
    static SlackLatency measure(LocalPlatform platform, List<String> accounts, int rate, IntConsumer send, Duration wait)
            throws InterruptedException {
        return measure(platform, accounts, rate, send, wait, null);
    }

    /** As {@link #measure(LocalPlatform, List, int, IntConsumer, Duration)}, with each item's stages when not null. */
    static SlackLatency measure(LocalPlatform platform, List<String> accounts, int rate, IntConsumer send, Duration wait,
                                Stages stages) throws InterruptedException {
        int n = accounts.size();
        List<String> timed = accounts.stream().filter(java.util.Objects::nonNull).toList();
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Map<String, Long> received = new ConcurrentHashMap<>();
        platform.sinks().onSlack(line -> {
            Matcher m = ACCOUNT.matcher(line.path("message").path("text").asText());
            if (m.find()) {
                received.putIfAbsent(m.group(1), System.nanoTime());
            }
        });
        ScheduledExecutorService senders = Executors.newScheduledThreadPool(4);
        long t0 = System.nanoTime() + 200_000_000L;
        for (int i = 0; i < n; i++) {
            int item = i;
            long due = t0 + (long) (i * 1e9 / rate);
            senders.schedule(() -> {
                if (accounts.get(item) != null) {
                    sent.put(accounts.get(item), System.nanoTime());
                }
                send.accept(item);
            }, due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }
        senders.shutdown();
        senders.awaitTermination(n / rate + 60L, TimeUnit.SECONDS);
        double sendSeconds = (System.nanoTime() - t0) / 1e9;
        long deadline = System.nanoTime() + wait.toNanos();
        while (System.nanoTime() < deadline && !received.keySet().containsAll(timed)) {
            Thread.sleep(50);
        }
        long[] ms = timed.stream().filter(received::containsKey).mapToLong(a -> (received.get(a) - sent.get(a)) / 1_000_000)
                .sorted().toArray();
        List<long[]> times = new java.util.ArrayList<>();
        if (stages != null) {
            for (String a : timed) {
                Long events = stages.onEvents(a);
                Long findings = stages.onFindings(a);
                if (received.containsKey(a) && events != null && findings != null) {
                    times.add(new long[]{sent.get(a), events, findings, received.get(a)});
                }
            }
        }
        return new SlackLatency(ms, timed.size(), sendSeconds, stages == null ? new long[0][] : split(times));
    }

    /**
     * Each stage's milliseconds, sorted, from each item's nanosecond times at its send, on the events topic, on the
     * findings topic and at Slack.
     */
    static long[][] split(List<long[]> times) {
        long[][] split = new long[STAGE_NAMES.size()][];
        for (int s = 0; s < split.length; s++) {
            int stage = s;
            split[s] = times.stream().mapToLong(t -> (t[stage + 1] - t[stage]) / 1_000_000).sorted().toArray();
        }
        return split;
    }

    /** The p-th percentile of a sorted array; -1 when it is empty. */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    /** The p-th percentile in milliseconds; -1 when nothing arrived. */
    long percentile(int p) {
        return percentile(millis, p);
    }

    long max() {
        return millis.length == 0 ? -1 : millis[millis.length - 1];
    }

    int received() {
        return millis.length;
    }
}

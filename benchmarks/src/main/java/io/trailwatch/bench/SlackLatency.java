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
 */
record SlackLatency(long[] millis, int sent, double sendSeconds) {

    private static final Pattern ACCOUNT = Pattern.compile("\\(account (\\d{12})\\)");

    /**
     * Sends {@code accounts.size()} items at {@code rate} a second ({@code send} gets the item's index), then waits up to
     * {@code wait} for the findings of those with an account (null: an item whose finding, if any, is not timed).
     */
    static SlackLatency measure(LocalPlatform platform, List<String> accounts, int rate, IntConsumer send, Duration wait)
            throws InterruptedException {
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
        return new SlackLatency(ms, timed.size(), sendSeconds);
    }

    /** The p-th percentile in milliseconds; -1 when nothing arrived. */
    long percentile(int p) {
        if (millis.length == 0) {
            return -1;
        }
        return millis[Math.min(millis.length - 1, (int) Math.ceil(p / 100.0 * millis.length) - 1)];
    }

    long max() {
        return millis.length == 0 ? -1 : millis[millis.length - 1];
    }

    int received() {
        return millis.length;
    }
}

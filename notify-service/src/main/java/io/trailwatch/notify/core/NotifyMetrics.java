package io.trailwatch.notify.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/** notify-service's metrics (docs/metrics.md). Tags: destination type and outcome, both bounded; never names or URLs. */
public final class NotifyMetrics {

    private final MeterRegistry registry;

    public NotifyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A delivery's outcome: delivered, grouped, digest, dead-lettered, duplicate. */
    public void delivery(String type, String outcome, int attempts) {
        Counter.builder("trailwatch.notify.deliveries").description("Findings per destination type by outcome")
                .tag("type", type).tag("outcome", outcome).register(registry).increment();
        if (attempts > 1) {
            Counter.builder("trailwatch.notify.retries").description("Attempts beyond the first").tag("type", type)
                    .register(registry).increment(attempts - 1);
        }
    }

    /** From the finding's publication on Kafka to its delivery. */
    public void latency(String type, Duration d) {
        Timer.builder("trailwatch.notify.finding_to_delivery").description("From a finding's publication to its delivery")
                .tag("type", type).publishPercentiles(0.5, 0.99).register(registry).record(d);
    }

    /** A delivery put off because its destination is down (counted once per delivery, not per recheck). */
    public void deferral(String type) {
        Counter.builder("trailwatch.notify.deferrals").description("Deliveries put off while their destination was down")
                .tag("type", type).register(registry).increment();
    }

    /** A dead letter written: channel {@code deliveries} (refused, retries-exhausted) or {@code findings}. */
    public void deadLetter(String channel, String reason) {
        Counter.builder("trailwatch.notify.dead_letters").description("Records dead-lettered")
                .tag("channel", channel).tag("reason", reason).register(registry).increment();
    }
}

package io.trailwatch.notify.inbound;

import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.notify.core.Courier;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import java.time.Duration;
import java.util.Map;

/**
 * Alive while every long-lived loop is: each destination's courier (its thread alive, taking or delivering jobs),
 * the digest ticker, and the ledger follower. A loop that died or stopped turning fails liveness, so Kubernetes
 * restarts the pod instead of leaving a zombie that takes findings and sends nothing.
 */
@Liveness
@ApplicationScoped
public class NotifyLiveness implements HealthCheck {

    private static final Duration QUIET = Duration.ofMinutes(2);

    private final Map<String, Courier> couriers;
    private final Notifier notifier;
    private final LedgerFollower ledgerFollower;

    NotifyLiveness(Map<String, Courier> couriers, Notifier notifier, LedgerFollower ledgerFollower) {
        this.couriers = couriers;
        this.notifier = notifier;
        this.ledgerFollower = ledgerFollower;
    }

    @Override
    public HealthCheckResponse call() {
        long stopped = couriers.values().stream().filter(c -> !c.alive(QUIET)).count();
        boolean ticking = notifier.sinceLastTick().compareTo(QUIET) < 0;
        boolean following = ledgerFollower.isFollowing(QUIET);
        return HealthCheckResponse.named("notify-loops")
                .status(stopped == 0 && ticking && following)
                .withData("couriersStopped", stopped)
                .withData("digestTicker", ticking ? "ticking" : "stopped")
                .withData("ledgerFollower", following ? "following" : "stopped")
                .build();
    }
}

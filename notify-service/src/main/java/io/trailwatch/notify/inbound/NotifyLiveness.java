package io.trailwatch.notify.inbound;

import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.notify.config.NotifyWiring;
import io.trailwatch.notify.core.Courier;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import java.time.Duration;
import java.util.Map;

/**
 * Alive while every long-lived loop is: each destination's courier (its thread alive, taking or delivering jobs),
 * the digest assembler, and the followers of the ledger and of the grouped topic. A loop that died or stopped turning fails liveness, so Kubernetes
 * restarts the pod instead of leaving a zombie that takes findings and sends nothing.
 */
@Liveness
@ApplicationScoped
public class NotifyLiveness implements HealthCheck {

    private static final Duration QUIET = Duration.ofMinutes(2);

    private final Map<String, Courier> couriers;
    private final Notifier notifier;
    private final LedgerFollower ledgerFollower;
    private final NotifyWiring.Restored grouped;

    NotifyLiveness(Map<String, Courier> couriers, Notifier notifier, LedgerFollower ledgerFollower, NotifyWiring.Restored grouped) {
        this.couriers = couriers;
        this.notifier = notifier;
        this.ledgerFollower = ledgerFollower;
        this.grouped = grouped;
    }

    @Override
    public HealthCheckResponse call() {
        long stopped = couriers.values().stream().filter(c -> !c.alive(QUIET)).count();
        boolean assembling = notifier.assembler() != null && notifier.assembler().sinceLastPoll().compareTo(QUIET) < 0;
        boolean following = ledgerFollower.isFollowing(QUIET);
        boolean restoring = grouped.follower().isAlive() && grouped.follower().sinceLastPoll().compareTo(QUIET) < 0;
        return HealthCheckResponse.named("notify-loops")
                .status(stopped == 0 && assembling && following && restoring)
                .withData("couriersStopped", stopped)
                .withData("digestAssembler", assembling ? "polling" : "stopped")
                .withData("ledgerFollower", following ? "following" : "stopped")
                .withData("groupedFollower", restoring ? "following" : "stopped")
                .build();
    }
}

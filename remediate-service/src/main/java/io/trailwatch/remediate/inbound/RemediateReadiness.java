package io.trailwatch.remediate.inbound;

import io.trailwatch.messaging.ledger.Ledger;
import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.remediate.core.LogFileVerdicts;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.time.Duration;

/**
 * Ready when the ledger, the kill switch's control topic and (when a remediation waits for digests) the integrity
 * topic were read, and the ledger and kill-switch followers still follow: a replica whose kill switch may be stale
 * takes no findings. The kill switch's state is in the data. Kafka's reachability is reported by the messaging
 * channels' own checks next to this one.
 */
@Readiness
@ApplicationScoped
public class RemediateReadiness implements HealthCheck {

    private static final Duration QUIET = Duration.ofMinutes(2);

    private final Ledger ledger;
    private final LedgerFollower ledgerFollower;
    private final KillSwitch killSwitch;
    private final LogFileVerdicts digests;

    RemediateReadiness(Ledger ledger, LedgerFollower ledgerFollower, KillSwitch killSwitch, LogFileVerdicts digests) {
        this.ledger = ledger;
        this.ledgerFollower = ledgerFollower;
        this.killSwitch = killSwitch;
        this.digests = digests;
    }

    @Override
    public HealthCheckResponse call() {
        boolean ledgerOk = ledger.isReady() && ledgerFollower.isFollowing(QUIET);
        boolean switchOk = killSwitch.ready().isDone() && killSwitch.following();
        boolean digestsOk = digests.ready().isDone();
        return HealthCheckResponse.named("remediate")
                .status(ledgerOk && switchOk && digestsOk)
                .withData("ledger", ledgerOk ? "following" : ledger.isReady() ? "stopped following" : "loading")
                .withData("killSwitch", !switchOk ? "not following" : killSwitch.on() ? "on" : "off")
                .withData("digestsLoaded", digestsOk)
                .withData("logFileVerdicts", digests.size())
                .build();
    }
}

package io.trailwatch.remediate.inbound;

import io.smallrye.common.annotation.Identifier;
import io.trailwatch.messaging.ledger.LedgerFollower;
import io.trailwatch.messaging.ledger.TopicFollower;
import io.trailwatch.remediate.config.RemediateConfig;
import io.trailwatch.remediate.outbound.Invoker;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Alive while every long-lived loop is: the followers of the ledger, of the kill switch's control topic and (when a
 * remediation waits for digests) of the integrity topic still poll, and no function's invoker is stuck in one
 * invocation. A loop that died or hangs fails liveness, so Kubernetes restarts the pod instead of leaving a zombie
 * (a stale kill switch above all).
 */
@Liveness
@ApplicationScoped
public class RemediateLiveness implements HealthCheck {

    private static final Duration QUIET = Duration.ofMinutes(2);

    private final LedgerFollower ledgerFollower;
    private final KillSwitch killSwitch;
    private final Optional<TopicFollower> integrity;
    private final Map<String, Invoker> invokers;
    private final Duration stuck;

    RemediateLiveness(LedgerFollower ledgerFollower, KillSwitch killSwitch, @Identifier("integrity") Optional<TopicFollower> integrity,
                      Map<String, Invoker> invokers, RemediateConfig config) {
        this.ledgerFollower = ledgerFollower;
        this.killSwitch = killSwitch;
        this.integrity = integrity;
        this.invokers = invokers;
        // an invocation lasts at most its timeout; the pacing before it, at most a few seconds more
        this.stuck = QUIET.plus(config.remediations().values().stream().map(RemediateConfig.Remediation::timeout)
                .max(Duration::compareTo).orElse(Duration.ZERO));
    }

    @Override
    public HealthCheckResponse call() {
        boolean ledger = ledgerFollower.isFollowing(QUIET);
        boolean control = killSwitch.following();
        boolean digests = integrity.map(f -> f.isAlive() && f.sinceLastPoll().compareTo(QUIET) < 0).orElse(true);
        long stuckInvokers = invokers.values().stream().filter(i -> !i.alive(stuck)).count();
        return HealthCheckResponse.named("remediate-loops")
                .status(ledger && control && digests && stuckInvokers == 0)
                .withData("ledgerFollower", ledger ? "following" : "stopped")
                .withData("killSwitchFollower", control ? "following" : "stopped")
                .withData("integrityFollower", integrity.isEmpty() ? "not needed" : digests ? "following" : "stopped")
                .withData("invokersStuck", stuckInvokers)
                .build();
    }
}

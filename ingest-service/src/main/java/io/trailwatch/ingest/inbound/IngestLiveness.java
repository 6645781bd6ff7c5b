package io.trailwatch.ingest.inbound;

import io.trailwatch.messaging.ledger.LedgerFollower;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

import java.time.Duration;

/**
 * Alive while every long-lived loop is: the SQS poll loop, the visibility extender, and the ledger follower. One that
 * died or stopped turning fails liveness, so Kubernetes restarts the pod instead of leaving a zombie that is ready and
 * ingests nothing.
 */
@Liveness
@ApplicationScoped
public class IngestLiveness implements HealthCheck {

    private static final Duration QUIET = Duration.ofMinutes(2);

    private final SqsPoller poller;
    private final LedgerFollower ledgerFollower;

    IngestLiveness(SqsPoller poller, LedgerFollower ledgerFollower) {
        this.poller = poller;
        this.ledgerFollower = ledgerFollower;
    }

    @Override
    public HealthCheckResponse call() {
        String loops = poller.loopProblem();
        boolean following = ledgerFollower.isFollowing(QUIET);
        return HealthCheckResponse.named("ingest-loops")
                .status(loops == null && following)
                .withData("sqs", loops == null ? "turning" : loops)
                .withData("ledgerFollower", following ? "following" : "stopped")
                .build();
    }
}

package io.trailwatch.ingest.inbound;

import io.trailwatch.messaging.ledger.Ledger;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the ledger was read to its end and the last SQS call succeeded. Kafka's reachability is reported by the
 * messaging channels' own readiness checks next to this one.
 */
@Readiness
@ApplicationScoped
public class IngestReadiness implements HealthCheck {

    private final Ledger ledger;
    private final SqsPoller poller;

    IngestReadiness(Ledger ledger, SqsPoller poller) {
        this.ledger = ledger;
        this.poller = poller;
    }

    @Override
    public HealthCheckResponse call() {
        String sqsProblem = poller.sqsProblem();
        return HealthCheckResponse.named("ingest")
                .status(ledger.isReady() && sqsProblem == null)
                .withData("ledgerLoaded", ledger.isReady())
                .withData("ledgerObjects", ledger.size())
                .withData("sqs", sqsProblem == null ? "ok" : sqsProblem)
                .withData("messagesInFlight", poller.messagesInFlight())
                .build();
    }
}

package io.trailwatch.console.web;

import io.trailwatch.console.inbound.TopicsToStore;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready while the topics are read into the store and the store takes the writes. */
@Readiness
@ApplicationScoped
public class ConsoleReadiness implements HealthCheck {

    private final TopicsToStore reader;

    ConsoleReadiness(TopicsToStore reader) {
        this.reader = reader;
    }

    @Override
    public HealthCheckResponse call() {
        boolean healthy = reader.healthy();
        return HealthCheckResponse.named("console").status(healthy)
                .withData("reading", healthy ? "following the topics" : "stopped, or the store refuses writes")
                .build();
    }
}

package io.trailwatch.ingest.inbound;

import io.micrometer.core.instrument.MeterRegistry;
import io.trailwatch.messaging.security.RefusalEvents;
import jakarta.inject.Singleton;

/** Refused management API calls, logged and counted (trailwatch_management_refusals_total). */
@Singleton
public class ManagementRefusals extends RefusalEvents {

    ManagementRefusals(MeterRegistry registry) {
        super(registry, "ingest");
    }
}

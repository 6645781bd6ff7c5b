package io.trailwatch.console.web;

import io.micrometer.core.instrument.MeterRegistry;
import io.trailwatch.messaging.security.RefusalEvents;
import jakarta.inject.Singleton;

/** Refused console requests, logged and counted (trailwatch_management_refusals_total{service="console"}). */
@Singleton
public class ConsoleRefusals extends RefusalEvents {

    ConsoleRefusals(MeterRegistry registry) {
        super(registry, "console");
    }
}

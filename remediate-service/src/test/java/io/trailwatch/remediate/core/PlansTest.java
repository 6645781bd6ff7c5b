package io.trailwatch.remediate.core;

import io.trailwatch.model.EventOrigin;
import io.trailwatch.model.Finding;
import io.trailwatch.model.ModelJson;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Safe by default: what runs, what is a dry run, what is skipped; targets from the event. */
class PlansTest {

    private static final Plans.Remediation ON = new Plans.Remediation("restart", Set.of("cloudtrail-stop-logging"), Set.of(),
            Set.of(), Set.of(), "fn", "RequestResponse", true);
    private static final Plans.Remediation OFF = new Plans.Remediation("other", Set.of(), Set.of("cloudtrail-tampering"),
            Set.of(), Set.of("us-west-2"), "fn2", "Event", false);

    @Test
    void theDecisions() throws Exception {
        Finding f = stopLogging();
        var enabled = new Plans(List.of(ON, OFF), true, Set.of("111122223333"));

        assertThat(enabled.plan(f, false)).singleElement().satisfies(p -> assertThat(p.action()).isEqualTo(Plans.Action.INVOKE));
        assertThat(enabled.plan(f, true)).singleElement().satisfies(p -> assertThat(p.reason()).isEqualTo("kill switch on"));
        assertThat(new Plans(List.of(ON), false, Set.of("111122223333")).plan(f, false)).singleElement()
                .satisfies(p -> assertThat(p.action()).isEqualTo(Plans.Action.DRY_RUN));
        assertThat(new Plans(List.of(ON), true, Set.of()).plan(f, false)).singleElement()
                .satisfies(p -> assertThat(p.reason()).isEqualTo("account 111122223333 not allowlisted"));
        assertThatThrownBy(() -> new Plans.Remediation("x", Set.of(), Set.of(), Set.of(), Set.of(), "fn", "Async", true))
                .hasMessageContaining("invocation-type is RequestResponse or Event");
    }

    @Test
    void onlyFindingsWhoseEventsProvenanceWasVerified_areActedOn() throws Exception {
        var plans = new Plans(List.of(ON), true, Set.of("111122223333"));
        Finding verified = stopLogging();
        Finding noOrigin = with(verified, null, verified.accountId());
        Finding unverifiable = with(verified, new EventOrigin("trail", "exports/trail.json", EventOrigin.UNVERIFIABLE), verified.accountId());
        Finding otherAccount = with(verified, verified.evidence().origin(), "444455556666");

        assertThat(plans.plan(verified, false)).singleElement().satisfies(p -> assertThat(p.action()).isEqualTo(Plans.Action.INVOKE));
        assertThat(plans.plan(noOrigin, false)).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(Plans.Action.SKIP);
            assertThat(p.reason()).startsWith("provenance unknown");
        });
        assertThat(plans.plan(unverifiable, false)).singleElement().satisfies(p -> assertThat(p.reason()).startsWith("provenance unverified"));
        assertThat(new Plans(List.of(ON), true, Set.of("111122223333", "444455556666")).plan(otherAccount, false)).singleElement()
                .satisfies(p -> assertThat(p.reason()).startsWith("provenance mismatch"));
    }

    private static Finding with(Finding f, EventOrigin origin, String account) {
        var e = f.evidence();
        return new Finding(f.findingId(), f.ruleId(), f.title(), f.description(), f.severity(), f.category(), f.mitre(), account,
                f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(), f.eventTime(), f.eventIds(), f.count(),
                f.windowStart(), f.windowEnd(), e.withOrigin(origin), f.runbook(), f.references());
    }

    @Test
    void targets_takeIdentifiersFromTheRequest() throws Exception {
        assertThat(Targets.of(stopLogging())).containsOnlyKeys("trailName");
    }

    private static Finding stopLogging() throws Exception {
        try (InputStream in = PlansTest.class.getClassLoader().getResourceAsStream("golden/trailwatch.findings.v1/v1/stop-logging.json")) {
            Finding f = ModelJson.newMapper().readValue(in, Finding.class);
            // as detect-service makes it from an event ingest-service read from a log file in CloudTrail's layout
            return with(f, new EventOrigin("trail", "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/03/02/f.json.gz",
                    EventOrigin.VERIFIED), f.accountId());
        }
    }
}

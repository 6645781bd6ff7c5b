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
    void aDeniedAttempt_isNeverRemediated_evenWithEverythingEnabled() throws Exception {
        Finding f = stopLogging();
        Finding denied = new Finding(f.findingId(), f.ruleId(), "Attempt denied: " + f.title(), f.description(), "medium",
                f.category(), f.mitre(), f.accountId(), f.region(), f.principal(), f.sourceIp(), f.eventSource(), f.eventName(),
                f.eventTime(), f.eventIds(), f.count(), f.windowStart(), f.windowEnd(), f.evidence(), f.runbook(), f.references(),
                Finding.DENIED);

        assertThat(new Plans(List.of(ON), true, Set.of("111122223333")).plan(denied, false)).singleElement().satisfies(p -> {
            assertThat(p.action()).isEqualTo(Plans.Action.SKIP);
            assertThat(p.reason()).isEqualTo("the call was denied: nothing to undo");
        });
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

    @Test
    void aRemediationThatRequiresADigest_isHeldUntilOneValidatesItsLogFile_andSkippedWhenOneFoundItChanged() throws Exception {
        var proven = new Plans.Remediation("proven", Set.of("cloudtrail-stop-logging"), Set.of(), Set.of(), Set.of(), "fn",
                "RequestResponse", true, true);
        var plans = new Plans(List.of(proven, ON), true, Set.of("111122223333"));
        Finding f = stopLogging();
        String file = "s3://trail/" + f.evidence().origin().key();
        var digests = new LogFileVerdicts(java.time.Duration.ofHours(3), java.time.Clock.systemUTC());

        assertThat(plans.plan(f, false, digests)).extracting(Plans.Plan::action)
                .as("the remediation that does not wait runs at once").containsExactly(Plans.Action.HOLD, Plans.Action.INVOKE);
        assertThat(plans.plan(f, false, digests).get(0).reason()).isEqualTo("awaiting a CloudTrail digest that validates " + file);
        assertThat(plans.plan(f, true, digests)).extracting(Plans.Plan::action).as("the kill switch comes first")
                .containsOnly(Plans.Action.SKIP);

        digests.add(integrity(List.of(file), List.of()));
        assertThat(plans.plan(f, false, digests).get(0).action()).isEqualTo(Plans.Action.INVOKE);

        var changed = new LogFileVerdicts(java.time.Duration.ofHours(3), java.time.Clock.systemUTC());
        changed.add(integrity(List.of(), List.of(new io.trailwatch.model.IntegrityRecord.Problem("log-file-modified", "trail",
                f.evidence().origin().key(), "the log file's SHA-256 is not the one the digest gives", "aa", "bb"))));
        changed.add(integrity(List.of(file), List.of())); // a later digest vouching for it does not undo that
        assertThat(plans.plan(f, false, changed).get(0)).satisfies(p -> {
            assertThat(p.action()).isEqualTo(Plans.Action.SKIP);
            assertThat(p.reason()).startsWith("log file failed digest validation: log-file-modified");
        });
    }

    @Test
    void aFindingFromAnEventBridgeCopy_isActedOnAtOnce_butNeverByARemediationThatRequiresADigest() throws Exception {
        var proven = new Plans.Remediation("proven", Set.of("cloudtrail-stop-logging"), Set.of(), Set.of(), Set.of(), "fn",
                "RequestResponse", true, true);
        var plans = new Plans(List.of(proven, ON), true, Set.of("111122223333"));
        Finding f = stopLogging();
        Finding bridged = with(f, EventOrigin.eventBridge("5c2a9e7d-0000-4000-8000-00000000eb01", EventOrigin.VERIFIED), f.accountId());
        var digests = new LogFileVerdicts(java.time.Duration.ofHours(3), java.time.Clock.systemUTC());

        var planned = plans.plan(bridged, false, digests);

        assertThat(planned).extracting(Plans.Plan::action).containsExactly(Plans.Action.SKIP, Plans.Action.INVOKE);
        assertThat(planned.get(0).reason()).contains("came through EventBridge", "5c2a9e7d-0000-4000-8000-00000000eb01",
                "requires a validated digest");
    }

    @Test
    void aFindingWhoseLogFileIsKnownOnlyByItsId_isNeverActedOnByARemediationThatRequiresADigest() throws Exception {
        var proven = new Plans.Remediation("proven", Set.of("cloudtrail-stop-logging"), Set.of(), Set.of(), Set.of(), "fn",
                "RequestResponse", true, true);
        var plans = new Plans(List.of(proven, ON), true, Set.of("111122223333"));
        Finding f = stopLogging();
        // detect-service started after the record that named the file's bucket and key (docs/topics.md, "Which log file")
        Finding unnamed = with(f, EventOrigin.logFile(null, null, EventOrigin.VERIFIED, "q0FDbGhT3sJ7mUu4"), f.accountId());
        var digests = new LogFileVerdicts(java.time.Duration.ofHours(3), java.time.Clock.systemUTC());
        digests.add(integrity(List.of("s3://null/null"), List.of()));

        var planned = plans.plan(unnamed, false, digests);

        assertThat(planned).extracting(Plans.Plan::action).containsExactly(Plans.Action.SKIP, Plans.Action.INVOKE);
        assertThat(planned.get(0).reason()).contains("known only by its id q0FDbGhT3sJ7mUu4", "requires a validated digest");
    }

    @Test
    void verdicts_areForgottenOnceOlderThanTheirWindow() {
        var clock = new io.trailwatch.testsupport.ManualClock(java.time.Instant.ofEpochMilli(1_000_000));
        var digests = new LogFileVerdicts(java.time.Duration.ofHours(3), clock);
        digests.add(integrity(List.of("s3://trail/a.json.gz"), List.of()));
        clock.advance(java.time.Duration.ofHours(2));
        digests.add(integrity(List.of("s3://trail/b.json.gz"), List.of()));
        clock.advance(java.time.Duration.ofHours(2));

        assertThat(digests.expire()).isEqualTo(1);
        assertThat(digests.of("s3://trail/a.json.gz")).isEmpty();
        assertThat(digests.of("s3://trail/b.json.gz")).hasValueSatisfying(v -> assertThat(v.valid()).isTrue());
    }

    private static io.trailwatch.model.IntegrityRecord integrity(List<String> verified, List<io.trailwatch.model.IntegrityRecord.Problem> problems) {
        return new io.trailwatch.model.IntegrityRecord("trail", "AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/03/02/d.json.gz",
                "111122223333", "eu-west-1", "management-events", null, null, null,
                problems.isEmpty() ? "valid" : "invalid", false, false, null, verified.size() + problems.size(), verified.size(),
                problems, null, verified.isEmpty() ? null : verified, java.time.Instant.now());
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

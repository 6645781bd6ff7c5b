package io.trailwatch.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trailwatch.cloudtrail.Normalizer;
import io.trailwatch.detect.engine.Detector;
import io.trailwatch.detect.engine.Engine;
import io.trailwatch.detect.engine.Rule;
import io.trailwatch.detect.engine.RulePack;
import io.trailwatch.devkit.OrdinaryTraffic;
import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Severity means something: on ordinary traffic (no attack, about 3.5% of calls denied, workloads that lack a
 * permission and keep trying), the pack makes at most 50 medium-or-higher findings per million events. The same
 * measure as {@code ./trailwatch bench noise}, on a smaller corpus of the same density.
 */
class OrdinaryTrafficTest {

    @Test
    void ordinaryTraffic_makesAtMostFiftyMediumOrHigherFindingsPerMillionEvents() throws Exception {
        int events = 200_000;
        var detector = new Detector(new Engine(RulePack.builtIn(), Rule.Exceptions.NONE));
        Map<String, Finding> findings = new LinkedHashMap<>();
        int denied = 0;
        for (ObjectNode record : new OrdinaryTraffic(11, events, 10, Duration.ofMinutes(288))) {
            denied += record.has("errorCode") ? 1 : 0;
            detector.process(Normalizer.normalize(record, null)).forEach(f -> findings.put(f.findingId(), f));
        }
        detector.flush().forEach(f -> findings.put(f.findingId(), f));

        assertThat(denied).as("denied calls, of %d", events).isBetween(events * 25 / 1000, events * 45 / 1000);
        assertThat(findings.values()).as("it is ordinary: the low findings of changes and denials are there")
                .anyMatch(f -> f.ruleId().equals("unauthorized-api-call"));
        var serious = findings.values().stream().filter(f -> Set.of("medium", "high", "critical").contains(f.severity()))
                .map(f -> f.severity() + " " + f.ruleId()).toList();
        assertThat(serious.size() * 1_000_000L / events).as("medium-or-higher findings per million: %s", serious).isLessThanOrEqualTo(50);
    }
}

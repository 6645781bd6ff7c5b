package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Thresholds on event time, per group key, and dedup windows. */
class DetectorTest {

    private static final String BURST = Events.rule("burst", "{field: errorCode, equals: AccessDenied}")
            .replace("tests:", "threshold: {count: 3, window: 10m, groupBy: [sourceIPAddress]}\ntests:");
    private static final String DEDUP = Events.rule("dedup", "{field: eventName, equals: StopLogging}")
            .replace("tests:", "dedup: {key: [recipientAccountId], period: 1h}\ntests:");

    @Test
    void threshold_firesOnTheCountWithinTheWindow_perGroup_andGrowsWhileTheBurstLasts() throws Exception {
        var detector = detector(BURST);

        assertThat(feed(detector, denied("a1", "198.51.100.1", "10:00:00"), denied("a2", "198.51.100.1", "10:02:00"),
                denied("b1", "203.0.113.9", "10:03:00"))).isEmpty();
        List<Finding> third = feed(detector, denied("a3", "198.51.100.1", "10:04:00"));
        List<Finding> fourth = feed(detector, denied("a4", "198.51.100.1", "10:06:00"));

        assertThat(third).singleElement().satisfies(f -> {
            assertThat(f.count()).isEqualTo(3);
            assertThat(f.eventIds()).containsExactly("a1", "a2", "a3");
            assertThat(f.windowStart()).isEqualTo(Instant.parse("2026-03-02T10:00:00Z"));
            assertThat(f.windowEnd()).isEqualTo(Instant.parse("2026-03-02T10:10:00Z"));
            assertThat(f.sourceIp()).isEqualTo("198.51.100.1");
        });
        assertThat(fourth).singleElement().satisfies(f -> {
            assertThat(f.findingId()).isEqualTo(third.get(0).findingId());
            assertThat(f.count()).isEqualTo(4);
        });
    }

    @Test
    void threshold_matchesSpreadWiderThanTheWindow_doNotCount() throws Exception {
        var detector = detector(BURST);

        assertThat(feed(detector, denied("a1", "198.51.100.1", "10:00:00"), denied("a2", "198.51.100.1", "10:09:00"),
                denied("a3", "198.51.100.1", "10:19:30"), denied("a4", "198.51.100.1", "10:30:00"))).isEmpty();
        assertThat(feed(detector, denied("a5", "198.51.100.1", "10:31:00"), denied("a6", "198.51.100.1", "10:32:00")))
                .singleElement().satisfies(f -> assertThat(f.eventIds()).containsExactly("a4", "a5", "a6"));
    }

    @Test
    void replayingTheSameEvents_givesTheSameFindingIds() throws Exception {
        List<CloudTrailEvent> events = List.of(denied("a1", "198.51.100.1", "10:00:00"), denied("a2", "198.51.100.1", "10:01:00"),
                denied("a3", "198.51.100.1", "10:02:00"));

        String first = feed(detector(BURST), events.toArray(CloudTrailEvent[]::new)).get(0).findingId();
        String again = feed(detector(BURST), events.toArray(CloudTrailEvent[]::new)).get(0).findingId();

        assertThat(again).isEqualTo(first);
    }

    @Test
    void dedup_groupsMatchesOfOnePeriod_underOneId() throws Exception {
        var detector = detector(DEDUP);

        List<Finding> a = feed(detector, stop("s1", "10:05:00"));
        List<Finding> b = feed(detector, stop("s2", "10:55:00"));
        List<Finding> c = feed(detector, stop("s3", "11:05:00"));

        assertThat(b.get(0).findingId()).isEqualTo(a.get(0).findingId());
        assertThat(b.get(0).count()).isEqualTo(2);
        assertThat(c.get(0).findingId()).isNotEqualTo(a.get(0).findingId());
        assertThat(c.get(0).count()).isEqualTo(1);
    }

    private static Detector detector(String rule) throws RuleParseException {
        String id = rule.lines().findFirst().orElseThrow().substring(4);
        return new Detector(new Engine(List.of(RuleParser.parse(id + ".yaml", rule)), Rule.Exceptions.NONE));
    }

    private static List<Finding> feed(Detector d, CloudTrailEvent... events) {
        List<Finding> out = new ArrayList<>();
        for (CloudTrailEvent e : events) {
            out.addAll(d.process(e));
        }
        return out;
    }

    private static CloudTrailEvent denied(String id, String ip, String time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"2026-03-02T" + time + "Z\",\"errorCode\":\"AccessDenied\","
                + "\"sourceIPAddress\":\"" + ip + "\"}");
    }

    private static CloudTrailEvent stop(String id, String time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"2026-03-02T" + time + "Z\",\"eventName\":\"StopLogging\","
                + "\"recipientAccountId\":\"111122223333\"}");
    }
}

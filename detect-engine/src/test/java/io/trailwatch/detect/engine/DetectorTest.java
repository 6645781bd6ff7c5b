package io.trailwatch.detect.engine;

import io.trailwatch.model.CloudTrailEvent;
import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

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
    void groupedFindings_arePerAccount_soOneIpInTwoAccounts_isTwoFindingsWithTwoIds_asItIsOnTwoPartitions() throws Exception {
        var detector = detector(BURST);
        List<Finding> findings = new ArrayList<>();
        for (String account : List.of("111122223333", "444455556666")) {
            findings.addAll(feed(detector, deniedIn(account, account + "-1", "10:00:00"), deniedIn(account, account + "-2", "10:01:00")));
        }
        assertThat(findings).as("two denied calls in each account: no burst of three").isEmpty();
        findings.addAll(feed(detector, deniedIn("111122223333", "111122223333-3", "10:02:00")));
        findings.addAll(feed(detector, deniedIn("444455556666", "444455556666-3", "10:02:00")));

        assertThat(findings).extracting(Finding::accountId, Finding::count)
                .containsExactly(tuple("111122223333", 3), tuple("444455556666", 3));
        assertThat(findings.get(0).findingId()).isNotEqualTo(findings.get(1).findingId());

        var dedup = detector(DEDUP.replace("key: [recipientAccountId]", "key: [sourceIPAddress]"));
        List<Finding> stops = feed(dedup, Events.event("{\"eventID\":\"s1\",\"eventTime\":\"2026-03-02T10:00:00Z\","
                        + "\"eventName\":\"StopLogging\",\"sourceIPAddress\":\"198.51.100.1\",\"recipientAccountId\":\"111122223333\"}"),
                Events.event("{\"eventID\":\"s2\",\"eventTime\":\"2026-03-02T10:01:00Z\",\"eventName\":\"StopLogging\","
                        + "\"sourceIPAddress\":\"198.51.100.1\",\"recipientAccountId\":\"444455556666\"}"));
        assertThat(stops).extracting(Finding::accountId, Finding::count)
                .containsExactly(tuple("111122223333", 1), tuple("444455556666", 1));
        assertThat(stops.get(0).findingId()).isNotEqualTo(stops.get(1).findingId());
    }

    @Test
    void aDedupFinding_growsByEachNewEvent_namesItsFirstHundred_andARepeatOfOneOfThemChangesNothing() throws Exception {
        var detector = detector(DEDUP);
        List<Finding> published = new ArrayList<>();
        for (int i = 1; i <= 130; i++) {
            published.addAll(feed(detector, stop("s" + i, String.format("10:%02d:%02d", i / 60, i % 60))));
        }
        assertThat(published).extracting(Finding::count).as("published at 1 and at each power of two")
                .containsExactly(1, 2, 4, 8, 16, 32, 64, 128);
        Finding at128 = published.get(published.size() - 1);
        assertThat(at128.eventIds()).hasSize(Findings.MAX_EVENT_IDS).startsWith("s1", "s2", "s3").endsWith("s99", "s100");

        assertThat(feed(detector, stop("s7", "10:40:00"), stop("s100", "10:41:00"), stop("s1", "10:42:00")))
                .as("repeats of events it names").isEmpty();
        assertThat(feed(detector, stop("s131", "10:43:00"), stop("s132", "10:44:00"))).as("not a milestone").isEmpty();
        assertThat(detector.flush()).singleElement().satisfies(f -> {
            assertThat(f.findingId()).isEqualTo(at128.findingId());
            assertThat(f.count()).as("130 events, then two new ones; the repeats not counted").isEqualTo(132);
            assertThat(f.eventIds()).isEqualTo(at128.eventIds());
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

    private static final String FIRST_SERVICE = Events.rule("first-service", "{field: eventSource, exists: true}")
            .replace("tests:", "firstSeen: {key: [recipientAccountId], value: eventSource, learning: 7d}\ntests:");
    private static final String BASELINED = Events.rule("baselined", "{field: errorCode, equals: AccessDenied}")
            .replace("tests:", "threshold: {count: 10, window: 1h, groupBy: [userIdentity.arn], baseline: {history: 7d, factor: 2}}\ntests:");

    @Test
    void firstSeen_learnsSilently_thenReportsEachNewValueOnce_perKey() throws Exception {
        var detector = detector(FIRST_SERVICE);

        assertThat(feed(detector, call("1", "111122223333", "s3", "2026-03-01T00:00:00Z"),
                call("2", "111122223333", "ec2", "2026-03-07T23:00:00Z"))).isEmpty();
        List<Finding> after = feed(detector, call("3", "111122223333", "ec2", "2026-03-08T01:00:00Z"),
                call("4", "111122223333", "kms", "2026-03-08T02:00:00Z"),
                call("5", "111122223333", "kms", "2026-03-09T02:00:00Z"),
                call("6", "444455556666", "kms", "2026-03-09T03:00:00Z"));

        assertThat(after).singleElement().satisfies(f -> {
            assertThat(f.eventIds()).containsExactly("4");
            assertThat(f.eventSource()).isEqualTo("kms.amazonaws.com");
            assertThat(f.accountId()).isEqualTo("111122223333");
        });
    }

    @Test
    void firstSeenState_isForgottenWhenNotSeenForTheForgetPeriod_soItStaysBoundedByWhatIsActive() throws Exception {
        StateStore store = StateStore.inMemory();
        var detector = new Detector(engine(FIRST_SERVICE), store, Detector.REMEMBER, java.time.Duration.ofDays(30),
                java.time.Clock.systemUTC(), Detector.MAX_CLOCK_SKEW);
        feed(detector, call("1", "111122223333", "s3", "2026-03-01T00:00:00Z"), call("2", "444455556666", "s3", "2026-03-01T00:00:00Z"));
        assertThat(feed(detector, call("3", "111122223333", "kms", "2026-03-09T00:00:00Z"))).as("kms is new after learning").hasSize(1);
        feed(detector, call("4", "111122223333", "kms", "2026-04-05T00:00:00Z"));

        detector.expire(Instant.parse("2026-04-09T00:00:00Z"));
        assertThat(keys(store)).as("the account idle for 39 days is forgotten, with its learning; kms, seen 4 days ago, is kept")
                .hasSize(2).allMatch(k -> k.contains("111122223333"))
                .anyMatch(k -> k.startsWith("o|")).anyMatch(k -> k.startsWith("s|") && k.endsWith("|kms.amazonaws.com"));
        assertThat(feed(detector, call("5", "111122223333", "kms", "2026-04-09T01:00:00Z"))).as("kms is still known").isEmpty();
        assertThat(feed(detector, call("6", "111122223333", "s3", "2026-04-09T01:00:00Z"))).as("s3, forgotten, is new again")
                .singleElement().satisfies(f -> assertThat(f.eventIds()).containsExactly("6"));
        assertThat(feed(detector, call("7", "444455556666", "ec2", "2026-04-09T01:00:00Z")))
                .as("the forgotten account learns again, silently").isEmpty();
    }

    @Test
    void aValueSeenEveryDay_isNeverForgotten() throws Exception {
        StateStore store = StateStore.inMemory();
        var detector = new Detector(engine(FIRST_SERVICE), store, Detector.REMEMBER, java.time.Duration.ofDays(3),
                java.time.Clock.systemUTC(), Detector.MAX_CLOCK_SKEW);
        Instant day = Instant.parse("2026-03-01T00:00:00Z");
        for (int i = 0; i < 20; i++) {
            Instant at = day.plus(java.time.Duration.ofHours(20L * i));
            feed(detector, call("e" + i, "111122223333", "s3", at.toString()));
            detector.expire(at.plus(java.time.Duration.ofHours(2)));
        }

        assertThat(keys(store)).as("touched at least daily, so never three days stale")
                .anyMatch(k -> k.startsWith("s|") && k.endsWith("|s3.amazonaws.com"));
        assertThat(feed(detector, call("x", "111122223333", "s3", "2026-03-17T12:00:00Z"))).isEmpty();
    }

    private static final String STOP_WITH_ATTEMPTS = """
            id: stop-logging
            title: Logging stopped
            description: For tests.
            severity: high
            attempts: medium
            category: cloudtrail-tampering
            maturity: incubating
            match:
              all:
                - {field: eventName, equals: StopLogging}
                - {field: errorCode, exists: false}
            tests:
              - {name: stopped, expect: match, event: {eventID: a, eventTime: "2026-03-02T10:00:00Z", eventName: StopLogging}}
              - {name: refused, expect: attempt, event: {eventID: b, eventTime: "2026-03-02T10:00:00Z", eventName: StopLogging, errorCode: AccessDenied}}
              - {name: other, expect: no-match, event: {eventID: c, eventTime: "2026-03-02T10:00:00Z", eventName: StartLogging}}
            """;

    @Test
    void aRefusedRiskyCall_isAnAttempt_atTheLowerSeverity_groupedPerPrincipalAndHour_andSuccessStaysHigh() throws Exception {
        var detector = detector(STOP_WITH_ATTEMPTS);
        List<Finding> findings = feed(detector, denied("StopLogging", "d1", "arn:aws:iam::111122223333:user/mallory", "10:00:00", "AccessDenied"),
                denied("StopLogging", "d2", "arn:aws:iam::111122223333:user/mallory", "10:05:00", "AccessDenied"),
                denied("StopLogging", "d3", "arn:aws:iam::111122223333:user/mallory", "10:06:00", "ThrottlingException"),
                stop("ok", "10:10:00"));

        assertThat(findings).extracting(Finding::severity, Finding::outcome, Finding::count)
                .as("two refusals are one growing attempt; a throttled call is no refusal; the success is the rule's own finding")
                .containsExactly(tuple("medium", "denied", 1), tuple("medium", "denied", 2), tuple("high", null, 1));
        assertThat(findings.get(0).title()).isEqualTo("Attempt denied: Logging stopped");
        assertThat(findings.get(0).ruleId()).isEqualTo("stop-logging");
        assertThat(findings.get(0).findingId()).isNotEqualTo(findings.get(2).findingId());
    }

    private static CloudTrailEvent denied(String name, String id, String arn, String time, String errorCode) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"2026-03-02T" + time + "Z\",\"eventName\":\"" + name
                + "\",\"errorCode\":\"" + errorCode + "\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"" + arn
                + "\"},\"recipientAccountId\":\"111122223333\"}");
    }

    private static final String CHAIN = """
            id: chain
            title: A, then B, then C
            description: For tests.
            severity: high
            category: iam-change
            maturity: incubating
            sequence:
              by: [userIdentity.arn]
              window: 1h
              ordered: %s
              steps:
                - {name: a, match: {field: eventName, equals: A}}
                - {name: b, match: {field: eventName, equals: B}}
                - {name: c, match: {field: eventName, equals: C}}
            tests:
              - name: in order
                expect: match
                events:
                  - {eventID: t1, eventTime: "2026-03-02T10:00:00Z", eventName: A, userIdentity: {arn: x}}
                  - {eventID: t2, eventTime: "2026-03-02T10:01:00Z", eventName: B, userIdentity: {arn: x}}
                  - {eventID: t3, eventTime: "2026-03-02T10:02:00Z", eventName: C, userIdentity: {arn: x}}
              - name: one step only
                expect: no-match
                events:
                  - {eventID: t4, eventTime: "2026-03-02T10:00:00Z", eventName: A, userIdentity: {arn: x}}
            """;

    @Test
    void anOrderedSequence_findsTheChainOfOneKey_inOrder_withinItsWindow_once() throws Exception {
        var detector = detector(CHAIN.formatted("true"));

        assertThat(feed(detector, step("C", "c0", "alice", "09:59:00"), step("A", "a1", "alice", "10:00:00"), step("B", "b1", "bob", "10:01:00"),
                step("B", "b2", "alice", "10:02:00"))).as("C before A does not count; bob's B is bob's").isEmpty();
        List<Finding> done = feed(detector, step("B", "b2", "alice", "10:02:00"), step("C", "c1", "alice", "10:30:00"));
        assertThat(done).as("a redelivered B changes nothing; C completes the chain").singleElement().satisfies(f -> {
            assertThat(f.eventIds()).containsExactly("a1", "b2", "c1");
            assertThat(f.count()).isEqualTo(3);
            assertThat(f.windowStart()).isEqualTo(Instant.parse("2026-03-02T10:00:00Z"));
            assertThat(f.windowEnd()).isEqualTo(Instant.parse("2026-03-02T10:30:00Z"));
            assertThat(f.evidence().eventId()).isEqualTo("c1");
        });
        assertThat(feed(detector, step("C", "c2", "alice", "10:31:00"))).as("the chain starts over once found").isEmpty();
        assertThat(feed(detector, step("A", "a3", "alice", "11:00:00"), step("B", "b3", "alice", "11:10:00"),
                step("C", "c3", "alice", "12:00:01"))).as("C more than the window after A").isEmpty();
    }

    @Test
    void anUnorderedSequence_takesTheStepsInAnyOrder_withinItsWindow() throws Exception {
        var detector = detector(CHAIN.formatted("false"));

        assertThat(feed(detector, step("C", "c1", "alice", "10:00:00"), step("A", "a1", "alice", "10:10:00"), step("B", "b1", "alice", "10:20:00")))
                .singleElement().satisfies(f -> assertThat(f.eventIds()).containsExactly("a1", "b1", "c1"));
        assertThat(feed(detector, step("C", "c2", "bob", "10:00:00"), step("A", "a2", "bob", "10:10:00"), step("B", "b2", "bob", "11:05:00")))
                .as("C fell out of the window before B came").isEmpty();
    }

    @Test
    void aSequencesProgress_isKeptInTheStore_andExpiresWithItsWindow() throws Exception {
        StateStore store = StateStore.inMemory();
        Engine engine = engine(CHAIN.formatted("true"));
        feed(new Detector(engine, store, Detector.REMEMBER), step("A", "a1", "alice", "10:00:00"), step("B", "b1", "alice", "10:01:00"));

        var restarted = new Detector(engine, store, Detector.REMEMBER);
        assertThat(feed(restarted, step("C", "c1", "alice", "10:02:00"))).as("a new detector on the same store").hasSize(1);
        feed(restarted, step("A", "a2", "alice", "10:05:00"));
        restarted.expire(Instant.parse("2026-03-02T11:05:01Z"));
        assertThat(keys(store)).noneMatch(k -> k.startsWith("q|"));
    }

    private static CloudTrailEvent step(String name, String id, String who, String time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"2026-03-02T" + time + "Z\",\"eventName\":\"" + name
                + "\",\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/" + who
                + "\"},\"recipientAccountId\":\"111122223333\"}");
    }

    @Test
    void aDistinctThreshold_countsDifferentValues_soASteadyFailerOnOneActionIsNoBurst_butProbingIs() throws Exception {
        var detector = detector(Events.rule("probing", "{field: errorCode, equals: AccessDenied}")
                .replace("tests:", "threshold: {count: 3, window: 10m, groupBy: [userIdentity.arn], distinct: eventName}\ntests:"));
        List<Finding> steady = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            steady.addAll(detector.process(denied("GetObject", "s" + i, "arn:aws:iam::111122223333:user/job", "10:%02d:00".formatted(i), "AccessDenied")));
        }
        assertThat(steady).as("fifty denials of one action").isEmpty();

        assertThat(feed(detector, denied("ListUsers", "p1", "arn:aws:iam::111122223333:user/mallory", "10:00:00", "AccessDenied"),
                denied("ListUsers", "p2", "arn:aws:iam::111122223333:user/mallory", "10:00:10", "AccessDenied"),
                denied("ListRoles", "p3", "arn:aws:iam::111122223333:user/mallory", "10:00:20", "AccessDenied"),
                denied("ListBuckets", "p4", "arn:aws:iam::111122223333:user/mallory", "10:00:30", "AccessDenied")))
                .as("three different actions").singleElement().satisfies(f -> assertThat(f.eventIds()).containsExactly("p1", "p2", "p3", "p4"));
    }

    @Test
    void state_inAStore_survivesANewDetector_soNothingRepeats() throws Exception {
        StateStore store = StateStore.inMemory();
        Engine engine = engine(FIRST_SERVICE, DEDUP, BURST);
        var before = new Detector(engine, store, Detector.REMEMBER);
        feed(before, call("1", "111122223333", "s3", "2026-03-01T00:00:00Z"));
        List<Finding> first = feed(before, call("2", "111122223333", "kms", "2026-03-09T00:00:00Z"), stop("s1", "10:05:00"),
                denied("a1", "198.51.100.1", "10:00:00"), denied("a2", "198.51.100.1", "10:01:00"), denied("a3", "198.51.100.1", "10:02:00"));
        assertThat(first).extracting(Finding::ruleId).containsExactly("first-service", "dedup", "burst");

        var after = new Detector(engine, store, Detector.REMEMBER);
        List<Finding> again = feed(after, call("2", "111122223333", "kms", "2026-03-09T00:00:00Z"), stop("s1", "10:05:00"),
                denied("a3", "198.51.100.1", "10:02:00"));

        assertThat(again).isEmpty();
    }

    @Test
    void aDedupKeyAnEventLacks_neverPutsUnrelatedEventsInOneFinding() throws Exception {
        var detector = detector(Events.rule("by-trail", "{field: eventName, equals: StopLogging}")
                .replace("tests:", "dedup: {key: [recipientAccountId, requestParameters.name], period: 1h}\ntests:"));

        List<Finding> findings = feed(detector, stop("s1", "10:00:00"), stop("s2", "10:05:00"));

        assertThat(findings).as("no trail name in either: each event is its own key, not one shared empty value")
                .hasSize(2).extracting(Finding::findingId).doesNotHaveDuplicates();
    }

    @Test
    void keyPathAlternatives_groupAFieldTwoApisNameDifferently() throws Exception {
        var detector = detector(Events.rule("by-group", "{field: eventName, in: [AuthorizeSecurityGroupIngress, ModifySecurityGroupRules]}")
                .replace("tests:", "dedup: {key: [\"requestParameters.groupId|requestParameters.ModifySecurityGroupRulesRequest.GroupId\"], period: 1h}\ntests:"));
        var authorize = Events.event("{\"eventID\":\"g1\",\"eventName\":\"AuthorizeSecurityGroupIngress\",\"requestParameters\":{\"groupId\":\"sg-1\"}}");
        var modifyOne = Events.event("{\"eventID\":\"g2\",\"eventName\":\"ModifySecurityGroupRules\","
                + "\"requestParameters\":{\"ModifySecurityGroupRulesRequest\":{\"GroupId\":\"sg-1\"}}}");
        var modifyTwo = Events.event("{\"eventID\":\"g3\",\"eventName\":\"ModifySecurityGroupRules\","
                + "\"requestParameters\":{\"ModifySecurityGroupRulesRequest\":{\"GroupId\":\"sg-2\"}}}");

        List<Finding> findings = feed(detector, authorize, modifyOne, modifyTwo);

        assertThat(findings.stream().map(Finding::findingId).distinct()).as("sg-1 twice, sg-2 once").hasSize(2);
    }

    @Test
    void aRuleWhoseKeyPathMissesItsOwnMatchingCase_failsItsTests() throws Exception {
        Rule rule = RuleParser.parse("k.yaml", Events.rule("k", "{field: eventName, equals: GetRole}")
                .replace("tests:", "dedup: {key: [requestParameters.roleName], period: 1h}\ntests:"));

        assertThat(RuleTests.runAll(List.of(rule))).filteredOn(r -> !r.passed()).singleElement()
                .satisfies(r -> assertThat(r.detail()).contains("the key path 'requestParameters.roleName' reaches no value"));
    }

    @Test
    void aRedeliveredEvent_ofAStatelessRule_givesNoSecondFinding_withinTheRememberPeriod() throws Exception {
        var detector = detector(Events.rule("plain", "{field: eventName, equals: StopLogging}"));

        assertThat(feed(detector, stop("s1", "10:00:00"))).hasSize(1);
        assertThat(feed(detector, stop("s1", "10:00:00"))).isEmpty();
        assertThat(feed(detector, stop("s2", "10:00:00"))).hasSize(1);
    }

    @Test
    void aLateEvent_isRememberedFromTheLatestEventTime_soItsRedeliveryAfterAnExpiryGivesNothing() throws Exception {
        var detector = new Detector(engine(Events.rule("plain", "{field: eventName, equals: StopLogging}")), StateStore.inMemory(),
                java.time.Duration.ofHours(1));
        feed(detector, stop("live", "18:00:00"));

        assertThat(feed(detector, stop("backfilled", "09:00:00"))).as("a backfilled event, hours behind").hasSize(1);
        detector.expire(Instant.parse("2026-03-02T18:30:00Z"));
        assertThat(feed(detector, stop("backfilled", "09:00:00"))).as("its redelivery").isEmpty();
        detector.expire(Instant.parse("2026-03-02T19:00:01Z"));
        assertThat(feed(detector, stop("backfilled", "09:00:00"))).as("once the stream moved on by the remember period, it is forgotten").hasSize(1);
    }

    @Test
    void aFutureDatedEvent_getsItsFinding_butCannotMoveTheStreamTime_andExpireEveryonesState() throws Exception {
        var now = java.time.Clock.fixed(Instant.parse("2026-03-02T11:00:00Z"), java.time.ZoneOffset.UTC);
        var detector = new Detector(engine(DEDUP), StateStore.inMemory(), Detector.REMEMBER, Detector.FORGET, now,
                java.time.Duration.ofMinutes(15));
        Finding first = feed(detector, stop("s1", "10:05:00")).get(0);

        CloudTrailEvent forged = Events.event("{\"eventID\":\"far\",\"eventTime\":\"2036-03-02T10:00:00Z\",\"eventName\":\"StopLogging\","
                + "\"recipientAccountId\":\"111122223333\"}");
        assertThat(detector.isFutureDated(forged)).isTrue();
        assertThat(feed(detector, forged)).as("the forged event still gets its finding").hasSize(1);
        assertThat(detector.streamTime()).isEqualTo(Instant.parse("2026-03-02T11:15:00Z"));

        assertThat(detector.expire(detector.streamTime())).as("the present hour's window is still open").isEmpty();
        assertThat(feed(detector, stop("s2", "10:55:00"))).singleElement().satisfies(f -> {
            assertThat(f.findingId()).as("grouped with the first, not a fresh finding").isEqualTo(first.findingId());
            assertThat(f.count()).isEqualTo(2);
        });
    }

    @Test
    void expire_dropsClosedWindows_butKeepsFirstSeenValues_andReleasesFinalCounts() throws Exception {
        StateStore store = StateStore.inMemory();
        var detector = new Detector(engine(FIRST_SERVICE, BURST, DEDUP), store, java.time.Duration.ofHours(1));
        List<Finding> published = feed(detector, call("1", "111122223333", "s3", "2026-03-02T10:00:00Z"),
                denied("a1", "198.51.100.1", "10:00:00"), stop("s1", "10:05:00"), stop("s2", "10:10:00"), stop("s3", "10:20:00"));

        assertThat(published).extracting(Finding::count).as("the third is held back: 3 is no milestone").containsExactly(1, 2);
        assertThat(detector.expire(Instant.parse("2026-03-02T10:30:00Z"))).isEmpty();
        assertThat(keys(store)).as("the lone denied call's window closed").noneMatch(k -> k.startsWith("b|"));
        assertThat(detector.expire(Instant.parse("2026-03-02T12:00:00Z"))).singleElement()
                .satisfies(f -> assertThat(f.count()).isEqualTo(3));
        assertThat(keys(store)).isNotEmpty().allMatch(k -> k.startsWith("o|") || k.startsWith("s|"));
        assertThat(detector.flush()).isEmpty();
    }

    @Test
    void aGrowingFinding_isPublishedAtPowersOfTwo_andFinallyWhenFlushed() throws Exception {
        var detector = detector(BURST);
        List<Finding> published = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            published.addAll(detector.process(denied("d" + i, "198.51.100.1", "10:00:%02d".formatted(i))));
        }

        assertThat(published).extracting(Finding::count).containsExactly(3, 4, 8, 16, 32);
        assertThat(detector.flush()).singleElement().satisfies(f -> assertThat(f.count()).isEqualTo(40));
    }

    @Test
    void aGroupedFindingIsHeldWithoutWhatItsRuleGivesBack_andPublishedWhole_asItWasFirstPublished() throws Exception {
        StateStore store = StateStore.inMemory();
        var detector = new Detector(engine(DEDUP), store, java.time.Duration.ofHours(1));

        Finding first = feed(detector, stopByRole("s1", "10:05:00")).get(0);
        Finding grown = feed(detector, stopByRole("s2", "10:10:00")).get(0);
        feed(detector, stopByRole("s3", "10:15:00"));
        String held = store.get("f|" + first.findingId());
        Finding last = detector.expire(Instant.parse("2026-03-02T12:00:00Z")).get(0);

        var json = io.trailwatch.model.ModelJson.newMapper();
        assertThat(held).as("the entry read and written as the finding grows holds no record").doesNotContain("AROAEXAMPLEROLEID1234");
        assertThat(held.length()).as("held state is much smaller than the finding")
                .isLessThan(json.writeValueAsString(last).length() / 4);
        assertThat(keys(store)).as("the evidence is dropped with the finding").noneMatch(k -> k.startsWith("e|"));
        for (Finding f : List.of(grown, last)) {
            assertThat(f.title()).isEqualTo(first.title());
            assertThat(f.description()).isEqualTo(first.description());
            assertThat(f.mitre()).isEqualTo(first.mitre());
            assertThat(f.evidence()).as("the first event, its normalized fields made again from its record").isEqualTo(first.evidence());
            assertThat(f.principal()).isEqualTo(first.principal());
        }
        assertThat(grown.count()).isEqualTo(2);
        assertThat(last.count()).isEqualTo(3);
        assertThat(last.eventIds()).containsExactly("s1", "s2", "s3");
    }

    @Test
    void aBurstIsHeldWithoutItsRecord_andEachPublishedVersionIsWhole_andItsEvidenceGoesWithIt() throws Exception {
        StateStore store = StateStore.inMemory();
        var detector = new Detector(engine(BURST), store, java.time.Duration.ofHours(1));
        List<Finding> published = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            published.addAll(detector.process(denied("d" + i, "198.51.100.7", "10:00:%02d".formatted(i))));
        }
        List<String> held = new ArrayList<>();
        store.scan("b|", (k, v) -> held.add(v));

        assertThat(held).singleElement().satisfies(v -> assertThat(v).doesNotContain("AccessDenied"));
        published.addAll(detector.flush());
        assertThat(published).extracting(Finding::count).containsExactly(3, 4, 8, 9);
        assertThat(published).allSatisfy(f -> {
            assertThat(f.title()).isEqualTo(published.get(0).title());
            assertThat(f.evidence()).isEqualTo(published.get(0).evidence());
            assertThat(f.sourceIp()).isEqualTo("198.51.100.7");
        });
        assertThat(keys(store)).noneMatch(k -> k.startsWith("e|") || k.startsWith("b|"));
    }

    @Test
    void aGroupedFindingWrittenWholeByAnEarlierVersion_growsAndIsPublishedWhole_thenHeldLikeAnyOther() throws Exception {
        StateStore store = StateStore.inMemory();
        var detector = new Detector(engine(DEDUP), store, java.time.Duration.ofHours(1));
        Finding first = feed(detector, stopByRole("w1", "10:05:00")).get(0);
        String key = "f|" + first.findingId();
        String entry = store.get(key);
        // the entry as versions before the held form wrote it: the finding whole, evidence and all
        store.put(key, entry.substring(0, entry.indexOf('|', entry.indexOf('|') + 1) + 1)
                + io.trailwatch.model.ModelJson.newMapper().writeValueAsString(first));
        store.delete("e|" + first.findingId());

        Finding grown = feed(detector, stopByRole("w2", "10:10:00")).get(0);

        assertThat(grown.count()).isEqualTo(2);
        assertThat(grown.title()).isEqualTo(first.title());
        assertThat(grown.evidence()).isEqualTo(first.evidence());
        assertThat(store.get(key)).doesNotContain("AROAEXAMPLEROLEID1234");
        assertThat(feed(detector, stopByRole("w3", "10:15:00"), stopByRole("w4", "10:20:00"))).singleElement()
                .satisfies(f -> assertThat(f.evidence()).isEqualTo(first.evidence()));
    }

    @Test
    void aFindingHeldForARuleThatLeftThePack_isDroppedAtExpiry_notPublishedHalfEmpty() throws Exception {
        StateStore store = StateStore.inMemory();
        feed(new Detector(engine(DEDUP), store, java.time.Duration.ofHours(1)), stop("s1", "10:05:00"), stop("s2", "10:10:00"),
                stop("s3", "10:15:00"));

        var withoutTheRule = new Detector(engine(FIRST_SERVICE), store, java.time.Duration.ofHours(1));

        assertThat(withoutTheRule.expire(Instant.parse("2026-03-02T12:00:00Z"))).isEmpty();
        assertThat(keys(store)).noneMatch(k -> k.startsWith("f|"));
    }

    @Test
    void stateKeptDecoded_givesWhatParsingTheStoredStateGives_findingsAndStateAlike() throws Exception {
        Engine engine = mixedPack();
        StateStore kept = StateStore.inMemory();
        StateStore parsed = StateStore.inMemory();
        var keeping = new Detector(engine, kept, Detector.REMEMBER, Detector.FORGET, CLOCK, Detector.MAX_CLOCK_SKEW, 2);
        var parsing = new Detector(engine, parsed, Detector.REMEMBER, Detector.FORGET, CLOCK, Detector.MAX_CLOCK_SKEW, 0);
        List<Finding> fromKept = new ArrayList<>();
        List<Finding> fromParsed = new ArrayList<>();
        sideBySide(keeping, fromKept, parsing, fromParsed, i -> { });
        assertThat(entries(kept)).isEqualTo(entries(parsed)).hasSizeGreaterThan(20);
        fromKept.addAll(keeping.flush());
        fromParsed.addAll(parsing.flush());

        assertThat(fromParsed).hasSizeGreaterThan(100);
        assertThat(fromKept).containsExactlyElementsOf(fromParsed);
        assertThat(entries(kept)).isEqualTo(entries(parsed));
    }

    @Test
    void stateWrittenAsJsonByEarlierVersions_isReadOnAsIfWrittenCompact_sameFindingsAndTheSameStateAfter() throws Exception {
        Engine engine = mixedPack();
        StateStore compact = StateStore.inMemory();
        StateStore json = StateStore.inMemory();
        var now = new Detector(engine, compact, Detector.REMEMBER, Detector.FORGET, CLOCK, Detector.MAX_CLOCK_SKEW, 0);
        var upgraded = new Detector(engine, json, Detector.REMEMBER, Detector.FORGET, CLOCK, Detector.MAX_CLOCK_SKEW, 0);
        List<Finding> fromCompact = new ArrayList<>();
        List<Finding> fromJson = new ArrayList<>();
        int[] rewritten = {0};
        sideBySide(now, fromCompact, upgraded, fromJson, i -> {
            if (i % 5 == 0) { // every compact entry of the second store as an earlier version wrote it: JSON
                rewritten[0] += asEarlierVersionsWroteIt(json);
            }
        });
        assertThat(rewritten[0]).as("entries that went from JSON to the compact form").isGreaterThan(500);
        assertThat(entries(compact)).as("what grows is written compact").isNotEmpty().allSatisfy((k, v) -> {
            if (k.startsWith("b|") || k.startsWith("q|") || k.startsWith("f|") && !v.endsWith("|")) {
                assertThat(v).contains("|~1").doesNotContain("{");
            }
        });
        asEarlierVersionsWroteIt(json);
        fromCompact.addAll(now.flush());
        fromJson.addAll(upgraded.flush());

        assertThat(fromCompact).hasSizeGreaterThan(100).containsExactlyElementsOf(fromJson);
        assertThat(entries(json)).isEqualTo(entries(compact));
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper EARLIER_JSON = io.trailwatch.model.ModelJson.newMapper()
            .enable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /**
     * The mixed events through two detectors side by side, each expired on its stream time every 250 events;
     * {@code before} runs before each event, given its index.
     */
    private static void sideBySide(Detector a, List<Finding> fromA, Detector b, List<Finding> fromB,
                                   java.util.function.IntConsumer before) {
        int i = 0;
        for (CloudTrailEvent e : mixedEvents(3000)) {
            before.accept(i);
            fromA.addAll(a.process(e));
            fromB.addAll(b.process(e));
            if (++i % 250 == 0) {
                fromA.addAll(a.expire(a.streamTime()));
                fromB.addAll(b.expire(b.streamTime()));
            }
        }
    }

    /** Rewrites each compact entry of a store as JSON, the form versions before the compact one wrote; how many. */
    private static int asEarlierVersionsWroteIt(StateStore store) {
        int[] n = {0};
        store.scan("", (k, v) -> {
            int at = v.indexOf("~1");
            if (at < 0) {
                return;
            }
            Class<?> type = switch (v.charAt(at + 2)) {
                case 'F' -> Finding.class;
                case 'B' -> Burst.class;
                default -> Detector.SequenceState.class;
            };
            try {
                store.put(k, v.substring(0, at) + EARLIER_JSON.writeValueAsString(StateCodec.read(v, at, type)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new AssertionError(e);
            }
            n[0]++;
        });
        return n[0];
    }

    private static final java.time.Clock CLOCK = java.time.Clock.fixed(Instant.parse("2026-03-03T00:00:00Z"), java.time.ZoneOffset.UTC);

    /** Deduplicated, threshold (plain, baselined, distinct) and sequence rules (ordered and not) over the same calls. */
    private static Engine mixedPack() throws RuleParseException {
        String chain = CHAIN.replace("equals: A}", "equals: ListUsers}").replace("equals: B}", "equals: ListRoles}")
                .replace("equals: C}", "equals: GetSecretValue}");
        return engine(BURST, DEDUP, BASELINED, Events.rule("probing", "{field: errorCode, equals: AccessDenied}")
                .replace("tests:", "threshold: {count: 3, window: 10m, groupBy: [userIdentity.arn], distinct: eventName}\ntests:"),
                chain.formatted("true"), chain.formatted("false").replace("id: chain", "id: chain-unordered"));
    }

    /** A few principals and addresses failing in bursts over three hours, some logging stops, one in ten a redelivery. */
    private static List<CloudTrailEvent> mixedEvents(int n) {
        var random = new java.util.Random(7);
        String[] calls = {"GetObject", "ListUsers", "ListRoles", "GetSecretValue", "StopLogging"};
        List<CloudTrailEvent> seen = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            seen.add(i > 0 && random.nextInt(10) == 0 ? seen.get(random.nextInt(seen.size()))
                    : Events.event(("{\"eventID\":\"e%d\",\"eventTime\":\"2026-03-02T%02d:%02d:%02dZ\",\"eventName\":\"%s\","
                    + "\"errorCode\":\"AccessDenied\",\"sourceIPAddress\":\"198.51.100.%d\",\"recipientAccountId\":\"11112222333%d\","
                    + "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/u%d\"}}").formatted(i,
                    8 + i / 1000, i % 1000 * 60 / 1000, i % 17 * 3, calls[random.nextInt(calls.length)], random.nextInt(4),
                    random.nextInt(2), random.nextInt(5))));
        }
        return seen;
    }

    private static java.util.Map<String, String> entries(StateStore store) {
        java.util.Map<String, String> entries = new java.util.TreeMap<>();
        store.scan("", entries::put);
        return entries;
    }

    private static List<String> keys(StateStore store) {
        List<String> keys = new ArrayList<>();
        store.scan("", (k, v) -> keys.add(k));
        return keys;
    }

    @Test
    void baseline_aPrincipalWhoAlwaysFailsALittle_doesNotPageEveryWindow_butASpikeStillPages() throws Exception {
        var detector = detector(BASELINED);
        List<Finding> findings = new ArrayList<>();
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        int n = 0;
        for (int hour = 0; hour < 48; hour++) {
            for (int i = 0; i < 12; i++) {
                findings.addAll(detector.process(failed("n" + n++, "monitor", start.plusSeconds(hour * 3600L + i * 60L))));
            }
        }
        assertThat(findings.stream().map(Finding::findingId).distinct()).as("pages once (a finding that grows), before its baseline exists")
                .hasSize(1);

        findings.clear();
        for (int i = 0; i < 30; i++) {
            findings.addAll(detector.process(failed("x" + i, "monitor", start.plusSeconds(48 * 3600L + i * 60L))));
        }
        assertThat(findings).as("a spike beyond twice its mean of 12 per hour").isNotEmpty();
        assertThat(findings.get(0).count()).isEqualTo(25);

        findings.clear();
        for (int i = 0; i < 10; i++) {
            findings.addAll(detector.process(failed("y" + i, "newcomer", start.plusSeconds(50 * 3600L + i * 60L))));
        }
        assertThat(findings).as("a principal without history pages at the threshold").singleElement()
                .satisfies(f -> assertThat(f.count()).isEqualTo(10));
    }

    @Test
    void baseline_aJobThatFailsTheSameWayEveryHour_pagesOnce_butAnAttackOnTopOfItPages() throws Exception {
        var detector = detector(Events.rule("cron", "{field: errorCode, equals: AccessDenied}").replace("tests:",
                "threshold: {count: 20, window: 10m, groupBy: [userIdentity.arn], baseline: {history: 7d, factor: 2}}\ntests:"));
        Instant start = Instant.parse("2026-03-01T00:00:00Z");
        List<Finding> findings = new ArrayList<>();
        int n = 0;
        for (int hour = 0; hour < 72; hour++) {
            for (int i = 0; i < 25; i++) {
                findings.addAll(detector.process(failed("c" + n++, "nightly", start.plusSeconds(hour * 3600L + i * 5L))));
            }
        }
        assertThat(findings.stream().map(Finding::findingId).distinct()).as("its first hour only").hasSize(1);

        findings.clear();
        for (int i = 0; i < 60; i++) {
            findings.addAll(detector.process(failed("attack" + i, "nightly", start.plusSeconds(72 * 3600L + 1200 + i * 5L))));
        }
        assertThat(findings).as("more than twice its usual peak of 25").isNotEmpty();
        assertThat(findings.get(0).count()).isEqualTo(51);
    }

    private static CloudTrailEvent call(String id, String account, String service, String time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"" + time + "\",\"eventSource\":\"" + service
                + ".amazonaws.com\",\"recipientAccountId\":\"" + account + "\"}");
    }

    private static CloudTrailEvent failed(String id, String user, Instant time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"" + time + "\",\"errorCode\":\"AccessDenied\","
                + "\"userIdentity\":{\"type\":\"IAMUser\",\"arn\":\"arn:aws:iam::111122223333:user/" + user + "\"}}");
    }

    private static Engine engine(String... rules) throws RuleParseException {
        List<Rule> parsed = new ArrayList<>();
        for (String rule : rules) {
            parsed.add(RuleParser.parse(rule.lines().findFirst().orElseThrow().substring(4) + ".yaml", rule));
        }
        return new Engine(parsed, Rule.Exceptions.NONE);
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

    private static CloudTrailEvent deniedIn(String account, String id, String time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"2026-03-02T" + time + "Z\",\"errorCode\":\"AccessDenied\","
                + "\"sourceIPAddress\":\"198.51.100.1\",\"recipientAccountId\":\"" + account + "\"}");
    }

    /** StopLogging as CloudTrail writes it for an assumed role. */
    private static CloudTrailEvent stopByRole(String id, String time) {
        return Events.event("""
                {"eventVersion":"1.10","userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLEROLEID1234:ana",
                 "arn":"arn:aws:sts::111122223333:assumed-role/Operator/ana","accountId":"111122223333",
                 "accessKeyId":"ASIAEXAMPLEKEY123456","sessionContext":{"sessionIssuer":{"type":"Role",
                 "principalId":"AROAEXAMPLEROLEID1234","arn":"arn:aws:iam::111122223333:role/Operator",
                 "accountId":"111122223333","userName":"Operator"},"attributes":{"creationDate":"2026-03-02T09:00:00Z",
                 "mfaAuthenticated":"true"}}},"eventTime":"2026-03-02T%sZ","eventSource":"cloudtrail.amazonaws.com",
                 "eventName":"StopLogging","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.7",
                 "userAgent":"aws-cli/2.15.30 Python/3.11.8 Linux/5.15 exe/x86_64","requestParameters":{"name":
                 "arn:aws:cloudtrail:eu-west-1:111122223333:trail/management"},"responseElements":null,
                 "requestID":"4bd4c5a2-9f0e-4d6b-8c1a-2e3f4a5b6c7d","eventID":"%s","readOnly":false,
                 "eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"111122223333",
                 "eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",
                 "clientProvidedHostHeader":"cloudtrail.eu-west-1.amazonaws.com"}}
                """.formatted(time, id));
    }

    private static CloudTrailEvent stop(String id, String time) {
        return Events.event("{\"eventID\":\"" + id + "\",\"eventTime\":\"2026-03-02T" + time + "Z\",\"eventName\":\"StopLogging\","
                + "\"recipientAccountId\":\"111122223333\"}");
    }
}

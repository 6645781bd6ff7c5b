package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Storms across accounts: a flood of one rule is a few messages, the rest held in one window, whatever the accounts. */
class GrouperTest {

    private static final Instant T = Instant.parse("2026-03-02T10:00:00Z");

    @Test
    void oneRuleInThreeHundredAccounts_isFiveMessages_andTheOthersHeldInOneWindowAcrossAccounts() {
        var g = new Grouper(Duration.ofMinutes(5), 5);
        List<Optional<Grouper.Held>> decisions = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            decisions.add(g.admit("slack", finding("route-" + i, "ec2-route-changed", "low", account(i)), T.plusMillis(i)));
        }

        assertThat(decisions.subList(0, 5)).as("the first five accounts' findings are sent").allMatch(Optional::isEmpty);
        assertThat(decisions.subList(5, 300)).as("the rest are held, all in the rule's window").allSatisfy(d ->
                assertThat(d).contains(new Grouper.Held("slack|ec2-route-changed", T.plus(Duration.ofMinutes(5)), true)));
        assertThat(g.expire(T.plusSeconds(299))).isZero();
        assertThat(g.expire(T.plusSeconds(301))).isPositive();
        assertThat(g.openWindows()).as("ended windows are forgotten").isZero();
    }

    @Test
    void anotherRule_orAnotherDestination_isNotHeldByTheFlood() {
        var g = new Grouper(Duration.ofMinutes(5), 2);
        for (int i = 0; i < 10; i++) {
            g.admit("slack", finding("route-" + i, "ec2-route-changed", "low", account(i)), T);
        }

        assertThat(g.admit("slack", finding("root-1", "root-console-login", "critical", account(7)), T)).isEmpty();
        assertThat(g.admit("email", finding("route-x", "ec2-route-changed", "low", account(11)), T)).isEmpty();
    }

    @Test
    void highAndCriticalFindings_areNeverHeldAcrossAccounts_onlyWithinOne() {
        var g = new Grouper(Duration.ofMinutes(5), 2);
        for (int i = 0; i < 20; i++) {
            assertThat(g.admit("slack", finding("root-" + i, "root-console-login", "critical", account(i)), T.plusSeconds(i)))
                    .as("the root sign-in in account " + i).isEmpty();
        }
        assertThat(g.admit("slack", finding("root-again", "root-console-login", "critical", account(3)), T.plusSeconds(30)))
                .as("again in one account within its window: a storm there")
                .contains(new Grouper.Held("slack|root-console-login|" + account(3), T.plusSeconds(3 + 300), false));
    }

    @Test
    void aFloodInOneAccount_isHeldInThatAccountsWindow_andTheRuleStillLetsOtherAccountsThrough() {
        var g = new Grouper(Duration.ofMinutes(5), 3);
        for (int i = 0; i < 20; i++) {
            g.admit("slack", finding("same-" + i, "r", "high", account(1)), T.plusSeconds(i));
        }

        assertThat(g.admit("slack", finding("other", "r", "high", account(2)), T.plusSeconds(30))).isEmpty();
        assertThat(g.admit("slack", finding("same-again", "r", "high", account(1)), T.plusSeconds(31)))
                .map(Grouper.Held::window).contains("slack|r|" + account(1));
    }

    @Test
    void windowsRestoredFromTheGroupedTopic_goOnHoldingTheirStorm_untilTheyEnd() {
        var restarted = new Grouper(Duration.ofMinutes(5), 3);
        Instant end = T.plusSeconds(200);
        restarted.restore(new Grouper.Held("slack|r|" + account(1), end, false), T);
        restarted.restore(new Grouper.Held("slack|flood", end, true), T);
        restarted.restore(new Grouper.Held("slack|old", T.minusSeconds(1), true), T);

        assertThat(restarted.admit("slack", finding("a", "r", "low", account(1)), T.plusSeconds(10)))
                .contains(new Grouper.Held("slack|r|" + account(1), end, false));
        assertThat(restarted.admit("slack", finding("b", "flood", "low", account(9)), T.plusSeconds(10)))
                .as("the rule's window held findings, so its accounts were all sent already")
                .contains(new Grouper.Held("slack|flood", end, true));
        assertThat(restarted.admit("slack", finding("c", "old", "low", account(9)), T.plusSeconds(10)))
                .as("a window that had ended is not restored").isEmpty();
        assertThat(restarted.admit("slack", finding("d", "r", "low", account(1)), end.plusSeconds(1)))
                .as("after its end, a new window").isEmpty();
    }

    @Test
    void theFirstTenFindingsHeldInAWindow_areTheOnesItsDigestMayShow_andEachWindowCountsItsOwn() {
        var g = new Grouper(Duration.ofMinutes(5), 1);
        g.admit("slack", finding("sent", "r", "low", account(1)), T);
        List<Boolean> shown = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            shown.add(g.hold("slack", finding("held-" + i, "r", "low", account(1)), T.plusSeconds(i)).orElseThrow().shown());
        }
        assertThat(shown.subList(0, Grouper.SAMPLE)).as("the first ten held").containsOnly(true);
        assertThat(shown.subList(Grouper.SAMPLE, 25)).as("the rest, only counted").containsOnly(false);

        assertThat(g.hold("slack", finding("other-account", "r", "low", account(2)), T.plusSeconds(30)))
                .as("the rule in another account: held in the rule's window across accounts, which counts its own")
                .map(Grouper.Hold::shown).contains(true);
        g.expire(T.plusSeconds(301));
        g.admit("slack", finding("next", "r", "low", account(1)), T.plusSeconds(301));
        assertThat(g.hold("slack", finding("next-held", "r", "low", account(1)), T.plusSeconds(302)))
                .as("the next window of the same rule starts its count again")
                .map(Grouper.Hold::shown).contains(true);
    }

    private static String account(int i) {
        return String.format("%012d", 100000000000L + i);
    }

    private static Finding finding(String id, String rule, String severity, String account) {
        return TestFindings.finding(id, rule, severity, "c", account, "eu-west-1");
    }
}

package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Storms across accounts: a flood of one rule is a few messages and one digest, whatever the accounts. */
class GrouperTest {

    private static final Instant T = Instant.parse("2026-03-02T10:00:00Z");

    @Test
    void oneRuleInThreeHundredAccounts_isFiveMessagesAndOneDigestAcrossTheOthers() {
        var g = new Grouper(Duration.ofMinutes(5), 5);
        List<Boolean> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            sent.add(g.admit("slack", "all", finding("route-" + i, "ec2-route-changed", "low", account(i)), T.plusMillis(i)));
        }

        assertThat(sent.stream().filter(s -> s)).hasSize(5);
        assertThat(sent.subList(0, 5)).containsOnly(true);
        assertThat(g.due(T.plusSeconds(299))).isEmpty();
        assertThat(g.due(T.plusSeconds(301))).singleElement().satisfies(d -> {
            assertThat(d.held()).isEqualTo(295);
            assertThat(d.accounts()).isEqualTo(295);
            assertThat(d.first().findingId()).isEqualTo("route-5");
            assertThat(d.sample()).hasSize(Grouper.SAMPLE);
        });
        assertThat(g.openWindows()).as("closed windows are forgotten").isZero();
    }

    @Test
    void anotherRule_orAnotherDestination_isNotHeldByTheFlood() {
        var g = new Grouper(Duration.ofMinutes(5), 2);
        for (int i = 0; i < 10; i++) {
            g.admit("slack", "all", finding("route-" + i, "ec2-route-changed", "low", account(i)), T);
        }

        assertThat(g.admit("slack", "all", finding("root-1", "root-console-login", "critical", account(7)), T)).isTrue();
        assertThat(g.admit("email", "all", finding("route-x", "ec2-route-changed", "low", account(11)), T)).isTrue();
    }

    @Test
    void highAndCriticalFindings_areNeverHeldAcrossAccounts_onlyWithinOne() {
        var g = new Grouper(Duration.ofMinutes(5), 2);
        for (int i = 0; i < 20; i++) {
            assertThat(g.admit("slack", "all", finding("root-" + i, "root-console-login", "critical", account(i)), T.plusSeconds(i)))
                    .as("the root sign-in in account " + i).isTrue();
        }
        assertThat(g.admit("slack", "all", finding("root-again", "root-console-login", "critical", account(3)), T.plusSeconds(30)))
                .as("again in one account within its window: a storm there").isFalse();
    }

    @Test
    void aFloodInOneAccount_staysAnAccountDigest_andTheRuleWindowStillLetsOtherAccountsThrough() {
        var g = new Grouper(Duration.ofMinutes(5), 3);
        for (int i = 0; i < 20; i++) {
            g.admit("slack", "all", finding("same-" + i, "r", "high", account(1)), T.plusSeconds(i));
        }

        assertThat(g.admit("slack", "all", finding("other", "r", "high", account(2)), T.plusSeconds(30))).isTrue();
        assertThat(g.due(T.plusSeconds(400))).singleElement().satisfies(d -> {
            assertThat(d.held()).isEqualTo(19);
            assertThat(d.accounts()).isEqualTo(1);
            assertThat(d.first().findingId()).as("the one sent").isEqualTo("same-0");
        });
    }

    private static String account(int i) {
        return String.format("%012d", 100000000000L + i);
    }

    private static Finding finding(String id, String rule, String severity, String account) {
        return TestFindings.finding(id, rule, severity, "c", account, "eu-west-1");
    }
}

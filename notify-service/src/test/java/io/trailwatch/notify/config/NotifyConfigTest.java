package io.trailwatch.notify.config;

import io.smallrye.config.ConfigValidationException;
import io.trailwatch.model.Severity;
import io.trailwatch.testsupport.ConfigMappings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** notify-service's settings: documented defaults, and every wrong value refused at start with its key named. */
class NotifyConfigTest {

    private static final String D = "trailwatch.notify.destinations.";
    private static final String R = "trailwatch.notify.routes.";

    @Test
    void defaults() {
        NotifyConfig config = load(Map.of(D + "secops.type", "slack", D + "secops.url", "https://hooks.slack.com/services/T/B/x",
                R + "all.destinations", "secops"));

        var secops = config.destinations().get("secops");
        assertThat(secops.ratePerSecond()).isEqualTo(1.0);
        assertThat(secops.burst()).isEqualTo(3);
        assertThat(secops.timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(secops.concurrencyOrDefault()).as("Slack: one message at a time per webhook").isEqualTo(1);
        assertThat(config.routes().get("all").minSeverity()).isEqualTo(Severity.INFO);
        assertThat(config.retry().budget()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.grouping().window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.ses().region()).isEqualTo("us-east-1");
        assertThat(NotifyChecks.problems(config)).isEmpty();
    }

    @Test
    void aRateOfZero_aBurstOfZero_andNegativeDurations_areRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of(D + "secops.type", "slack", D + "secops.url", "https://hooks.slack.com/x",
                D + "secops.rate-per-second", "0", D + "secops.burst", "0", "trailwatch.notify.retry.budget", "-5s",
                R + "all.destinations", "secops")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining(D + "secops.rate-per-second")
                .hasMessageContaining(D + "secops.burst")
                .hasMessageContaining("trailwatch.notify.retry.budget");
    }

    @Test
    void concurrency_is1UnlessSet_andOutside1To64IsRefused() {
        NotifyConfig config = load(Map.of(D + "siem.type", "webhook", D + "siem.url", "https://siem.example.com/in",
                D + "siem.hmac-key", "k", D + "mail.type", "email", D + "mail.to", "soc@example.com",
                D + "chat.type", "slack", D + "chat.url", "https://hooks.slack.com/x", D + "chat.concurrency", "2",
                R + "all.destinations", "siem,mail,chat"));
        assertThat(config.destinations().get("siem").concurrencyOrDefault()).isEqualTo(1);
        assertThat(config.destinations().get("mail").concurrencyOrDefault()).isEqualTo(1);
        assertThat(config.destinations().get("chat").concurrencyOrDefault()).as("set").isEqualTo(2);
        assertThat(NotifyChecks.problems(config)).isEmpty();

        assertThat(NotifyChecks.problems(load(Map.of(D + "chat.type", "slack", D + "chat.url", "https://hooks.slack.com/x",
                D + "chat.concurrency", "0", D + "siem.type", "webhook", D + "siem.url", "https://siem.example.com/in",
                D + "siem.hmac-key", "k", D + "siem.concurrency", "65", R + "all.destinations", "chat,siem"))))
                .containsExactlyInAnyOrder(D + "chat.concurrency must be 1 to 64, not 0", D + "siem.concurrency must be 1 to 64, not 65");
    }

    @Test
    void aSeverityThatIsNone_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of(D + "secops.type", "slack", D + "secops.url", "https://hooks.slack.com/x",
                R + "all.destinations", "secops", R + "all.min-severity", "urgent")))
                .hasMessageContaining(R + "all.min-severity");
        assertThat(load(Map.of(D + "secops.type", "slack", D + "secops.url", "https://hooks.slack.com/x",
                R + "all.destinations", "secops", R + "all.min-severity", "High")).routes().get("all").minSeverity())
                .as("any case").isEqualTo(Severity.HIGH);
    }

    @Test
    void aTypeThatIsNone_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of(D + "secops.type", "pager", R + "all.destinations", "secops")))
                .hasMessageContaining(D + "secops.type");
    }

    @Test
    void eachDestinationType_needsItsOwnKeys_andEveryProblemIsSaidAtOnce() {
        var values = new HashMap<String, String>();
        values.put(D + "chat.type", "slack");
        values.put(D + "siem.type", "webhook");
        values.put(D + "siem.url", "ftp://siem.example.com/in");
        values.put(D + "mail.type", "email");
        values.put(D + "ses.type", "ses");
        values.put(D + "ses.to", "security-team");
        values.put(R + "all.destinations", "chat,nowhere");

        var problems = NotifyChecks.problems(load(values));

        assertThat(problems).containsExactlyInAnyOrder(
                D + "chat.url is required for a destination of type slack",
                D + "siem.url is no http(s) URL",
                D + "siem.hmac-key is required for a destination of type webhook",
                D + "mail.to is required for a destination of type email",
                D + "ses.to holds 'security-team', which is no mail address",
                D + "ses.from is required for a destination of type ses",
                R + "all.destinations names 'nowhere', which is not configured; configured: " + load(values).destinations().keySet());
        assertThatThrownBy(() -> NotifyChecks.require(load(values))).hasMessageStartingWith("notify-service is misconfigured:")
                .hasMessageContaining(D + "chat.url");
    }

    private static NotifyConfig load(Map<String, String> values) {
        return ConfigMappings.load(NotifyConfig.class, values);
    }
}

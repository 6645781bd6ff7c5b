package io.trailwatch.notify.core;

import io.trailwatch.model.Finding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The routing matrix: severity floor, category, rule, account and region, several routes, each destination once. */
class RouterTest {

    private final Router router = new Router(List.of(
            new Router.Route("high-to-pager", "high", Set.of(), Set.of(), Set.of(), Set.of(), List.of("slack", "email")),
            new Router.Route("iam-to-team", "info", Set.of("iam-change"), Set.of(), Set.of(), Set.of(), List.of("iam-hook")),
            new Router.Route("prod-stop-logging", "info", Set.of(), Set.of("cloudtrail-stop-logging"), Set.of("111122223333"),
                    Set.of("eu-west-1"), List.of("slack", "siem"))),
            Set.of("slack", "email", "iam-hook", "siem"));

    @Test
    void theMatrix() {
        assertThat(targets(TestFindings.finding("a", "x", "critical", "network-change", "1", "us-east-1"))).containsExactly(
                "high-to-pager/slack", "high-to-pager/email");
        assertThat(targets(TestFindings.finding("b", "x", "medium", "network-change", "1", "us-east-1"))).isEmpty();
        assertThat(targets(TestFindings.finding("c", "iam-policy-change", "low", "iam-change", "1", "us-east-1")))
                .containsExactly("iam-to-team/iam-hook");
        assertThat(targets(TestFindings.finding("d", "iam-admin-policy-attached", "high", "iam-change", "1", "us-east-1")))
                .containsExactly("high-to-pager/slack", "high-to-pager/email", "iam-to-team/iam-hook");
        assertThat(targets(TestFindings.finding("e", "cloudtrail-stop-logging", "high", "cloudtrail-tampering", "111122223333", "eu-west-1")))
                .as("slack once, from the first route").containsExactly("high-to-pager/slack", "high-to-pager/email", "prod-stop-logging/siem");
        assertThat(targets(TestFindings.finding("f", "cloudtrail-stop-logging", "medium", "cloudtrail-tampering", "111122223333", "us-west-2")))
                .as("wrong region").isEmpty();
        assertThat(targets(TestFindings.finding("g", "cloudtrail-stop-logging", "medium", "cloudtrail-tampering", "444455556666", "eu-west-1")))
                .as("wrong account").isEmpty();
    }

    @Test
    void mistakesInConfiguration_areRefusedAtStart() {
        assertThatThrownBy(() -> new Router(List.of(new Router.Route("r", "high", Set.of(), Set.of(), Set.of(), Set.of(),
                List.of("nowhere"))), Set.of("slack"))).hasMessageContaining("names the destination 'nowhere', which is not configured");
        assertThatThrownBy(() -> new Router.Route("r", "urgent", Set.of(), Set.of(), Set.of(), Set.of(), List.of("slack")))
                .hasMessageContaining("min-severity 'urgent'");
        assertThatThrownBy(() -> new Router.Route("r", "low", Set.of(), Set.of(), Set.of(), Set.of(), List.of()))
                .hasMessageContaining("names no destination");
    }

    private List<String> targets(Finding f) {
        return router.route(f).stream().map(t -> t.route() + "/" + t.destination()).toList();
    }
}

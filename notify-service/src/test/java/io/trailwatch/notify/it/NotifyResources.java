package io.trailwatch.notify.it;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.trailwatch.model.Topics;
import io.trailwatch.devkit.KafkaBroker;
import io.trailwatch.testsupport.TestKafka;

import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

/**
 * The real components notify-service talks to, once per test JVM: the shared Kafka broker, an SMTP server (GreenMail)
 * whose mails tests read back, and an HTTP server (WireMock) standing in for Slack and webhooks. Routes match on rule
 * ids, so each test has its own.
 */
public class NotifyResources implements QuarkusTestResourceLifecycleManager {

    public static final String HMAC_KEY = "it-hmac-key-not-a-real-secret";
    static GreenMail smtp;
    static WireMockServer http;

    @Override
    public Map<String, String> start() {
        KafkaBroker kafka = TestKafka.shared();
        kafka.createTopics(3, Topics.FINDINGS, Topics.DELIVERIES, Topics.DLQ_NOTIFY_DELIVERIES, Topics.DLQ_NOTIFY_FINDINGS);
        smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        http = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
        http.start();
        http.stubFor(post("/slack").willReturn(ok("ok")));
        http.stubFor(post("/paced").willReturn(ok("ok")));
        http.stubFor(post("/hook").willReturn(ok()));
        http.stubFor(post("/v2/email/outbound-emails").willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson("{\"MessageId\":\"m-1\"}")));
        String base = "http://127.0.0.1:" + http.port();

        Map<String, String> c = new HashMap<>();
        c.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        c.put("quarkus.mailer.host", "127.0.0.1");
        c.put("quarkus.mailer.port", Integer.toString(smtp.getSmtp().getPort()));
        c.put("quarkus.mailer.start-tls", "DISABLED");
        c.put("quarkus.mailer.from", "trailwatch@example.com");
        c.put("trailwatch.notify.retry.initial-backoff", "100ms");
        c.put("trailwatch.notify.retry.max-backoff", "2s");
        c.put("trailwatch.notify.retry.budget", "6s");
        c.put("trailwatch.notify.grouping.window", "3s");
        c.put("trailwatch.notify.grouping.accounts", "5");
        // a destination down: its circuit open 2 s at a time, its deliveries rechecked every 2 s and given up after 20 s
        c.put("trailwatch.notify.circuit-breaker.open-for", "2s");
        c.put("trailwatch.notify.circuit-breaker.retry-for", "20s");
        c.put("trailwatch.notify.deferral.recheck-every", "2s");
        // little room, so an outage must not hold findings in flight
        c.put("trailwatch.notify.max-in-flight", "25");
        destination(c, "slack", "slack", base + "/slack");
        destination(c, "hook", "webhook", base + "/hook");
        destination(c, "flaky", "webhook", base + "/flaky");
        destination(c, "broken", "webhook", base + "/broken");
        destination(c, "dead", "webhook", base + "/dead");
        destination(c, "limited", "slack", base + "/limited");
        c.put("trailwatch.notify.destinations.mail.type", "email");
        c.put("trailwatch.notify.destinations.mail.to", "secops@example.com,oncall@example.com");
        c.put("trailwatch.notify.destinations.ses-mail.type", "ses");
        c.put("trailwatch.notify.destinations.ses-mail.to", "secops@example.com");
        c.put("trailwatch.notify.destinations.ses-mail.from", "trailwatch@example.com");
        c.put("trailwatch.notify.ses.endpoint", base);
        c.put("trailwatch.notify.ses.static-credentials", "test:test");
        route(c, "ses", "it-ses", "ses-mail");
        route(c, "all-three", "it-all", "slack,hook,mail");
        route(c, "storm", "it-storm", "slack");
        // a destination as slow as Slack's own limit (one message every two seconds here)
        destination(c, "paced", "slack", base + "/paced");
        c.put("trailwatch.notify.destinations.paced.rate-per-second", "0.5");
        c.put("trailwatch.notify.destinations.paced.burst", "1");
        route(c, "paced-storm", "it-paced-storm", "paced");
        route(c, "paced-root", "it-paced-root", "paced");
        route(c, "flaky", "it-flaky", "flaky");
        route(c, "broken", "it-broken", "broken");
        route(c, "dead", "it-dead", "dead");
        route(c, "limited", "it-limited", "limited");
        destination(c, "outage", "webhook", base + "/outage");
        route(c, "outage", "it-outage", "outage");
        route(c, "floor", "it-floor", "hook");
        c.put("trailwatch.notify.routes.floor.min-severity", "critical");
        return c;
    }

    private static void destination(Map<String, String> c, String name, String type, String url) {
        c.put("trailwatch.notify.destinations." + name + ".type", type);
        c.put("trailwatch.notify.destinations." + name + ".url", url);
        c.put("trailwatch.notify.destinations." + name + ".rate-per-second", "50");
        c.put("trailwatch.notify.destinations." + name + ".burst", "50");
        c.put("trailwatch.notify.destinations." + name + ".timeout", "2s");
        if (type.equals("webhook")) {
            c.put("trailwatch.notify.destinations." + name + ".hmac-key", HMAC_KEY);
        }
    }

    private static void route(Map<String, String> c, String name, String ruleId, String destinations) {
        c.put("trailwatch.notify.routes." + name + ".rule-ids", ruleId);
        c.put("trailwatch.notify.routes." + name + ".destinations", destinations);
    }

    @Override
    public void stop() {
        if (http != null) {
            http.stop();
        }
        if (smtp != null) {
            smtp.stop();
        }
    }
}

package io.trailwatch.remediate.config;

import io.smallrye.config.ConfigValidationException;
import io.trailwatch.testsupport.ConfigMappings;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** remediate-service's settings: safe defaults, and every wrong value refused at start with its key named. */
class RemediateConfigTest {

    private static final String R = "trailwatch.remediate.remediations.restart.";

    @Test
    void defaults_areSafe() {
        RemediateConfig config = load(Map.of(R + "function", "trailwatch-restart-logging"));

        assertThat(config.enabled()).isFalse();
        assertThat(config.killSwitch()).isFalse();
        assertThat(config.allowedAccounts()).isEmpty();
        var restart = config.remediations().get("restart");
        assertThat(restart.enabled()).isFalse();
        assertThat(restart.invocationType()).isEqualTo(RemediateConfig.InvocationType.RequestResponse);
        assertThat(restart.ratePerSecond()).isEqualTo(2.0);
        assertThat(config.circuitBreaker().failures()).isEqualTo(5);
        assertThat(config.circuitBreaker().openFor()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.lambda().region()).isEqualTo("us-east-1");
        assertThat(restart.requireValidatedDigest()).as("no waiting for digests unless asked").isFalse();
        assertThat(config.digest().maxWait()).isEqualTo(Duration.ofHours(2));
        assertThat(config.digest().topic()).isEqualTo("trailwatch.integrity.v1");
        assertThat(config.deferral().recheckEvery()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.circuitBreaker().retryFor()).isEqualTo(Duration.ofHours(24));
        assertThat(config.deferral().retention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void aRateOfZero_andABreakerThatCannotOpen_areRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of(R + "function", "fn", R + "rate-per-second", "0",
                "trailwatch.remediate.circuit-breaker.failures", "0")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining(R + "rate-per-second")
                .hasMessageContaining("trailwatch.remediate.circuit-breaker.failures");
    }

    @Test
    void anInvocationTypeThatIsNone_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of(R + "function", "fn", R + "invocation-type", "Async")))
                .hasMessageContaining(R + "invocation-type");
        assertThat(load(Map.of(R + "function", "fn", R + "invocation-type", "Event")).remediations().get("restart").invocationType())
                .isEqualTo(RemediateConfig.InvocationType.Event);
    }

    @Test
    void aRemediationWithoutItsFunction_isRefusedNamingTheKey() {
        assertThatThrownBy(() -> load(Map.of(R + "rule-ids", "cloudtrail-stop-logging"))).hasMessageContaining(R + "function");
    }

    private static RemediateConfig load(Map<String, String> values) {
        return ConfigMappings.load(RemediateConfig.class, values);
    }
}

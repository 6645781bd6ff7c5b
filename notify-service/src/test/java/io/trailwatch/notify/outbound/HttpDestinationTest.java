package io.trailwatch.notify.outbound;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/** Retry-After as receivers send it: seconds, an HTTP date, or nonsense. */
class HttpDestinationTest {

    @Test
    void retryAfter_secondsOrHttpDate() {
        assertThat(HttpDestination.retryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(HttpDestination.retryAfter(" 0 ")).isEqualTo(Duration.ZERO);
        String inAMinute = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(60));
        assertThat(HttpDestination.retryAfter(inAMinute)).isBetween(Duration.ofSeconds(55), Duration.ofSeconds(61));
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(60));
        assertThat(HttpDestination.retryAfter(past)).isEqualTo(Duration.ZERO);
        assertThat(HttpDestination.retryAfter("soon")).isNull();
        assertThat(HttpDestination.retryAfter(null)).isNull();
    }
}

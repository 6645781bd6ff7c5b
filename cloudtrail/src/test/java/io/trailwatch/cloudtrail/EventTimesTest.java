package io.trailwatch.cloudtrail;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;
import java.time.format.DateTimeParseException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventTimesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "2026-03-01T10:15:30Z          | 2026-03-01T10:15:30Z",
            "2026-03-01T10:15:30.123Z      | 2026-03-01T10:15:30.123Z",
            "2026-03-01T10:15:30.123456Z   | 2026-03-01T10:15:30.123456Z",
            "2026-03-01T12:15:30+02:00     | 2026-03-01T10:15:30Z",
            "2026-03-01T05:15:30-0500      | 2026-03-01T10:15:30Z",
            "2026-03-01 10:15:30           | 2026-03-01T10:15:30Z",
            "2026-03-01 10:15:30.5         | 2026-03-01T10:15:30.5Z",
            "2026-03-01 10:15:30Z          | 2026-03-01T10:15:30Z",
            "2026-03-01 10:15:30 UTC       | 2026-03-01T10:15:30Z",
            "2026-03-01t10:15:30z          | 2026-03-01T10:15:30Z",
            "2026-03-01T10:15Z             | 2026-03-01T10:15:00Z",
            "2024-02-29T23:59:59.999999999Z | 2024-02-29T23:59:59.999999999Z",
            "1999-12-31T00:00:00.1Z        | 1999-12-31T00:00:00.100Z",
    })
    void parse_acceptsEveryFormRealTrailsContain(String text, String expected) {
        assertThat(EventTimes.parse(text)).isEqualTo(Instant.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "2026-13-01T00:00:00Z", "1709287200", "2026-03-01", "2026-02-30T00:00:00Z",
            "2026-03-01T24:00:00Z", "2026-03-01T10:15:30.1234567890Z", "2026-03-01T10:15:3xZ"})
    void parse_rejectsWhatIsNoDateTime(String text) {
        assertThatThrownBy(() -> EventTimes.parse(text)).isInstanceOf(DateTimeParseException.class);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"2026-03-01T10:15:30Z", "2026-03-01T10:15:30.123Z", "2026-03-01T10:15:30.1Z",
            "2026-03-01T12:15:30+02:00", "2026-03-01 10:15:30", "2026-03-01t10:15:30z", "0999-01-01T00:00:00Z"})
    void isoText_isAlwaysWhatInstantToStringWrites_reusingCloudTrailsOwnFormAsWritten(String text) {
        Instant instant = EventTimes.parse(text);
        String iso = EventTimes.isoText(text, instant);
        assertThat(iso).isEqualTo(instant.toString());
        assertThat(iso == text).isEqualTo(text.length() == 20 && text.equals(instant.toString())); // CloudTrail's own form
    }
}

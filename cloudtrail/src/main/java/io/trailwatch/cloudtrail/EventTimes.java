package io.trailwatch.cloudtrail;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;

/**
 * Parses CloudTrail's {@code eventTime} tolerantly. Real trails and hand-made exports contain all of:
 * {@code 2026-03-01T10:15:30Z}, {@code 2026-03-01T10:15:30.123Z}, {@code 2026-03-01T12:15:30+02:00},
 * {@code 2026-03-01T12:15:30+0200}, {@code 2026-03-01 10:15:30} (no zone means UTC) and
 * {@code 2026-03-01 10:15:30.123456}.
 */
public final class EventTimes {

    private static final DateTimeFormatter FORMAT = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE)
            .optionalStart().appendLiteral('T').optionalEnd()
            .optionalStart().appendLiteral(' ').optionalEnd()
            .append(DateTimeFormatter.ISO_LOCAL_TIME)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendLiteral(' ').appendLiteral("UTC").optionalEnd()
            .toFormatter();

    private EventTimes() {
    }

    /**
     * The instant the text denotes.
     *
     * @throws DateTimeParseException when the text is no date-time CloudTrail ever wrote
     */
    public static Instant parse(String text) {
        var parsed = FORMAT.parseBest(text.strip(), OffsetDateTime::from, LocalDateTime::from);
        if (parsed instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        return ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
    }
}

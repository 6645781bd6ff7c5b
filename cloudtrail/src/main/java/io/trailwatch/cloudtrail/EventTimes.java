package io.trailwatch.cloudtrail;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

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
            .toFormatter()
            .withResolverStyle(ResolverStyle.STRICT);

    private EventTimes() {
    }

    /**
     * The instant the text denotes.
     *
     * @throws DateTimeParseException when the text is no date-time CloudTrail ever wrote
     */
    public static Instant parse(String text) {
        Instant fast = parseCanonical(text);
        if (fast != null) {
            return fast;
        }
        var parsed = FORMAT.parseBest(text.strip(), OffsetDateTime::from, LocalDateTime::from);
        if (parsed instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        return ((LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
    }

    /**
     * {@code instant} as {@link Instant#toString()} writes it (ISO-8601, UTC), given the text it was parsed from: the
     * text itself when it already is that form ({@code yyyy-MM-ddTHH:mm:ssZ}, as CloudTrail writes it), so the hot path
     * formats nothing.
     */
    public static String isoText(String written, Instant instant) {
        if (written != null && written.length() == 20 && instant.getNano() == 0 && instant.equals(parseCanonical(written))) {
            return written;
        }
        return instant.toString();
    }

    /**
     * The form CloudTrail writes nearly always, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, read without the formatter's
     * allocations; null for anything else (which the formatter then reads, or rejects).
     */
    static Instant parseCanonical(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(n - 1) != 'Z' || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T'
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 7);
        int day = digits(s, 8, 10);
        int hour = digits(s, 11, 13);
        int minute = digits(s, 14, 16);
        int second = digits(s, 17, 19);
        if ((year | month | day | hour | minute | second) < 0 || month < 1 || month > 12 || day < 1 || day > 31
                || hour > 23 || minute > 59 || second > 59) {
            return null;
        }
        int nanos = 0;
        if (n > 20) {
            int fractionDigits = n - 21;
            if (s.charAt(19) != '.' || fractionDigits < 1 || fractionDigits > 9) {
                return null;
            }
            int fraction = digits(s, 20, n - 1);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction;
            for (int i = fractionDigits; i < 9; i++) {
                nanos *= 10;
            }
        } else if (s.charAt(19) != 'Z') {
            return null;
        }
        if (day > 28 && day > java.time.YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long epochDay = java.time.LocalDate.of(year, month, day).toEpochDay();
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600L + minute * 60L + second, nanos);
    }

    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}

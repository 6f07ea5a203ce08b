package io.qwen4j.gateway;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * Dates as people give them on the command line and in queries: {@code 2026-12-31} (UTC), an ISO date-time, or
 * epoch seconds, from 1970 through 9999 (what the store's millisecond columns and people's calendars hold).
 */
public final class DateArgument {
    public static final Instant MIN = Instant.EPOCH;
    public static final Instant MAX = Instant.parse("9999-12-31T23:59:59Z");
    private static final int MAX_TEXT = 40;

    private DateArgument() {
    }

    /** The instant a key given this expiry stops working. */
    public static Instant parse(String text) {
        return parse(text, true);
    }

    /**
     * @param endOfDay a bare date means the end of that day (expiry, {@code to}) or its start ({@code from})
     */
    public static Instant parse(String text, boolean endOfDay) {
        String t = text.strip();
        Instant at;
        try {
            if (t.length() > MAX_TEXT) throw new DateTimeException("too long");
            if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
                LocalDate d = LocalDate.parse(t);
                at = (endOfDay ? d.plusDays(1) : d).atStartOfDay().toInstant(ZoneOffset.UTC);
            } else if (t.matches("\\d{1,12}")) {
                at = Instant.ofEpochSecond(Long.parseLong(t));
            } else {
                at = OffsetDateTime.parse(t).toInstant();
            }
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("not a date (yyyy-mm-dd), an ISO date-time or epoch seconds");
        }
        if (at.isBefore(MIN) || at.isAfter(MAX.plusSeconds(1))) {
            throw new IllegalArgumentException("the date is outside 1970-01-01 to 9999-12-31");
        }
        return at;
    }
}

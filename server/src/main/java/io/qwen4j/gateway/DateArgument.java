package io.qwen4j.gateway;

import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;

/** Dates as people give them on the command line and in queries: {@code 2026-12-31} (UTC), an ISO date-time, or epoch seconds. */
public final class DateArgument {
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
        try {
            if (t.matches("\\d{4}-\\d{2}-\\d{2}")) {
                LocalDate d = LocalDate.parse(t);
                return (endOfDay ? d.plusDays(1) : d).atStartOfDay().toInstant(ZoneOffset.UTC);
            }
            if (t.matches("\\d{1,12}")) return Instant.ofEpochSecond(Long.parseLong(t));
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("not a date (yyyy-mm-dd), an ISO date-time or epoch seconds: " + text);
        }
    }
}

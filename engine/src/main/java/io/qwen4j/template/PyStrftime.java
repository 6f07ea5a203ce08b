package io.qwen4j.template;

import java.time.LocalDateTime;
import java.time.temporal.ChronoField;
import java.time.temporal.IsoFields;

/** {@code datetime.strftime} in the C locale, as glibc formats it (naive local time, no zone). */
final class PyStrftime {
    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
    private static final String[] MONTHS = {"January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"};

    private PyStrftime() { }

    static String format(LocalDateTime t, String fmt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char f = fmt.charAt(++i);
            boolean noPad = false;
            if ((f == '-' || f == '_') && i + 1 < fmt.length()) {
                noPad = f == '-';
                f = fmt.charAt(++i);
            }
            String part = field(t, f, noPad);
            if (part == null) sb.append('%').append(f);
            else sb.append(part);
        }
        return sb.toString();
    }

    private static String num(long v, int width, boolean noPad) {
        String s = Long.toString(v);
        if (noPad) return s;
        StringBuilder sb = new StringBuilder();
        for (int k = s.length(); k < width; k++) sb.append('0');
        return sb.append(s).toString();
    }

    private static String field(LocalDateTime t, char f, boolean noPad) {
        int dow = t.getDayOfWeek().getValue(); // 1 = Monday
        int hour12 = t.getHour() % 12 == 0 ? 12 : t.getHour() % 12;
        return switch (f) {
            case 'a' -> DAYS[dow - 1].substring(0, 3);
            case 'A' -> DAYS[dow - 1];
            case 'b', 'h' -> MONTHS[t.getMonthValue() - 1].substring(0, 3);
            case 'B' -> MONTHS[t.getMonthValue() - 1];
            case 'd' -> num(t.getDayOfMonth(), 2, noPad);
            case 'e' -> noPad ? Integer.toString(t.getDayOfMonth()) : String.format("%2d", t.getDayOfMonth());
            case 'm' -> num(t.getMonthValue(), 2, noPad);
            case 'y' -> num(t.getYear() % 100, 2, noPad);
            case 'Y' -> Integer.toString(t.getYear());
            case 'C' -> num(t.getYear() / 100, 2, noPad);
            case 'H' -> num(t.getHour(), 2, noPad);
            case 'k' -> String.format("%2d", t.getHour());
            case 'I' -> num(hour12, 2, noPad);
            case 'l' -> String.format("%2d", hour12);
            case 'M' -> num(t.getMinute(), 2, noPad);
            case 'S' -> num(t.getSecond(), 2, noPad);
            case 'f' -> num(t.getNano() / 1000, 6, false);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'P' -> t.getHour() < 12 ? "am" : "pm";
            case 'j' -> num(t.getDayOfYear(), 3, noPad);
            case 'w' -> Integer.toString(dow % 7);
            case 'u' -> Integer.toString(dow);
            case 'U' -> num((t.getDayOfYear() + 6 - (dow % 7)) / 7, 2, noPad);
            case 'W' -> num((t.getDayOfYear() + 6 - ((dow + 6) % 7)) / 7, 2, noPad);
            case 'V' -> num(t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR), 2, noPad);
            case 'G' -> Integer.toString(t.get(IsoFields.WEEK_BASED_YEAR));
            case 'g' -> num(t.get(IsoFields.WEEK_BASED_YEAR) % 100, 2, noPad);
            case 'D' -> format(t, "%m/%d/%y");
            case 'F' -> format(t, "%Y-%m-%d");
            case 'T' -> format(t, "%H:%M:%S");
            case 'R' -> format(t, "%H:%M");
            case 'r' -> format(t, "%I:%M:%S %p");
            case 'c' -> format(t, "%a %b %e %H:%M:%S %Y");
            case 'x' -> format(t, "%m/%d/%y");
            case 'X' -> format(t, "%H:%M:%S");
            case 's' -> Long.toString(t.toEpochSecond(java.time.ZoneOffset.UTC));
            case 'n' -> "\n";
            case 't' -> "\t";
            case 'z', 'Z' -> "";
            case '%' -> "%";
            default -> t.get(ChronoField.YEAR) < 0 ? "" : null;
        };
    }
}

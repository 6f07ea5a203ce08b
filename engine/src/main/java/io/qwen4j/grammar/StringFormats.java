package io.qwen4j.grammar;

/**
 * JSON Schema {@code format}s enforced as regular expressions. Each accepts a subset of the format's
 * valid strings (never an invalid one): date-time without leap seconds, fraction up to 9 digits;
 * duration as RFC 3339 durations with at most 9 digits per component;
 * e-mail as at most 48 characters of dotted atoms at a dotted domain under a common top-level domain; hostname as letter-led labels without "--"; ipv6 in full 8-group form; uri
 * as http(s) with a simple host and path. Other formats are refused.
 */
final class StringFormats {
    private StringFormats() {
    }

    private static final String YEAR = "[0-9]{4}";
    private static final String LEAP_YEAR = "([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)";
    private static final String MONTH_DAY = "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)|02-(0[1-9]|1[0-9]|2[0-8]))";
    private static final String DATE = "(" + YEAR + "-" + MONTH_DAY + "|" + LEAP_YEAR + "-02-29)";
    private static final String OFFSET = "([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
    private static final String TIME = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?" + OFFSET;
    // Labels are kept short so whole names stay within the 253-character DNS limit.
    // No "--" anywhere (so no punycode "xn--" labels, whose validity a regex cannot check), no hyphen at the end.
    private static final String LABEL = "[A-Za-z](-?[A-Za-z0-9]){0,20}";
    private static final String HOSTNAME = LABEL + "(\\." + LABEL + "){0,4}";
    // Validators check e-mail domains against the IANA list, so only well-known top-level domains are generated.
    private static final String COMMON_TLD = "(com|org|net|edu|gov|io|dev|ai|de|fr|uk|jp|cn|es|it|nl|ch)";
    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final String HEX4 = "[0-9a-fA-F]{1,4}";
    // RFC 3339 appendix A durations (what JSON Schema's "duration" means): no fractions, weeks alone.
    private static final String N = "[0-9]{1,9}";
    private static final String DUR_TIME = "T(" + N + "H(" + N + "M(" + N + "S)?)?|" + N + "M(" + N + "S)?|" + N + "S)";
    private static final String DUR_DATE = "(" + N + "D|" + N + "M(" + N + "D)?|" + N + "Y(" + N + "M(" + N + "D)?)?)(" + DUR_TIME + ")?";
    private static final String DURATION = "P(" + DUR_DATE + "|" + DUR_TIME + "|" + N + "W)";

    /** The regex (exact match) for a supported format, or null. */
    static String pattern(String format) {
        return switch (format) {
            case "date" -> DATE;
            case "time" -> TIME;
            case "date-time" -> DATE + "[Tt]" + TIME;
            case "duration" -> DURATION;
            case "uuid" -> "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";
            case "email" -> "[A-Za-z0-9][A-Za-z0-9_+-]{0,15}(\\.[A-Za-z0-9_+-]{1,15}){0,2}@" + LABEL + "(\\." + LABEL + "){0,3}\\." + COMMON_TLD;
            case "hostname" -> HOSTNAME;
            case "ipv4" -> OCTET + "(\\." + OCTET + "){3}";
            case "ipv6" -> HEX4 + "(:" + HEX4 + "){7}";
            case "uri" -> "https?://" + LABEL + "(\\." + LABEL + "){0,4}(/[A-Za-z0-9._~-]{0,32}){0,8}";
            default -> null;
        };
    }

    static CharDfa dfa(String format) {
        String p = pattern(format);
        if (p == null) throw new UnsupportedSchemaException("format", "format \"" + format + "\" is not supported");
        return CharDfa.compile(RegexParser.parseExact(p));
    }
}

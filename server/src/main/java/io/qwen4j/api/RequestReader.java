package io.qwen4j.api;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * Typed, range-checked reads of a request's top-level members, each failure a 400 naming the member.
 * Remembers which members were read so that anything else can be refused as unknown.
 */
public final class RequestReader {
    private final JsonNode body;
    private final Set<String> read = new HashSet<>();

    public RequestReader(JsonNode body) {
        this.body = body;
    }

    /** The member, or null when absent or JSON null. */
    public JsonNode raw(String name) {
        read.add(name);
        JsonNode n = body.get(name);
        return n == null || n.isNull() ? null : n;
    }

    public boolean has(String name) {
        return raw(name) != null;
    }

    public String string(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isTextual()) throw ApiException.invalid(name, "'" + name + "' must be a string, got " + kind(n));
        return n.textValue();
    }

    public String requiredString(String name) {
        String s = string(name);
        if (s == null) throw ApiException.invalid(name, "'" + name + "' is required");
        return s;
    }

    public Boolean bool(String name) {
        JsonNode n = raw(name);
        if (n == null) return null;
        if (!n.isBoolean()) throw ApiException.invalid(name, "'" + name + "' must be a boolean, got " + kind(n));
        return n.booleanValue();
    }

    public boolean bool(String name, boolean fallback) {
        Boolean b = bool(name);
        return b == null ? fallback : b;
    }

    /** A number in [min, max] (inclusive unless {@code minExclusive}). */
    public Double number(String name, double min, boolean minExclusive, double max) {
        JsonNode n = raw(name);
        if (n == null) return null;
        return checkNumber(name, n, min, minExclusive, max);
    }

    public static double checkNumber(String name, JsonNode n, double min, boolean minExclusive, double max) {
        if (!n.isNumber()) throw ApiException.invalid(name, "'" + name + "' must be a number, got " + kind(n));
        double v = n.doubleValue();
        if (Double.isNaN(v) || v < min || (minExclusive && v == min) || v > max) {
            throw ApiException.invalid(name, "'" + name + "' must be " + (minExclusive ? "> " : ">= ") + fmt(min) + " and <= " + fmt(max) + ", got " + n);
        }
        return v;
    }

    public Integer integer(String name, long min, long max) {
        Long v = int64(name, min, max);
        return v == null ? null : v.intValue();
    }

    public Long int64(String name, long min, long max) {
        JsonNode n = raw(name);
        if (n == null) return null;
        return checkInteger(name, n, min, max);
    }

    public static long checkInteger(String name, JsonNode n, long min, long max) {
        // 5.0 is accepted as 5, as Python's pydantic (vLLM) does for a float with no fraction.
        boolean integral = n.isIntegralNumber() || (n.isFloatingPointNumber() && n.doubleValue() == Math.rint(n.doubleValue()));
        if (!n.isNumber() || !integral) throw ApiException.invalid(name, "'" + name + "' must be an integer, got " + kind(n));
        if (!n.canConvertToLong() || (n.isFloatingPointNumber() && Math.abs(n.doubleValue()) > 9.0e18)) {
            throw ApiException.invalid(name, "'" + name + "' is out of range: " + n);
        }
        long v = n.isFloatingPointNumber() ? (long) n.doubleValue() : n.longValue();
        if (v < min || v > max) throw ApiException.invalid(name, "'" + name + "' must be between " + min + " and " + max + ", got " + v);
        return v;
    }

    /** The first member that was never read, or null. */
    public String firstUnread() {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!read.contains(name)) return name;
        }
        return null;
    }

    public static String kind(JsonNode n) {
        if (n.isTextual()) return "a string";
        if (n.isBoolean()) return "a boolean";
        if (n.isNumber()) return "a number";
        if (n.isArray()) return "an array";
        if (n.isObject()) return "an object";
        return "null";
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}

package io.qwen4j.gguf;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The key/value header of a GGUF file, in file order. Scalars are held as {@link Long} (every integer
 * type), {@link Float}, {@link Double}, {@link Boolean} or {@link String}; arrays as {@code long[]}
 * (integers), {@code float[]}, {@code double[]}, {@code boolean[]}, {@code List<String>} or, for arrays
 * of arrays, {@code List<Object>} whose elements are ARRAY-typed {@link Entry}s (keyed {@code "key[i]"}).
 * Each entry keeps its GGUF type (and element type) so that a writer can reproduce it exactly.
 */
public final class GgufMetadata {

    /** One key/value pair; {@code elementType} is set for arrays only. */
    public record Entry(String key, GgufValueType type, GgufValueType elementType, Object value) {
    }

    private final Map<String, Entry> entries;

    public GgufMetadata(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    public Entry entry(String key) {
        return entries.get(key);
    }

    public Object get(String key) {
        Entry e = entries.get(key);
        return e == null ? null : e.value();
    }

    public String getString(String key, String fallback) {
        return get(key) instanceof String s ? s : fallback;
    }

    public String requireString(String key) throws GgufFormatException {
        return require(key, String.class);
    }

    public long getLong(String key, long fallback) {
        return get(key) instanceof Long l ? l : fallback;
    }

    public long requireLong(String key) throws GgufFormatException {
        return require(key, Long.class);
    }

    public int getInt(String key, int fallback) {
        return get(key) instanceof Long l ? Math.toIntExact(l) : fallback;
    }

    public int requireInt(String key) throws GgufFormatException {
        long v = requireLong(key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw new GgufFormatException("metadata '" + key + "' = " + v + " is out of range");
        }
        return (int) v;
    }

    public float getFloat(String key, float fallback) {
        return switch (get(key)) {
            case Float f -> f;
            case Double d -> d.floatValue();
            case null, default -> fallback;
        };
    }

    public boolean getBoolean(String key, boolean fallback) {
        return get(key) instanceof Boolean b ? b : fallback;
    }

    @SuppressWarnings("unchecked")
    public List<String> getStringList(String key) {
        Entry e = entries.get(key);
        return e != null && e.elementType() == GgufValueType.STRING ? (List<String>) e.value() : null;
    }

    public long[] getLongArray(String key) {
        return get(key) instanceof long[] a ? a : null;
    }

    /** An integer array as ints; null when absent or when a value does not fit. */
    public int[] getIntArray(String key) {
        long[] a = getLongArray(key);
        if (a == null) return null;
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != (int) a[i]) return null;
            out[i] = (int) a[i];
        }
        return out;
    }

    public float[] getFloatArray(String key) {
        return get(key) instanceof float[] a ? a : null;
    }

    public boolean[] getBooleanArray(String key) {
        return get(key) instanceof boolean[] a ? a : null;
    }

    private <T> T require(String key, Class<T> type) throws GgufFormatException {
        Object v = get(key);
        if (v == null) throw new GgufFormatException("metadata key '" + key + "' is missing");
        if (!type.isInstance(v)) {
            throw new GgufFormatException("metadata '" + key + "' has type " + entries.get(key).type() + ", expected " + type.getSimpleName());
        }
        return type.cast(v);
    }
}

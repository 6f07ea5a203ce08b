package io.qwen4j.gguf;

/** Types of GGUF metadata values, with their ids as stored in the file. */
public enum GgufValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(8), ARRAY(12),
    UINT64(8), INT64(8), FLOAT64(8);

    /** The fewest bytes one value of this type takes in a file (a string: its 8-byte length). */
    public final int minBytes;

    GgufValueType(int minBytes) {
        this.minBytes = minBytes;
    }

    public static GgufValueType byId(int id) {
        GgufValueType[] all = values();
        return id >= 0 && id < all.length ? all[id] : null;
    }

    public int id() {
        return ordinal();
    }
}

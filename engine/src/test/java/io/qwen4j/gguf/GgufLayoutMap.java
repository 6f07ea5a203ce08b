package io.qwen4j.gguf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the structural fields of a (valid) GGUF file lie: counts, lengths, types, dimensions, offsets. Test
 * code uses it to aim corruptions at the fields a parser must distrust. Walks the bytes independently of
 * {@link GgufFile}.
 */
final class GgufLayoutMap {

    enum Kind { MAGIC, VERSION, TENSOR_COUNT, KV_COUNT, KEY_LENGTH, VALUE_TYPE, ARRAY_TYPE, ARRAY_LENGTH, STRING_LENGTH, BOOL,
        TENSOR_NAME_LENGTH, N_DIMS, DIM, TENSOR_TYPE, TENSOR_OFFSET }

    /** A field of {@code width} bytes at {@code offset}; {@code owner} names the key or tensor it belongs to. */
    record Field(Kind kind, long offset, int width, String owner) {
    }

    /** A tensor's header entry: where its name bytes and its offset field are. */
    record TensorEntry(String name, long nameOffset, long offsetField, long dataOffset) {
    }

    /** A metadata key: where its key bytes are. */
    record KeyEntry(String key, long keyOffset, long valueTypeOffset) {
    }

    final List<Field> fields = new ArrayList<>();
    final List<TensorEntry> tensors = new ArrayList<>();
    final List<KeyEntry> keys = new ArrayList<>();
    long headerEnd;

    private final ByteBuffer in;
    private static final int SAMPLE = 16;

    private GgufLayoutMap(byte[] file) {
        in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    }

    static GgufLayoutMap of(byte[] file) {
        GgufLayoutMap m = new GgufLayoutMap(file);
        m.walk();
        return m;
    }

    private long field(Kind kind, int width, String owner) {
        long at = in.position();
        fields.add(new Field(kind, at, width, owner));
        return width == 4 ? in.getInt() : width == 8 ? in.getLong() : in.get();
    }

    private String string(Kind lengthKind, String owner, boolean record) {
        long len = record ? field(lengthKind, 8, owner) : in.getLong();
        byte[] b = new byte[(int) len];
        in.get(b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private void walk() {
        field(Kind.MAGIC, 4, "");
        field(Kind.VERSION, 4, "");
        long tensorCount = field(Kind.TENSOR_COUNT, 8, "");
        long kvCount = field(Kind.KV_COUNT, 8, "");
        for (long i = 0; i < kvCount; i++) {
            long keyAt = in.position() + 8;
            String key = string(Kind.KEY_LENGTH, "kv#" + i, true);
            long typeAt = in.position();
            int type = (int) field(Kind.VALUE_TYPE, 4, key);
            keys.add(new KeyEntry(key, keyAt, typeAt));
            value(key, type, true);
        }
        for (long i = 0; i < tensorCount; i++) {
            long nameAt = in.position() + 8;
            String name = string(Kind.TENSOR_NAME_LENGTH, "tensor#" + i, true);
            int nDims = (int) field(Kind.N_DIMS, 4, name);
            for (int d = 0; d < nDims; d++) field(Kind.DIM, 8, name);
            field(Kind.TENSOR_TYPE, 4, name);
            long offsetAt = in.position();
            long offset = field(Kind.TENSOR_OFFSET, 8, name);
            tensors.add(new TensorEntry(name, nameAt, offsetAt, offset));
        }
        headerEnd = in.position();
    }

    private void value(String key, int type, boolean record) {
        GgufValueType t = GgufValueType.byId(type);
        switch (t) {
            case UINT8, INT8 -> in.get();
            case BOOL -> {
                if (record) field(Kind.BOOL, 1, key);
                else in.get();
            }
            case UINT16, INT16 -> in.getShort();
            case UINT32, INT32, FLOAT32 -> in.getInt();
            case UINT64, INT64, FLOAT64 -> in.getLong();
            case STRING -> string(Kind.STRING_LENGTH, key, record);
            case ARRAY -> {
                int elem = (int) (record ? field(Kind.ARRAY_TYPE, 4, key) : in.getInt());
                long n = record ? field(Kind.ARRAY_LENGTH, 8, key) : in.getLong();
                for (long i = 0; i < n; i++) value(key, elem, record && (i < SAMPLE || i >= n - SAMPLE));
            }
        }
    }
}

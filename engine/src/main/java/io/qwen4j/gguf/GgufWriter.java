package io.qwen4j.gguf;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files with the layout llama.cpp writes: header, metadata in insertion order, tensor
 * infos, zero padding to the alignment, then each tensor's data at the next aligned offset, zero-padded to the
 * alignment (the file ends aligned). The alignment is {@code general.alignment} when set, else 32.
 *
 * <p>Tensor data come from raw bytes (e.g. another file's mapping) or from floats quantised to the tensor's
 * type while writing; the file is streamed through a FileChannel in small chunks, so its size is unbounded.
 */
public final class GgufWriter {

    private static final int CHUNK_BYTES = 1 << 20;

    /** Where a tensor's bytes come from. */
    private sealed interface TensorSource {
        record Raw(MemorySegment bytes) implements TensorSource {
        }

        record Floats(float[] values) implements TensorSource {
        }

        record Rows(RowSource rows) implements TensorSource {
        }
    }

    /**
     * Produces a tensor's values on demand, a run of rows at a time (row = {@code ne[0]} values), so that
     * tensors far larger than the heap can be written. Called from several threads at once for
     * disjoint rows; must give the same values for a row whenever asked.
     */
    @FunctionalInterface
    public interface RowSource {
        /** Writes rows {@code [firstRow, firstRow + rowCount)} to {@code dst[0 .. rowCount · ne[0])}. */
        void fill(long firstRow, int rowCount, float[] dst);
    }

    private record PendingTensor(String name, GgmlType type, long[] ne, TensorSource source) {
        long byteSize() {
            return type.byteSize(elementCount(ne));
        }
    }

    private final Map<String, GgufMetadata.Entry> metadata = new LinkedHashMap<>();
    private final Map<String, PendingTensor> tensors = new LinkedHashMap<>();

    /** A writer holding a file's metadata and tensors (in place, not copied) in their order. */
    public static GgufWriter copyOf(GgufFile file) {
        GgufWriter w = new GgufWriter();
        w.putAll(file.metadata());
        for (GgufTensorInfo t : file.tensorInfos().values()) w.addTensor(t.name(), t.type(), t.ne(), file.tensorData(t));
        return w;
    }

    /** Adds (or replaces in place) one metadata entry after checking its value matches its type. */
    public GgufWriter put(GgufMetadata.Entry entry) {
        checkEntry(entry, 0);
        metadata.put(entry.key(), entry);
        return this;
    }

    public GgufWriter putAll(GgufMetadata source) {
        source.entries().values().forEach(this::put);
        return this;
    }

    /** A scalar: {@code Long} for every integer type, {@code Float}, {@code Double}, {@code Boolean} or {@code String}. */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type == GgufValueType.ARRAY) throw new IllegalArgumentException("use putArray for array '" + key + "'");
        return put(new GgufMetadata.Entry(key, type, null, value));
    }

    /** An array, represented as {@link GgufMetadata} describes (e.g. {@code long[]} for integers, {@code List<String>}). */
    public GgufWriter putArray(String key, GgufValueType elementType, Object values) {
        return put(new GgufMetadata.Entry(key, GgufValueType.ARRAY, elementType, values));
    }

    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    public GgufWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** A tensor whose data are {@code bytes}, already encoded as {@code type} (held, not copied, until written). */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, MemorySegment bytes) {
        PendingTensor t = new PendingTensor(name, type, checkShape(name, type, ne), new TensorSource.Raw(bytes));
        if (bytes.byteSize() != t.byteSize()) {
            throw new IllegalArgumentException("tensor '" + name + "' " + type + " " + Arrays.toString(ne) + " takes "
                    + t.byteSize() + " bytes, given " + bytes.byteSize());
        }
        return add(t);
    }

    /** A tensor given as floats (row-major, {@code ne[0]} fastest), encoded as {@code type} while writing. */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, float[] values) {
        long[] shape = checkShape(name, type, ne);
        if (elementCount(shape) != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "' " + Arrays.toString(ne) + " has " + elementCount(shape)
                    + " elements, given " + values.length);
        }
        if (!GgmlQuantizer.canQuantize(type)) throw new IllegalArgumentException("tensor '" + name + "': cannot encode floats as " + type);
        return add(new PendingTensor(name, type, shape, new TensorSource.Floats(values)));
    }

    /** A tensor whose rows come from {@code rows} while writing, encoded as {@code type} (nothing held meanwhile). */
    public GgufWriter addTensor(String name, GgmlType type, long[] ne, RowSource rows) {
        long[] shape = checkShape(name, type, ne);
        if (!GgmlQuantizer.canQuantize(type)) throw new IllegalArgumentException("tensor '" + name + "': cannot encode floats as " + type);
        if (shape[0] > (1 << 24)) throw new IllegalArgumentException("tensor '" + name + "' rows of " + shape[0] + " values are too long to stream");
        return add(new PendingTensor(name, type, shape, new TensorSource.Rows(java.util.Objects.requireNonNull(rows))));
    }

    private GgufWriter add(PendingTensor t) {
        if (tensors.putIfAbsent(t.name, t) != null) throw new IllegalArgumentException("duplicate tensor name '" + t.name + "'");
        return this;
    }

    /** The alignment the file will use: {@code general.alignment} or 32. */
    public int alignment() {
        GgufMetadata.Entry e = metadata.get("general.alignment");
        if (e == null) return GgufFile.DEFAULT_ALIGNMENT;
        if (!(e.value() instanceof Long a) || a <= 0 || a > (1 << 20) || Long.bitCount(a) != 1) {
            throw new IllegalArgumentException("general.alignment " + e.value() + " is not a power of two up to 2^20");
        }
        return (int) (long) a;
    }

    /** The tensor infos the file will hold, with their data offsets. */
    public List<GgufTensorInfo> tensorInfos() {
        int alignment = alignment();
        List<GgufTensorInfo> infos = new ArrayList<>(tensors.size());
        long offset = 0;
        for (PendingTensor t : tensors.values()) {
            infos.add(new GgufTensorInfo(t.name, t.type, t.ne, offset));
            offset = GgufFile.alignUp(Math.addExact(offset, t.byteSize()), alignment);
        }
        return infos;
    }

    /** Writes the file, replacing {@code path}. */
    public void write(Path path) throws IOException {
        int alignment = alignment();
        List<GgufTensorInfo> infos = tensorInfos();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
             ChannelSink out = new ChannelSink(ch)) {
            out.i32(GgufFile.MAGIC);
            out.i32(3);
            out.i64(tensors.size());
            out.i64(metadata.size());
            for (GgufMetadata.Entry e : metadata.values()) {
                out.string(e.key());
                out.i32(e.type().id());
                writeValue(out, e);
            }
            for (GgufTensorInfo t : infos) {
                out.string(t.name());
                out.i32(t.nDims());
                for (long d : t.ne()) out.i64(d);
                out.i32(t.type().id);
                out.i64(t.offset());
            }
            out.zeros(GgufFile.alignUp(out.position(), alignment) - out.position());
            for (PendingTensor t : tensors.values()) {
                switch (t.source) {
                    case TensorSource.Raw raw -> out.bytes(raw.bytes());
                    case TensorSource.Floats floats -> writeEncoded(out, t.type, t.ne[0], floats.values());
                    case TensorSource.Rows rows -> writeStreamed(out, t.type, t.ne[0], elementCount(t.ne) / t.ne[0], rows.rows());
                }
                out.zeros(GgufFile.alignUp(out.position(), alignment) - out.position());
            }
        }
    }

    /** Encodes whole rows at a time, about a chunk's worth per call, so no full copy of the tensor is built. */
    private static void writeEncoded(ChannelSink out, GgmlType type, long rowLength, float[] values) throws IOException {
        long rowBytes = type.byteSize(rowLength);
        int rowsPerChunk = (int) Math.max(1, CHUNK_BYTES / rowBytes);
        int rows = (int) (values.length / rowLength);
        byte[] buffer = new byte[(int) (Math.min(rowsPerChunk, rows) * rowBytes)];
        MemorySegment segment = MemorySegment.ofArray(buffer);
        for (int row = 0; row < rows; row += rowsPerChunk) {
            int n = Math.min(rowsPerChunk, rows - row);
            GgmlQuantizer.quantize(type, values, (int) (row * rowLength), (int) (n * rowLength), segment, 0);
            out.bytes(segment.asSlice(0, n * rowBytes));
        }
    }

    /**
     * Generates and encodes a streamed tensor in slices of about a chunk per thread, the slices of one round
     * in parallel (k-quant encoding is slow and the tensors of a synthetic model are GBs), written in order.
     */
    private static void writeStreamed(ChannelSink out, GgmlType type, long rowLength, long rows, RowSource source) throws IOException {
        long rowBytes = type.byteSize(rowLength);
        int rowsPerSlice = (int) Math.max(1, Math.min(CHUNK_BYTES / rowBytes, (1 << 22) / rowLength));
        int slices = Math.max(1, Runtime.getRuntime().availableProcessors());
        float[][] values = new float[slices][(int) (rowsPerSlice * rowLength)];
        byte[][] encoded = new byte[slices][(int) (rowsPerSlice * rowBytes)];
        for (long row = 0; row < rows; row += (long) rowsPerSlice * slices) {
            long first = row;
            int active = (int) Math.min(slices, (rows - row + rowsPerSlice - 1) / rowsPerSlice);
            java.util.stream.IntStream.range(0, active).parallel().forEach(i -> {
                long r0 = first + (long) i * rowsPerSlice;
                int n = (int) Math.min(rowsPerSlice, rows - r0);
                source.fill(r0, n, values[i]);
                GgmlQuantizer.quantize(type, values[i], 0, (int) (n * rowLength), MemorySegment.ofArray(encoded[i]), 0);
            });
            for (int i = 0; i < active; i++) {
                long r0 = first + (long) i * rowsPerSlice;
                int n = (int) Math.min(rowsPerSlice, rows - r0);
                out.bytes(MemorySegment.ofArray(encoded[i]).asSlice(0, n * rowBytes));
            }
        }
    }

    private static void writeValue(ChannelSink out, GgufMetadata.Entry e) throws IOException {
        if (e.type() != GgufValueType.ARRAY) {
            writeScalar(out, e.type(), e.value());
            return;
        }
        out.i32(e.elementType().id());
        switch (e.value()) {
            case long[] a -> {
                out.i64(a.length);
                for (long v : a) writeScalar(out, e.elementType(), v);
            }
            case float[] a -> {
                out.i64(a.length);
                for (float v : a) out.f32(v);
            }
            case double[] a -> {
                out.i64(a.length);
                for (double v : a) out.f64(v);
            }
            case boolean[] a -> {
                out.i64(a.length);
                for (boolean v : a) out.i8(v ? 1 : 0);
            }
            case List<?> list -> {
                out.i64(list.size());
                for (Object item : list) {
                    if (item instanceof GgufMetadata.Entry inner) writeValue(out, inner);
                    else out.string((String) item);
                }
            }
            default -> throw new IllegalStateException();
        }
    }

    private static void writeScalar(ChannelSink out, GgufValueType type, Object value) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.i8((int) (long) (Long) value);
            case UINT16, INT16 -> out.i16((int) (long) (Long) value);
            case UINT32, INT32 -> out.i32((int) (long) (Long) value);
            case UINT64, INT64 -> out.i64((Long) value);
            case FLOAT32 -> out.f32((Float) value);
            case FLOAT64 -> out.f64((Double) value);
            case BOOL -> out.i8((Boolean) value ? 1 : 0);
            case STRING -> out.string((String) value);
            case ARRAY -> throw new IllegalStateException();
        }
    }

    private static void checkEntry(GgufMetadata.Entry e, int depth) {
        if (e.key() == null || e.type() == null) throw new IllegalArgumentException("metadata entry without key or type: " + e);
        if (e.type() != GgufValueType.ARRAY) {
            if (e.elementType() != null) throw new IllegalArgumentException("scalar '" + e.key() + "' with an element type");
            checkScalar(e.key(), e.type(), e.value());
            return;
        }
        if (depth > 8) throw new IllegalArgumentException("array '" + e.key() + "' is nested too deeply");
        GgufValueType elem = e.elementType();
        if (elem == null) throw new IllegalArgumentException("array '" + e.key() + "' without an element type");
        boolean ok = switch (elem) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                if (!(e.value() instanceof long[] a)) yield false;
                for (long v : a) checkScalar(e.key(), elem, v);
                yield true;
            }
            case FLOAT32 -> e.value() instanceof float[];
            case FLOAT64 -> e.value() instanceof double[];
            case BOOL -> e.value() instanceof boolean[];
            case STRING -> e.value() instanceof List<?> l && l.stream().allMatch(String.class::isInstance);
            case ARRAY -> {
                if (!(e.value() instanceof List<?> l)) yield false;
                for (Object item : l) {
                    if (!(item instanceof GgufMetadata.Entry inner) || inner.type() != GgufValueType.ARRAY) yield false;
                    checkEntry(inner, depth + 1);
                }
                yield true;
            }
        };
        if (!ok) throw new IllegalArgumentException("array '" + e.key() + "' of " + elem + " cannot hold " + describeClass(e.value()));
    }

    private static void checkScalar(String key, GgufValueType type, Object value) {
        boolean ok = switch (type) {
            case UINT8 -> value instanceof Long v && v >= 0 && v <= 0xFF;
            case INT8 -> value instanceof Long v && v == (byte) (long) v;
            case UINT16 -> value instanceof Long v && v >= 0 && v <= 0xFFFF;
            case INT16 -> value instanceof Long v && v == (short) (long) v;
            case UINT32 -> value instanceof Long v && v >= 0 && v <= 0xFFFF_FFFFL;
            case INT32 -> value instanceof Long v && v == (int) (long) v;
            case UINT64, INT64 -> value instanceof Long;
            case FLOAT32 -> value instanceof Float;
            case FLOAT64 -> value instanceof Double;
            case BOOL -> value instanceof Boolean;
            case STRING -> value instanceof String;
            case ARRAY -> false;
        };
        if (!ok) throw new IllegalArgumentException("metadata '" + key + "' of type " + type + " cannot hold " + describeClass(value) + " " + value);
    }

    private static String describeClass(Object v) {
        return v == null ? "null" : v.getClass().getSimpleName();
    }

    private static long[] checkShape(String name, GgmlType type, long[] ne) {
        if (ne.length < 1 || ne.length > GgufFile.MAX_DIMS) {
            throw new IllegalArgumentException("tensor '" + name + "' has " + ne.length + " dimensions (1 to " + GgufFile.MAX_DIMS + ")");
        }
        for (long d : ne) if (d <= 0) throw new IllegalArgumentException("tensor '" + name + "' has dimension " + d);
        if (ne[0] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor '" + name + "' row length " + ne[0] + " is not a multiple of the " + type + " block size");
        }
        return ne.clone();
    }

    private static long elementCount(long[] ne) {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    /** A little-endian buffered sink over a FileChannel that tracks its position. */
    private static final class ChannelSink implements AutoCloseable {
        private final FileChannel channel;
        private final ByteBuffer buffer = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private long flushed;

        ChannelSink(FileChannel channel) {
            this.channel = channel;
        }

        long position() {
            return flushed + buffer.position();
        }

        private void room(int n) throws IOException {
            if (buffer.remaining() < n) flush();
        }

        void i8(int v) throws IOException {
            room(1);
            buffer.put((byte) v);
        }

        void i16(int v) throws IOException {
            room(2);
            buffer.putShort((short) v);
        }

        void i32(int v) throws IOException {
            room(4);
            buffer.putInt(v);
        }

        void i64(long v) throws IOException {
            room(8);
            buffer.putLong(v);
        }

        void f32(float v) throws IOException {
            room(4);
            buffer.putFloat(v);
        }

        void f64(double v) throws IOException {
            room(8);
            buffer.putDouble(v);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(MemorySegment.ofArray(b));
        }

        void zeros(long n) throws IOException {
            for (long i = 0; i < n; i++) i8(0);
        }

        void bytes(MemorySegment src) throws IOException {
            long done = 0, size = src.byteSize();
            while (done < size) {
                if (!buffer.hasRemaining()) flush();
                int n = (int) Math.min(buffer.remaining(), size - done);
                MemorySegment.copy(src, ValueLayout.JAVA_BYTE, done, buffer.array(), buffer.position(), n);
                buffer.position(buffer.position() + n);
                done += n;
            }
        }

        void flush() throws IOException {
            buffer.flip();
            while (buffer.hasRemaining()) flushed += channel.write(buffer);
            buffer.clear();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}

package io.qwen4j.gguf;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), memory-mapped whole through {@code java.lang.foreign}: no size limit,
 * nothing copied to the heap but the header. Tensors are exposed in place as slices of the mapping, or of a
 * copy in huge pages ({@link Memory#HUGE_PAGES}, which the serve and bench commands use by default).
 *
 * <p>Every count, length and offset read from the file is checked against what the file can hold before
 * anything is allocated, so a truncated, corrupt or hostile file fails with a {@link GgufFormatException}
 * naming the problem, never with an OutOfMemoryError or a crash. The decoded header's heap use is capped too
 * (half the heap, at most 1 GiB), and names quoted in messages are escaped and shortened.
 */
public final class GgufFile implements AutoCloseable {

    public static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian int
    public static final int DEFAULT_ALIGNMENT = 32;
    static final int MAX_DIMS = 4;
    private static final int MAX_ARRAY_NESTING = 8;
    // Rough heap costs used to cap the decoded header (object headers, references, boxed values).
    private static final long STRING_HEAP_BYTES = 56;
    private static final long ENTRY_HEAP_BYTES = 64;
    private static final long TENSOR_INFO_HEAP_BYTES = 160;

    /**
     * Where the file's bytes live once opened. {@code MAPPED}: the file mapped read-only, nothing copied, open in
     * microseconds, pages shared with the page cache (4 KiB pages). {@code HUGE_PAGES}: copied once into anonymous
     * memory advised as 2 MiB transparent huge pages (llama.cpp's {@code --no-mmap}, plus huge pages): as much
     * private memory as the file, a copy at load (about a second per few GB), and decode streams the weights
     * without a TLB miss every 4 KiB — measured 2-8 % faster decode on the 2-core Zen 4 VM.
     */
    public enum Memory { MAPPED, HUGE_PAGES }

    private final Path path;
    private final Arena arena;
    private Memory memory = Memory.MAPPED;
    private String memoryNote = "memory-mapped";
    private final MemorySegment mapping;
    private final int version;
    private final GgufMetadata metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final long dataOffset;
    private final int alignment;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, int version, GgufMetadata metadata,
                     Map<String, GgufTensorInfo> tensors, long dataOffset, int alignment) {
        this.path = path;
        this.arena = arena;
        this.mapping = mapping;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.dataOffset = dataOffset;
        this.alignment = alignment;
    }

    /** Maps and parses {@code path}. The mapping lives until {@link #close()}. */
    public static GgufFile open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new NoSuchFileException(path.toString(), null, "not a regular file");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new GgufFormatException(path + ": file of " + size + " bytes is too short to be GGUF");
            MemorySegment mapping = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            return parse(path, arena, mapping);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Opens {@code path} with its bytes in {@code wanted} memory. {@code HUGE_PAGES} falls back to the mapping,
     * saying why in {@link #memoryNote()}, where it cannot be had: not Linux, no native access, less memory
     * available than the file, or the allocation refused.
     */
    public static GgufFile open(Path path, Memory wanted) throws IOException {
        GgufFile mapped = open(path);
        if (wanted == Memory.MAPPED) return mapped;
        String why = hugePagesUnavailable(mapped.mapping.byteSize());
        MemorySegment copy = null;
        Arena arena = null;
        if (why == null) {
            arena = Arena.ofShared();
            copy = HugePages.allocate(mapped.mapping.byteSize(), arena);
            if (copy == null) why = "the huge-page allocation was refused";
        }
        if (why != null) {
            if (arena != null) arena.close();
            mapped.memoryNote = "memory-mapped (no huge-page copy: " + why + ")";
            return mapped;
        }
        try {
            long hugeBefore = HugePages.anonHugePagesBytes();
            MemorySegment.copy(mapped.mapping, 0, copy, 0, copy.byteSize());
            long huge = HugePages.anonHugePagesBytes() - hugeBefore;
            GgufFile copied = new GgufFile(path, arena, copy, mapped.version, mapped.metadata, mapped.tensors, mapped.dataOffset, mapped.alignment);
            copied.memory = Memory.HUGE_PAGES;
            copied.memoryNote = "copied into anonymous memory, " + size(copy.byteSize()) + " (" + size(Math.max(0, huge))
                    + " of it in 2 MiB huge pages)";
            mapped.close();
            return copied;
        } catch (RuntimeException | Error e) {
            arena.close();
            mapped.close();
            throw e;
        }
    }

    private static String size(long bytes) {
        return bytes >= 1_000_000_000L ? String.format(java.util.Locale.ROOT, "%.2f GB", bytes / 1e9)
                : String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** Why a huge-page copy of {@code bytes} cannot be made here, or null when it can. */
    private static String hugePagesUnavailable(long bytes) {
        if (!HugePages.available()) return "not Linux, or native access not enabled";
        long available = HugePages.memAvailableBytes();
        // Leave room for the rest of the process and the machine: the copy must never push it into swap or the OOM killer.
        if (available >= 0 && bytes + (512L << 20) > available) {
            return String.format(java.util.Locale.ROOT, "%.2f GB available, the file is %.2f GB", available / 1e9, bytes / 1e9);
        }
        return null;
    }

    /** Where this file's bytes are: {@link Memory#HUGE_PAGES} only when the copy was made. */
    public Memory memory() {
        return memory;
    }

    /** What {@link #open(Path, Memory)} did, in words, for a log line. */
    public String memoryNote() {
        return memoryNote;
    }

    /** Parses GGUF bytes already in memory (the segment must outlive the returned file). */
    public static GgufFile parse(MemorySegment bytes) throws GgufFormatException {
        return parse(null, null, bytes, defaultHeaderMemoryLimit());
    }

    /** As {@link #parse(MemorySegment)} with an explicit cap on the heap the decoded header may take. */
    static GgufFile parse(MemorySegment bytes, long headerMemoryLimit) throws GgufFormatException {
        return parse(null, null, bytes, headerMemoryLimit);
    }

    /**
     * The decoded header (strings, arrays) may take at most this much heap: a GGUF header is O(file size) when
     * decoded, but with a large constant for millions of tiny strings, so a hostile file could otherwise exhaust
     * the heap. Real headers (a 150k-token vocabulary) take tens of MB.
     */
    static long defaultHeaderMemoryLimit() {
        return Math.min(1L << 30, Runtime.getRuntime().maxMemory() / 2);
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping) throws GgufFormatException {
        return parse(path, arena, mapping, defaultHeaderMemoryLimit());
    }

    private static GgufFile parse(Path path, Arena arena, MemorySegment mapping, long headerMemoryLimit) throws GgufFormatException {
        String where = path == null ? "GGUF" : path.toString();
        Cursor in = new Cursor(mapping, where, headerMemoryLimit);
        int magic = in.i32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(where + ": not a GGUF file (magic " + String.format("0x%08x", magic) + ", expected \"GGUF\")");
        }
        int version = in.i32("version");
        if (version != 2 && version != 3) {
            throw new GgufFormatException(where + ": unsupported GGUF version " + Integer.toUnsignedString(version) + " (2 and 3 are supported)");
        }
        long tensorCount = in.u64("tensor count");
        long kvCount = in.u64("metadata count");
        // Each metadata entry takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8 + 4 + 8 + 4 + 8.
        if (kvCount < 0 || kvCount > in.remaining() / 13) {
            throw new GgufFormatException(where + ": metadata count " + Long.toUnsignedString(kvCount) + " is more than the file can hold");
        }
        if (tensorCount < 0 || tensorCount > in.remaining() / 32) {
            throw new GgufFormatException(where + ": tensor count " + Long.toUnsignedString(tensorCount) + " is more than the file can hold");
        }

        Map<String, GgufMetadata.Entry> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string("metadata key #" + i);
            String shown = printable(key);
            in.charge(ENTRY_HEAP_BYTES, "metadata '" + shown + "'");
            int typeId = in.i32("type of '" + shown + "'");
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw new GgufFormatException(where + ": metadata '" + shown + "' has unknown value type " + typeId);
            GgufMetadata.Entry entry = readValue(in, key, shown, type, 0);
            if (kv.put(key, entry) != null) throw new GgufFormatException(where + ": duplicate metadata key '" + shown + "'");
        }
        GgufMetadata metadata = new GgufMetadata(kv);

        int alignment = DEFAULT_ALIGNMENT;
        if (metadata.has("general.alignment")) {
            Object a = metadata.get("general.alignment");
            if (!(a instanceof Long l) || l <= 0 || l > (1 << 20) || Long.bitCount(l) != 1) {
                throw new GgufFormatException(where + ": general.alignment " + a + " is not a power of two");
            }
            alignment = (int) (long) l;
        }

        // The count is only bounded by the file size, so the list grows as infos are actually read.
        List<GgufTensorInfo> infos = new ArrayList<>((int) Math.min(tensorCount, 1024));
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string("name of tensor #" + i);
            String shownName = printable(name);
            in.charge(TENSOR_INFO_HEAP_BYTES, "tensor '" + shownName + "'");
            int nDims = in.i32("dimension count of tensor '" + shownName + "'");
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new GgufFormatException(where + ": tensor '" + shownName + "' has " + Integer.toUnsignedString(nDims) + " dimensions (1 to " + MAX_DIMS + " allowed)");
            }
            long[] ne = new long[nDims];
            long elements = 1;
            for (int d = 0; d < nDims; d++) {
                ne[d] = in.u64("dimension " + d + " of tensor '" + shownName + "'");
                if (ne[d] <= 0) {
                    throw new GgufFormatException(where + ": tensor '" + shownName + "' has invalid dimension " + Long.toUnsignedString(ne[d]));
                }
                try {
                    elements = Math.multiplyExact(elements, ne[d]);
                } catch (ArithmeticException e) {
                    throw new GgufFormatException(where + ": tensor '" + shownName + "' has too many elements " + Arrays.toString(ne));
                }
            }
            int typeId = in.i32("type of tensor '" + shownName + "'");
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) throw new GgufFormatException(where + ": tensor '" + shownName + "' has unknown or unsupported type " + typeId);
            if (ne[0] % type.blockSize != 0) {
                throw new GgufFormatException(where + ": tensor '" + shownName + "' row length " + ne[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
            }
            if (elements / type.blockSize > Long.MAX_VALUE / type.typeSize) {
                throw new GgufFormatException(where + ": tensor '" + shownName + "' is too large");
            }
            long offset = in.u64("offset of tensor '" + shownName + "'");
            if (offset < 0 || offset % alignment != 0) {
                throw new GgufFormatException(where + ": tensor '" + shownName + "' offset " + Long.toUnsignedString(offset) + " is not aligned to " + alignment);
            }
            GgufTensorInfo info = new GgufTensorInfo(name, type, ne, offset);
            if (byName.put(name, info) != null) throw new GgufFormatException(where + ": duplicate tensor name '" + shownName + "'");
            infos.add(info);
        }

        long dataOffset = alignUp(in.position(), alignment);
        long dataSize = mapping.byteSize() - dataOffset;
        if (tensorCount > 0 && dataSize < 0) {
            throw new GgufFormatException(where + ": file ends before its tensor data (truncated)");
        }
        List<GgufTensorInfo> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(GgufTensorInfo::offset));
        long end = 0;
        GgufTensorInfo previous = null;
        for (GgufTensorInfo t : byOffset) {
            if (t.offset() < end) {
                throw new GgufFormatException(where + ": tensor '" + printable(t.name()) + "' overlaps tensor '" + printable(previous.name()) + "'");
            }
            long size = t.byteSize();
            if (t.offset() > dataSize || size > dataSize - t.offset()) {
                throw new GgufFormatException(where + ": tensor '" + printable(t.name()) + "' (" + size + " bytes at data offset " + t.offset()
                        + ") extends past the end of the file (truncated?)");
            }
            end = t.offset() + size;
            previous = t;
        }
        return new GgufFile(path, arena, mapping, version, metadata, Collections.unmodifiableMap(byName), dataOffset, alignment);
    }

    /** Reads the value of {@code key}; {@code shown} is the key as error messages print it. */
    private static GgufMetadata.Entry readValue(Cursor in, String key, String shown, GgufValueType type, int depth) throws GgufFormatException {
        if (type != GgufValueType.ARRAY) return new GgufMetadata.Entry(key, type, null, readScalar(in, shown, type));
        int elemId = in.i32("array type of '" + shown + "'");
        GgufValueType elem = GgufValueType.byId(elemId);
        if (elem == null) throw new GgufFormatException(in.where + ": array '" + shown + "' has unknown element type " + elemId);
        long n = in.u64("array length of '" + shown + "'");
        if (n < 0 || n > in.remaining() / elem.minBytes || n > Integer.MAX_VALUE - 8) {
            throw new GgufFormatException(in.where + ": array '" + shown + "' length " + Long.toUnsignedString(n) + " is more than the file can hold");
        }
        int len = (int) n;
        in.charge(16 + n * switch (elem) {
            case BOOL -> 1;
            case FLOAT32 -> 4;
            case STRING -> 8; // the reference; each string is charged as it is read
            case ARRAY -> 8 + ENTRY_HEAP_BYTES;
            default -> 8;
        }, "array '" + shown + "'");
        Object value = switch (elem) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> {
                long[] a = new long[len];
                for (int i = 0; i < len; i++) a[i] = (Long) readScalar(in, shown, elem);
                yield a;
            }
            case FLOAT32 -> {
                float[] a = new float[len];
                for (int i = 0; i < len; i++) a[i] = in.f32(shown);
                yield a;
            }
            case FLOAT64 -> {
                double[] a = new double[len];
                for (int i = 0; i < len; i++) a[i] = in.f64(shown);
                yield a;
            }
            case BOOL -> {
                boolean[] a = new boolean[len];
                for (int i = 0; i < len; i++) a[i] = (Boolean) readScalar(in, shown, elem);
                yield a;
            }
            case STRING -> {
                String[] a = new String[len];
                for (int i = 0; i < len; i++) a[i] = in.string(shown);
                yield List.of(a);
            }
            case ARRAY -> {
                if (depth >= MAX_ARRAY_NESTING) throw new GgufFormatException(in.where + ": array '" + shown + "' is nested too deeply");
                // Each inner array is an ARRAY-typed entry of its own (keyed "key[i]") so its element type survives.
                List<Object> a = new ArrayList<>(len);
                for (int i = 0; i < len; i++) {
                    a.add(readValue(in, key + "[" + i + "]", shown + "[" + i + "]", GgufValueType.ARRAY, depth + 1));
                }
                yield Collections.unmodifiableList(a);
            }
        };
        return new GgufMetadata.Entry(key, type, elem, value);
    }

    private static Object readScalar(Cursor in, String shown, GgufValueType type) throws GgufFormatException {
        return switch (type) {
            case UINT8 -> (long) Byte.toUnsignedInt(in.i8(shown));
            case INT8 -> (long) in.i8(shown);
            case UINT16 -> (long) Short.toUnsignedInt(in.i16(shown));
            case INT16 -> (long) in.i16(shown);
            case UINT32 -> Integer.toUnsignedLong(in.i32(shown));
            case INT32 -> (long) in.i32(shown);
            case UINT64, INT64 -> in.u64(shown);
            case FLOAT32 -> in.f32(shown);
            case FLOAT64 -> in.f64(shown);
            case BOOL -> {
                byte b = in.i8(shown);
                if (b != 0 && b != 1) throw new GgufFormatException(in.where + ": metadata '" + shown + "' has invalid bool " + b);
                yield b == 1;
            }
            case STRING -> in.string(shown);
            case ARRAY -> throw new IllegalStateException();
        };
    }

    /**
     * A name from the file as messages show it: control and non-ASCII-printable characters escaped, cut to 80
     * characters, so a hostile name can neither bloat an exception nor inject terminal codes into a log.
     */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), 90));
        for (int i = 0; i < s.length() && sb.length() < 80; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f || Character.isLetterOrDigit(c)) sb.append(c);
            else sb.append(String.format("\\u%04x", (int) c));
        }
        if (sb.length() >= 80 && s.length() > 80) sb.append("…(").append(s.length()).append(" chars)");
        return sb.toString();
    }

    static long alignUp(long x, int alignment) {
        return (x + alignment - 1) / alignment * alignment;
    }

    /** Bounds-checked little-endian reads over the mapping. */
    private static final class Cursor {
        private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

        final MemorySegment seg;
        final String where;
        final long memoryLimit;
        long pos;
        long memoryCharged;

        Cursor(MemorySegment seg, String where, long memoryLimit) {
            this.seg = seg;
            this.where = where;
            this.memoryLimit = memoryLimit;
        }

        /** Accounts for heap the decoded header is about to take; fails before the allocation when over the cap. */
        void charge(long bytes, String what) throws GgufFormatException {
            memoryCharged += bytes;
            if (memoryCharged > memoryLimit) {
                throw new GgufFormatException(where + ": header too large: decoding " + what + " would take the header past "
                        + memoryLimit + " bytes of memory");
            }
        }

        long position() {
            return pos;
        }

        long remaining() {
            return seg.byteSize() - pos;
        }

        private void need(long n, String what) throws GgufFormatException {
            if (n > remaining()) {
                throw new GgufFormatException(where + ": file ends while reading " + what + " at byte " + pos + " (truncated)");
            }
        }

        byte i8(String what) throws GgufFormatException {
            need(1, what);
            return seg.get(ValueLayout.JAVA_BYTE, pos++);
        }

        short i16(String what) throws GgufFormatException {
            need(2, what);
            short v = seg.get(I16, pos);
            pos += 2;
            return v;
        }

        int i32(String what) throws GgufFormatException {
            need(4, what);
            int v = seg.get(I32, pos);
            pos += 4;
            return v;
        }

        long u64(String what) throws GgufFormatException {
            need(8, what);
            long v = seg.get(I64, pos);
            pos += 8;
            return v;
        }

        float f32(String what) throws GgufFormatException {
            need(4, what);
            float v = seg.get(F32, pos);
            pos += 4;
            return v;
        }

        double f64(String what) throws GgufFormatException {
            need(8, what);
            double v = seg.get(F64, pos);
            pos += 8;
            return v;
        }

        String string(String what) throws GgufFormatException {
            long len = u64("length of " + what);
            if (len < 0 || len > remaining() || len > Integer.MAX_VALUE - 8) {
                throw new GgufFormatException(where + ": string length " + Long.toUnsignedString(len) + " of " + what + " exceeds the file (truncated or corrupt)");
            }
            charge(STRING_HEAP_BYTES + 2 * len, what);
            byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public GgufMetadata metadata() {
        return metadata;
    }

    /** Tensor infos by name, in file order. */
    public Map<String, GgufTensorInfo> tensorInfos() {
        return tensors;
    }

    public GgufTensorInfo tensorInfo(String name) {
        return tensors.get(name);
    }

    public long dataOffset() {
        return dataOffset;
    }

    public int alignment() {
        return alignment;
    }

    /** The whole file's bytes (the mapping, or the huge-page copy). */
    public MemorySegment mapping() {
        return mapping;
    }

    /** The bytes of a tensor, in place in the mapping (no copy). */
    public MemorySegment tensorData(GgufTensorInfo info) {
        return mapping.asSlice(dataOffset + info.offset(), info.byteSize());
    }

    /** The named tensor's bytes in place, or an exception naming the missing tensor. */
    public MemorySegment tensorData(String name) throws GgufFormatException {
        GgufTensorInfo info = tensors.get(name);
        if (info == null) throw new GgufFormatException((path == null ? "GGUF" : path.toString()) + ": tensor '" + name + "' is missing");
        return tensorData(info);
    }

    /**
     * llama.cpp's name for {@code general.file_type} (the llama_ftype the file was converted or quantised to,
     * e.g. "Q4_K_M"), or null when the key is absent.
     */
    public String fileTypeName() {
        if (!(metadata.get("general.file_type") instanceof Long id)) return null;
        return LlamaFileType.name(id);
    }

    /** A short human-readable summary: architecture, name, file type, tensor count, type histogram, size. */
    public String describe() {
        Map<GgmlType, Integer> typeCounts = new java.util.EnumMap<>(GgmlType.class);
        Map<GgmlType, Long> typeBytes = new java.util.EnumMap<>(GgmlType.class);
        long parameters = 0;
        for (GgufTensorInfo t : tensors.values()) {
            typeCounts.merge(t.type(), 1, Integer::sum);
            typeBytes.merge(t.type(), t.byteSize(), Long::sum);
            parameters += t.elementCount();
        }
        StringBuilder sb = new StringBuilder();
        sb.append(metadata.getString("general.architecture", "(no architecture)"));
        String name = metadata.getString("general.name", null);
        if (name != null) sb.append(" '").append(name).append('\'');
        sb.append(", GGUF v").append(version);
        String fileType = fileTypeName();
        if (fileType != null) sb.append(", file type ").append(fileType);
        sb.append(", ").append(humanBytes(mapping.byteSize())).append('\n');
        sb.append("  ").append(metadata.keys().size()).append(" metadata keys, ").append(tensors.size()).append(" tensors, ")
                .append(String.format("%,d", parameters)).append(" parameters, data at byte ").append(dataOffset)
                .append(" (alignment ").append(alignment).append(")\n");
        if (!typeCounts.isEmpty()) {
            sb.append("  tensor types:");
            typeCounts.forEach((type, count) -> sb.append(' ').append(type).append(" x").append(count)
                    .append(" (").append(humanBytes(typeBytes.get(type))).append(')'));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String humanBytes(long n) {
        if (n < 1024) return n + " B";
        if (n < 1024 * 1024) return String.format("%.1f KiB", n / 1024.0);
        if (n < 1024L * 1024 * 1024) return String.format("%.1f MiB", n / (1024.0 * 1024));
        return String.format("%.2f GiB", n / (1024.0 * 1024 * 1024));
    }

    @Override
    public String toString() {
        return (path == null ? "GGUF" : path.toString()) + ": " + describe().lines().findFirst().orElse("");
    }

    @Override
    public void close() {
        if (arena != null) arena.close();
    }
}

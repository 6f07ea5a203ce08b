package io.qwen4j.gguf;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per named kind of hostile file; each asserts the message names the problem. */
class GgufHostileFileTest {

    @TempDir
    Path tmp;
    private byte[] file;
    private GgufLayoutMap map;

    /** A small valid file: two keys (a string and a string array), three tensors. */
    @BeforeEach
    void writeValidFile() throws Exception {
        Path p = tmp.resolve("valid.gguf");
        new GgufWriter()
                .putString("general.architecture", "test")
                .putArray("tokens", GgufValueType.STRING, List.of("a", "b", "c"))
                .putArray("hidden", GgufValueType.BOOL, new boolean[] {true})
                .addTensor("first", GgmlType.F32, new long[] {32}, new float[32])
                .addTensor("second", GgmlType.Q4_0, new long[] {32, 2}, new float[64])
                .addTensor("third.", GgmlType.F32, new long[] {8}, new float[8])
                .write(p);
        file = Files.readAllBytes(p);
        map = GgufLayoutMap.of(file);
        try (GgufFile f = GgufFile.parse(MemorySegment.ofArray(file))) {
            assertThat(f.tensorInfos()).hasSize(3);
        }
    }

    private GgufLayoutMap.Field field(GgufLayoutMap.Kind kind, String owner) {
        return map.fields.stream().filter(f -> f.kind() == kind && (owner == null || f.owner().equals(owner))).findFirst().orElseThrow();
    }

    private void set(GgufLayoutMap.Field f, long value) {
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        switch (f.width()) {
            case 1 -> b.put((int) f.offset(), (byte) value);
            case 4 -> b.putInt((int) f.offset(), (int) value);
            default -> b.putLong((int) f.offset(), value);
        }
    }

    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> parsing(byte[] bytes) {
        return assertThatThrownBy(() -> GgufFile.parse(MemorySegment.ofArray(bytes))).isInstanceOf(GgufFormatException.class);
    }

    private org.assertj.core.api.AbstractThrowableAssert<?, ? extends Throwable> parsing() {
        return parsing(file);
    }

    @Test
    void wrongMagic() {
        set(field(GgufLayoutMap.Kind.MAGIC, null), 0x46554746);
        parsing().hasMessageContaining("not a GGUF file");
    }

    @Test
    void unsupportedVersion() {
        set(field(GgufLayoutMap.Kind.VERSION, null), 4);
        parsing().hasMessageContaining("unsupported GGUF version 4");
    }

    @Test
    void absurdTensorCount() {
        set(field(GgufLayoutMap.Kind.TENSOR_COUNT, null), Long.MIN_VALUE);
        parsing().hasMessageContaining("tensor count 9223372036854775808 is more than the file can hold");
    }

    @Test
    void absurdMetadataCount() {
        set(field(GgufLayoutMap.Kind.KV_COUNT, null), -1);
        parsing().hasMessageContaining("metadata count 18446744073709551615 is more than the file can hold");
    }

    @Test
    void absurdStringLength() {
        set(field(GgufLayoutMap.Kind.STRING_LENGTH, "general.architecture"), 1L << 40);
        parsing().hasMessageContaining("string length 1099511627776 of general.architecture exceeds the file");
    }

    @Test
    void absurdArrayLength() {
        set(field(GgufLayoutMap.Kind.ARRAY_LENGTH, "tokens"), 1L << 62);
        parsing().hasMessageContaining("array 'tokens' length 4611686018427387904 is more than the file can hold");
    }

    @Test
    void unknownValueType() {
        set(field(GgufLayoutMap.Kind.VALUE_TYPE, "tokens"), 13);
        parsing().hasMessageContaining("metadata 'tokens' has unknown value type 13");
    }

    @Test
    void unknownArrayElementType() {
        set(field(GgufLayoutMap.Kind.ARRAY_TYPE, "tokens"), -7);
        parsing().hasMessageContaining("array 'tokens' has unknown element type -7");
    }

    @Test
    void invalidBool() {
        set(field(GgufLayoutMap.Kind.BOOL, "hidden"), 2);
        parsing().hasMessageContaining("metadata 'hidden' has invalid bool 2");
    }

    @Test
    void unknownTensorType() {
        set(field(GgufLayoutMap.Kind.TENSOR_TYPE, "second"), 1000);
        parsing().hasMessageContaining("tensor 'second' has unknown or unsupported type 1000");
    }

    @Test
    void tooManyDimensions() {
        set(field(GgufLayoutMap.Kind.N_DIMS, "first"), 5);
        parsing().hasMessageContaining("tensor 'first' has 5 dimensions (1 to 4 allowed)");
    }

    @Test
    void zeroOrNegativeDimension() {
        set(field(GgufLayoutMap.Kind.DIM, "first"), 0);
        parsing().hasMessageContaining("tensor 'first' has invalid dimension 0");
        set(field(GgufLayoutMap.Kind.DIM, "first"), -1);
        parsing().hasMessageContaining("tensor 'first' has invalid dimension 18446744073709551615");
    }

    @Test
    void elementCountOverflow() {
        List<GgufLayoutMap.Field> dims = map.fields.stream().filter(f -> f.kind() == GgufLayoutMap.Kind.DIM && f.owner().equals("second")).toList();
        set(dims.get(0), 1L << 40);
        set(dims.get(1), 1L << 40);
        parsing().hasMessageContaining("tensor 'second' has too many elements");
    }

    @Test
    void rowLengthNotAWholeNumberOfBlocks() {
        set(field(GgufLayoutMap.Kind.DIM, "second"), 48);
        parsing().hasMessageContaining("tensor 'second' row length 48 is not a multiple of the Q4_0 block size 32");
    }

    @Test
    void offsetPastTheEnd() {
        set(field(GgufLayoutMap.Kind.TENSOR_OFFSET, "third."), 1L << 20);
        parsing().hasMessageContaining("tensor 'third.'").hasMessageContaining("extends past the end of the file");
        set(field(GgufLayoutMap.Kind.TENSOR_OFFSET, "third."), Long.MIN_VALUE);
        parsing().hasMessageContaining("tensor 'third.' offset 9223372036854775808");
    }

    @Test
    void unalignedOffset() {
        set(field(GgufLayoutMap.Kind.TENSOR_OFFSET, "third."), 33);
        parsing().hasMessageContaining("tensor 'third.' offset 33 is not aligned to 32");
    }

    @Test
    void overlappingTensors() {
        set(field(GgufLayoutMap.Kind.TENSOR_OFFSET, "third."), 0);
        parsing().hasMessageContaining("overlaps tensor").hasMessageContaining("'first'").hasMessageContaining("'third.'");
    }

    @Test
    void duplicateTensorName() {
        // "second" renamed to "third." (same length): two tensors called "third.".
        GgufLayoutMap.TensorEntry second = map.tensors.get(1);
        System.arraycopy("third.".getBytes(), 0, file, (int) second.nameOffset(), 6);
        parsing().hasMessageContaining("duplicate tensor name 'third.'");
    }

    @Test
    void duplicateMetadataKey() {
        GgufLayoutMap.KeyEntry hidden = map.keys.stream().filter(k -> k.key().equals("hidden")).findFirst().orElseThrow();
        System.arraycopy("tokens".getBytes(), 0, file, (int) hidden.keyOffset(), 6);
        parsing().hasMessageContaining("duplicate metadata key 'tokens'");
    }

    @Test
    void truncatedCountsHeaderOrDataAreReportedAsTruncated() {
        parsing(Arrays.copyOf(file, 20)).hasMessageContaining("file ends while reading metadata count").hasMessageContaining("truncated");
        parsing(Arrays.copyOf(file, (int) map.headerEnd - 3)).hasMessageContaining("truncated");
        parsing(Arrays.copyOf(file, file.length - 40)).hasMessageContaining("extends past the end of the file (truncated?)");
    }

    @Test
    void absurdAlignment() throws Exception {
        for (long alignment : new long[] {0, 3, 48, 1L << 30}) {
            byte[] bytes = rewrittenWith(w -> w.put(new GgufMetadata.Entry("general.alignment", GgufValueType.UINT32, null, 32L)));
            GgufLayoutMap m = GgufLayoutMap.of(bytes);
            GgufLayoutMap.KeyEntry key = m.keys.stream().filter(k -> k.key().equals("general.alignment")).findFirst().orElseThrow();
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt((int) key.valueTypeOffset() + 4, (int) alignment);
            parsing(bytes).hasMessageContaining("general.alignment " + alignment + " is not a power of two");
        }
        // The right value with a float type (same width) is refused too.
        byte[] asFloat = rewrittenWith(w -> w.putUint32("general.alignment", 32));
        GgufLayoutMap.KeyEntry key = GgufLayoutMap.of(asFloat).keys.stream().filter(k -> k.key().equals("general.alignment")).findFirst().orElseThrow();
        ByteBuffer.wrap(asFloat).order(ByteOrder.LITTLE_ENDIAN).putInt((int) key.valueTypeOffset(), GgufValueType.FLOAT32.id());
        parsing(asFloat).hasMessageContaining("general.alignment 4.5E-44 is not a power of two");
    }

    private byte[] rewrittenWith(java.util.function.Consumer<GgufWriter> change) throws Exception {
        try (GgufFile f = GgufFile.parse(MemorySegment.ofArray(file))) {
            GgufWriter w = new GgufWriter().putAll(f.metadata());
            change.accept(w);
            for (GgufTensorInfo t : f.tensorInfos().values()) w.addTensor(t.name(), t.type(), t.ne(), f.tensorData(t));
            Path p = tmp.resolve("changed.gguf");
            try {
                w.write(p);
            } catch (IllegalArgumentException e) {
                throw new AssertionError(e);
            }
            return Files.readAllBytes(p);
        }
    }

    @Test
    void arraysNestedTooDeeply() {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(1);
        b.putLong(4).put("deep".getBytes()).putInt(GgufValueType.ARRAY.id());
        for (int i = 0; i < 100; i++) b.putInt(GgufValueType.ARRAY.id()).putLong(1);
        b.putInt(GgufValueType.UINT8.id()).putLong(0);
        parsing(Arrays.copyOf(b.array(), b.position())).hasMessageContaining("array 'deep[0][0][0][0][0][0][0][0]' is nested too deeply");
    }

    @Test
    void millionsOfTinyStringsHitTheHeaderMemoryCap() {
        int n = 2_000_000;
        ByteBuffer b = ByteBuffer.allocate(64 + 8 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(GgufFile.MAGIC).putInt(3).putLong(0).putLong(1);
        b.putLong(1).put((byte) 'k').putInt(GgufValueType.ARRAY.id()).putInt(GgufValueType.STRING.id()).putLong(n);
        for (int i = 0; i < n; i++) b.putLong(0);
        MemorySegment bytes = MemorySegment.ofArray(Arrays.copyOf(b.array(), b.position()));
        // 16 MB of file would decode to ~130 MB of empty String objects: over a 64 MB cap it is refused before allocation.
        assertThatThrownBy(() -> GgufFile.parse(bytes, 64L << 20)).isInstanceOf(GgufFormatException.class)
                .hasMessageContaining("header too large").hasMessageContaining("67108864 bytes of memory");
    }

    @Test
    void hostileNamesAreEscapedInMessages() {
        GgufLayoutMap.TensorEntry second = map.tensors.get(1);
        file[(int) second.nameOffset()] = 0x1b; // ESC: a terminal control sequence in a log
        set(field(GgufLayoutMap.Kind.TENSOR_TYPE, "second"), 1000);
        parsing().hasMessageContaining("tensor '\\u001becond' has unknown");
    }
}

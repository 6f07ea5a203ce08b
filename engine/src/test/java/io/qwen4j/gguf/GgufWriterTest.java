package io.qwen4j.gguf;

import io.qwen4j.testing.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufWriterTest {

    @TempDir
    Path tmp;

    /** llama.cpp's layout reproduced exactly: same keys, types, order, tensor offsets, padding. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"models/qwen3vl-tiny-F32.gguf", "models/qwen3vl-tiny-F16.gguf", "models/qwen3vl-tiny-BF16.gguf",
            "models/qwen3vl-tiny-Q8_0.gguf", "models/qwen3vl-tiny-Q4_0.gguf", "models/qwen3vl-tiny-Q4_K_M.gguf",
            "models/qwen3vl-tiny-Q6_K.gguf", "models/mmproj-qwen3vl-tiny-F32.gguf", "models/mmproj-qwen3vl-tiny-F16.gguf",
            "tokenizer/qwen3-vocab.gguf"})
    void rewritingAFixtureGivesTheSameBytes(String fixture) throws Exception {
        Path source = TestData.path(fixture);
        Path copy = tmp.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter.copyOf(f).write(copy);
        }
        assertThat(Files.mismatch(source, copy)).as("first differing byte").isEqualTo(-1L);
    }

    @Test
    void requantisingTheF32ModelWritesTheQ8_0FileByteForByte() throws Exception {
        Path out = tmp.resolve("q8.gguf");
        try (GgufFile f32 = GgufFile.open(TestData.path("models/qwen3vl-tiny-F32.gguf"));
             GgufFile q8 = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q8_0.gguf"))) {
            GgufWriter w = new GgufWriter().putAll(q8.metadata());
            for (GgufTensorInfo t : q8.tensorInfos().values()) {
                w.addTensor(t.name(), t.type(), t.ne(), GgmlDequantizer.dequantize(f32, f32.tensorInfo(t.name())));
            }
            w.write(out);
        }
        assertThat(Files.mismatch(TestData.path("models/qwen3vl-tiny-Q8_0.gguf"), out)).isEqualTo(-1L);
    }

    /** Rows streamed from a source (in parallel slices) encode exactly as the whole float array does. */
    @Test
    void streamedRowsWriteTheSameBytesAsFloatArrays() throws Exception {
        Path streamed = tmp.resolve("streamed.gguf"), whole = tmp.resolve("whole.gguf");
        try (GgufFile f32 = GgufFile.open(TestData.path("models/qwen3vl-tiny-F32.gguf"));
             GgufFile mixed = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"))) {
            GgufWriter a = new GgufWriter().putAll(mixed.metadata()), b = new GgufWriter().putAll(mixed.metadata());
            for (GgufTensorInfo t : mixed.tensorInfos().values()) {
                float[] values = GgmlDequantizer.dequantize(f32, f32.tensorInfo(t.name()));
                int cols = (int) t.dim(0);
                a.addTensor(t.name(), t.type(), t.ne(), (first, n, dst) -> System.arraycopy(values, (int) first * cols, dst, 0, n * cols));
                b.addTensor(t.name(), t.type(), t.ne(), values);
            }
            a.write(streamed);
            b.write(whole);
        }
        assertThat(Files.mismatch(whole, streamed)).isEqualTo(-1L);
        assertThat(Files.mismatch(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"), streamed)).isEqualTo(-1L);
    }

    @Test
    void everyMetadataTypeRoundTrips() throws Exception {
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255L)
                .put("i8", GgufValueType.INT8, -128L)
                .put("u16", GgufValueType.UINT16, 65535L)
                .put("i16", GgufValueType.INT16, -32768L)
                .put("u32", GgufValueType.UINT32, 0xFFFF_FFFFL)
                .put("i32", GgufValueType.INT32, (long) Integer.MIN_VALUE)
                .put("u64", GgufValueType.UINT64, -1L) // 2^64 - 1
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .put("f32", GgufValueType.FLOAT32, -0.0f)
                .put("f32.nan", GgufValueType.FLOAT32, Float.NaN)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .put("bool", GgufValueType.BOOL, true)
                .put("string", GgufValueType.STRING, "héllo wörld 😀 \u0000 end")
                .put("empty", GgufValueType.STRING, "")
                .putArray("a.u8", GgufValueType.UINT8, new long[] {0, 1, 255})
                .putArray("a.i8", GgufValueType.INT8, new long[] {-128, 127})
                .putArray("a.u16", GgufValueType.UINT16, new long[] {65535})
                .putArray("a.i16", GgufValueType.INT16, new long[] {-2, 2})
                .putArray("a.u32", GgufValueType.UINT32, new long[] {0xFFFF_FFFFL})
                .putArray("a.i32", GgufValueType.INT32, new long[] {12, 10, 10, 0})
                .putArray("a.u64", GgufValueType.UINT64, new long[] {-1, 0})
                .putArray("a.i64", GgufValueType.INT64, new long[] {Long.MAX_VALUE})
                .putArray("a.f32", GgufValueType.FLOAT32, new float[] {0.5f, Float.POSITIVE_INFINITY})
                .putArray("a.f64", GgufValueType.FLOAT64, new double[] {1e300})
                .putArray("a.bool", GgufValueType.BOOL, new boolean[] {false, true, true})
                .putArray("a.string", GgufValueType.STRING, List.of("a", "", "ü"))
                .putArray("a.empty", GgufValueType.INT32, new long[0])
                .putArray("a.nested", GgufValueType.ARRAY, List.of(
                        new GgufMetadata.Entry("a.nested[0]", GgufValueType.ARRAY, GgufValueType.UINT16, new long[] {1, 2}),
                        new GgufMetadata.Entry("a.nested[1]", GgufValueType.ARRAY, GgufValueType.STRING, List.of("x")),
                        new GgufMetadata.Entry("a.nested[2]", GgufValueType.ARRAY, GgufValueType.ARRAY, List.of(
                                new GgufMetadata.Entry("a.nested[2][0]", GgufValueType.ARRAY, GgufValueType.BOOL, new boolean[] {true})))))
                .putUint32("general.alignment", 64);
        float[] values = GgmlRoundTripTest.gaussian(3, 1);
        w.addTensor("t.q4k", GgmlType.Q4_K, new long[] {256, 64}, values);
        w.addTensor("t.f32", GgmlType.F32, new long[] {3}, new float[] {1, 2, 3});
        w.addTensor("t.raw", GgmlType.I8, new long[] {5}, MemorySegment.ofArray(new byte[] {1, 2, 3, 4, 5}));
        Path out = tmp.resolve("all.gguf");
        w.write(out);

        try (GgufFile f = GgufFile.open(out)) {
            GgufMetadata m = f.metadata();
            assertThat(List.copyOf(m.keys())).containsExactlyElementsOf(List.of(
                    "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f32.nan", "f64", "bool", "string", "empty",
                    "a.u8", "a.i8", "a.u16", "a.i16", "a.u32", "a.i32", "a.u64", "a.i64", "a.f32", "a.f64", "a.bool",
                    "a.string", "a.empty", "a.nested", "general.alignment"));
            // Written entries equal read entries: same type, element type and value (arrays compared deeply).
            GgufWriter again = GgufWriter.copyOf(f);
            Path out2 = tmp.resolve("again.gguf");
            again.write(out2);
            assertThat(Files.mismatch(out, out2)).isEqualTo(-1L);
            assertThat(m.entry("u8").type()).isEqualTo(GgufValueType.UINT8);
            assertThat(m.get("u8")).isEqualTo(255L);
            assertThat(m.get("i8")).isEqualTo(-128L);
            assertThat(m.get("u16")).isEqualTo(65535L);
            assertThat(m.get("i16")).isEqualTo(-32768L);
            assertThat(m.get("u32")).isEqualTo(0xFFFF_FFFFL);
            assertThat(m.get("i32")).isEqualTo((long) Integer.MIN_VALUE);
            assertThat(m.get("u64")).isEqualTo(-1L);
            assertThat(m.entry("u64").type()).isEqualTo(GgufValueType.UINT64);
            assertThat(m.get("i64")).isEqualTo(Long.MIN_VALUE);
            assertThat(Float.floatToRawIntBits((Float) m.get("f32"))).isEqualTo(Float.floatToRawIntBits(-0.0f));
            assertThat((Float) m.get("f32.nan")).isNaN();
            assertThat(m.get("f64")).isEqualTo(Math.PI);
            assertThat(m.get("bool")).isEqualTo(true);
            assertThat(m.get("string")).isEqualTo("héllo wörld 😀 \u0000 end");
            assertThat(m.get("empty")).isEqualTo("");
            assertThat(m.getLongArray("a.u8")).containsExactly(0, 1, 255);
            assertThat(m.entry("a.u8").elementType()).isEqualTo(GgufValueType.UINT8);
            assertThat(m.getLongArray("a.i8")).containsExactly(-128, 127);
            assertThat(m.getLongArray("a.u16")).containsExactly(65535);
            assertThat(m.getLongArray("a.i16")).containsExactly(-2, 2);
            assertThat(m.getLongArray("a.u32")).containsExactly(0xFFFF_FFFFL);
            assertThat(m.getIntArray("a.i32")).containsExactly(12, 10, 10, 0);
            assertThat(m.getLongArray("a.u64")).containsExactly(-1, 0);
            assertThat(m.getLongArray("a.i64")).containsExactly(Long.MAX_VALUE);
            assertThat(m.getFloatArray("a.f32")).containsExactly(0.5f, Float.POSITIVE_INFINITY);
            assertThat((double[]) m.get("a.f64")).containsExactly(1e300);
            assertThat(m.getBooleanArray("a.bool")).containsExactly(false, true, true);
            assertThat(m.getStringList("a.string")).containsExactly("a", "", "ü");
            assertThat(m.getLongArray("a.empty")).isEmpty();
            assertThat(m.entry("a.empty").elementType()).isEqualTo(GgufValueType.INT32);
            List<?> nested = (List<?>) m.get("a.nested");
            GgufMetadata.Entry first = (GgufMetadata.Entry) nested.get(0);
            assertThat(first.elementType()).isEqualTo(GgufValueType.UINT16);
            assertThat((long[]) first.value()).containsExactly(1, 2);
            assertThat(((GgufMetadata.Entry) nested.get(1)).value()).isEqualTo(List.of("x"));
            GgufMetadata.Entry deepest = (GgufMetadata.Entry) ((List<?>) ((GgufMetadata.Entry) nested.get(2)).value()).get(0);
            assertThat((boolean[]) deepest.value()).containsExactly(true);

            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset() % 64).isZero();
            for (GgufTensorInfo t : f.tensorInfos().values()) assertThat(t.offset() % 64).isZero();
            assertThat(Files.size(out) % 64).isZero();
            assertThat(f.tensorData("t.q4k").toArray(ValueLayout.JAVA_BYTE)).isEqualTo(GgmlQuantizer.quantize(GgmlType.Q4_K, values));
            assertThat(GgmlDequantizer.dequantize(f, f.tensorInfo("t.f32"))).containsExactly(1, 2, 3);
            assertThat(f.tensorData("t.raw").toArray(ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4, 5);
        }
    }

    @Test
    void rejectsValuesThatDoNotFitTheirType() {
        GgufWriter w = new GgufWriter();
        assertThatThrownBy(() -> w.put("x", GgufValueType.UINT8, 256L)).hasMessageContaining("UINT8");
        assertThatThrownBy(() -> w.put("x", GgufValueType.UINT32, -1L)).hasMessageContaining("UINT32");
        assertThatThrownBy(() -> w.put("x", GgufValueType.STRING, 5L)).hasMessageContaining("STRING");
        assertThatThrownBy(() -> w.putArray("x", GgufValueType.FLOAT32, new long[] {1})).hasMessageContaining("FLOAT32");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.Q4_0, new long[] {16}, new float[16])).hasMessageContaining("block size");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {4}, new float[3])).hasMessageContaining("4 elements");
        w.addTensor("t", GgmlType.F32, new long[] {1}, new float[1]);
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.F32, new long[] {1}, new float[1])).hasMessageContaining("duplicate");
    }

    @Test
    void describesTheFile() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q4_K_M.gguf"))) {
            String d = f.describe();
            assertThat(d).contains("qwen3vl 'qwen3vl-tiny'", "GGUF v3", "file type Q4_K_M", "tensors", "Q4_K x", "Q6_K x", "F32 x");
            assertThat(f.fileTypeName()).isEqualTo("Q4_K_M");
        }
    }
}

package io.qwen4j.tensor;

import jdk.incubator.vector.ShortVector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class HalfFloatTest {

    /** Every one of the 65536 half bit patterns (subnormals, infinities, NaNs included), lane-wise. */
    @Test
    void vectorF16ConversionIsExactForEveryBitPattern() {
        short[] h = new short[65536];
        for (int i = 0; i < h.length; i++) h[i] = (short) i;
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i += Lanes.L) HalfFloat.f16ToFloat(ShortVector.fromArray(Lanes.S, h, i)).intoArray(f, i);
        for (int i = 0; i < h.length; i++) {
            float want = Float.float16ToFloat(h[i]);
            if (Float.isNaN(want)) assertThat(f[i]).as("half 0x%04x", i).isNaN();
            else assertThat(Float.floatToRawIntBits(f[i])).as("half 0x%04x", i).isEqualTo(Float.floatToRawIntBits(want));
        }
    }

    /** The 4-op conversion: bit-exact for every finite half; inf/NaN are what hasInfOrNaN flags. */
    @Test
    void finiteF16ConversionIsExactForEveryFiniteHalfAndFlagsTheRest() {
        short[] h = new short[65536];
        for (int i = 0; i < h.length; i++) h[i] = (short) i;
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i += Lanes.L) {
            ShortVector v = ShortVector.fromArray(Lanes.S, h, i);
            HalfFloat.f16ToFloatFinite(v).intoArray(f, i);
            boolean special = false;
            for (int j = i; j < i + Lanes.L; j++) special |= (j & 0x7C00) == 0x7C00;
            assertThat(HalfFloat.hasInfOrNaN(HalfFloat.maxMagnitude(ShortVector.zero(Lanes.S), v))).as("lanes from 0x%04x", i).isEqualTo(special);
        }
        for (int i = 0; i < h.length; i++) {
            if ((i & 0x7C00) == 0x7C00) continue;
            assertThat(Float.floatToRawIntBits(f[i])).as("half 0x%04x", i).isEqualTo(Float.floatToRawIntBits(Float.float16ToFloat(h[i])));
        }
    }

    /** A row holding an inf or NaN goes through the exact conversion: the product is inf/NaN as the math says. */
    @Test
    void f16RowWithInfOrNaNIsComputedExactly() {
        int cols = 128;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(3 * cols * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int c = 0; c < 3 * cols; c++) b.putShort(2 * c, Float.floatToFloat16(0.5f));
        b.putShort(2 * (cols + 77), (short) 0x7C00); // row 1: +inf
        b.putShort(2 * (2 * cols + 5), (short) 0x7E00); // row 2: NaN
        MatVec m = MatVec.of(io.qwen4j.gguf.GgmlType.F16, java.lang.foreign.MemorySegment.ofArray(b.array()), 3, cols);
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 1f);
        assertThat(m.dot(0, x, 0)).isEqualTo(64f);
        assertThat(m.dot(1, x, 0)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(m.dot(2, x, 0)).isNaN();
        float[] row = new float[cols];
        m.dequantizeRow(1, row, 0);
        assertThat(row[77]).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(row[76]).isEqualTo(0.5f);
    }

    @Test
    void vectorBf16ConversionIsTheTopHalf() {
        short[] h = new short[65536];
        for (int i = 0; i < h.length; i++) h[i] = (short) i;
        float[] f = new float[h.length];
        for (int i = 0; i < h.length; i += Lanes.L) HalfFloat.bf16ToFloat(ShortVector.fromArray(Lanes.S, h, i)).intoArray(f, i);
        for (int i = 0; i < h.length; i++) assertThat(Float.floatToRawIntBits(f[i])).isEqualTo(i << 16);
    }
}

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
            if (Float.isNaN(want)) assertThat(f[i]).isNaN();
            else assertThat(Float.floatToRawIntBits(f[i])).as("half 0x%04x", i).isEqualTo(Float.floatToRawIntBits(want));
        }
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

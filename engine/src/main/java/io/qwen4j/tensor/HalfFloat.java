package io.qwen4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** IEEE half (F16) and bfloat16 (BF16) conversions, lane-wise: the Vector API has no half-float lane type. */
public final class HalfFloat {
    private HalfFloat() {
    }

    /**
     * F16 lanes to float lanes, exactly (normals, subnormals, zero, inf, NaN). Shifting the 15 exponent and
     * mantissa bits into float position and multiplying by 2^112 rebias the exponent, and turn half
     * subnormals into the right float normals.
     */
    public static FloatVector f16ToFloat(ShortVector h) {
        IntVector x = (IntVector) h.convertShape(VectorOperators.S2I, Lanes.I, 0);
        IntVector sign = x.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector em = x.and(0x7FFF);
        VectorMask<Integer> infNan = em.compare(VectorOperators.GE, 0x7C00);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        bits = bits.blend(shifted.or(0x7F800000), infNan);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** BF16 lanes to float lanes: the BF16 bits are the float's top half. */
    public static FloatVector bf16ToFloat(ShortVector h) {
        IntVector x = (IntVector) h.convertShape(VectorOperators.S2I, Lanes.I, 0);
        return x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** Float to BF16, rounding to nearest even (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}

package io.qwen4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

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

    /**
     * F16 lanes to float lanes in four operations, exact for every finite half (normals, subnormals, ±0) and
     * wrong for inf/NaN (exponent 31 comes out as a finite float of about 2^16): callers check
     * {@link #hasInfOrNaN} over what they converted and redo it with {@link #f16ToFloat} when it says so.
     * Sign-extended to int and shifted left 13, the half's exponent and mantissa sit where a float's do and its
     * sign lands in bit 31; the sign's copies in bits 28-30 are masked off; × 2^112 rebias the exponent (and
     * turn half subnormals, float subnormals here, into the right normals).
     */
    public static FloatVector f16ToFloatFinite(ShortVector h) {
        IntVector x = (IntVector) h.convertShape(VectorOperators.S2I, Lanes.I, 0);
        return x.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
    }

    /**
     * Converts the halves at byte {@code o} of {@code seg}, in whole vectors ({@code n} rounded down to the lane
     * count), into {@code dst[dstOff ...]} with {@link #f16ToFloatFinite}. Returns how many it converted, or -1
     * when an inf or NaN was among them: the caller then converts them again exactly.
     */
    public static int f16ToFloatsFinite(MemorySegment seg, long o, int n, float[] dst, int dstOff) {
        ShortVector top = ShortVector.zero(Lanes.S);
        int i = 0;
        for (; i + Lanes.L <= n; i += Lanes.L) {
            ShortVector h = ShortVector.fromMemorySegment(Lanes.S, seg, o + 2L * i, ByteOrder.LITTLE_ENDIAN);
            top = maxMagnitude(top, h);
            f16ToFloatFinite(h).intoArray(dst, dstOff + i);
        }
        return hasInfOrNaN(top) ? -1 : i;
    }

    /** Lane-wise max of {@code top} and the magnitude bits of {@code h}: track it over a row, then ask {@link #hasInfOrNaN}. */
    public static ShortVector maxMagnitude(ShortVector top, ShortVector h) {
        return top.max(h.and((short) 0x7FFF));
    }

    /** Whether the halves whose magnitudes {@link #maxMagnitude} tracked in {@code top} held an inf or NaN. */
    public static boolean hasInfOrNaN(ShortVector top) {
        return top.reduceLanes(VectorOperators.MAX) >= 0x7C00;
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

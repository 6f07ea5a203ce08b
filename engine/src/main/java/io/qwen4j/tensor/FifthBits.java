package io.qwen4j.tensor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Q5_0 / Q5_1 keep the fifth bit of value i as bit i of a 32-bit word. This spreads those bits into one
 * byte per value (0 or 16), through a 256-entry table of 8 spread bits, so the kernels can OR them onto
 * the nibbles lane-wise.
 */
final class FifthBits {
    private FifthBits() {
    }

    private static final long[] SPREAD = new long[256];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final ThreadLocal<byte[]> SCRATCH = ThreadLocal.withInitial(() -> new byte[32]);

    static {
        for (int b = 0; b < 256; b++) {
            long v = 0;
            for (int i = 0; i < 8; i++) if ((b >>> i & 1) != 0) v |= 16L << (8 * i);
            SPREAD[b] = v;
        }
    }

    static byte[] scratch() {
        return SCRATCH.get();
    }

    /** dst[i] = 16 if bit i of qh is set, else 0, for i < 32. */
    static void spread(int qh, byte[] dst) {
        LONGS.set(dst, 0, SPREAD[qh & 0xFF]);
        LONGS.set(dst, 8, SPREAD[(qh >>> 8) & 0xFF]);
        LONGS.set(dst, 16, SPREAD[(qh >>> 16) & 0xFF]);
        LONGS.set(dst, 24, SPREAD[qh >>> 24]);
    }
}

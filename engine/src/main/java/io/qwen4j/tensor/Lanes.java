package io.qwen4j.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species every kernel uses: the machine's preferred float width, with byte, short and int
 * species of the same lane count, so that {@code L} quantised bytes convert to exactly one float vector.
 * On a machine with only 128-bit vectors (4 float lanes) there is no 32-bit byte species: kernels then
 * take their scalar path ({@link #BYTES} is false).
 */
public final class Lanes {
    private Lanes() {
    }

    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    public static final int L = F.length();
    public static final boolean BYTES = L >= 8;
    public static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    public static final VectorSpecies<Short> S = BYTES ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : ShortVector.SPECIES_64;
    public static final VectorSpecies<Byte> B = BYTES ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : ByteVector.SPECIES_64;
}

package io.qwen4j.model;

import io.qwen4j.gguf.GgmlType;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufTensorInfo;
import io.qwen4j.tensor.MatVec;
import io.qwen4j.tensor.WorkerPool;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A model's weights by GGUF tensor name, each checked against the shape the model expects (ggml order:
 * {@code [cols, rows]}); a missing or misshapen tensor is a {@link GgufFormatException} that names it.
 */
public final class GgufWeights {
    private final GgufFile gguf;
    private final WorkerPool interleavePool; // null: matrices stay in ggml's layout
    private final String label;

    private GgufWeights(GgufFile gguf, WorkerPool interleavePool, String label) {
        this.gguf = gguf;
        this.interleavePool = interleavePool;
        this.label = label;
    }

    /**
     * The weights of a text model. When they are our own copy ({@link GgufFile.Memory#HUGE_PAGES}) matrices the faster
     * kernels know are rearranged in place into their interleaved layout ({@link MatVec#interleave}) by {@code pool}.
     */
    public static GgufWeights of(GgufFile gguf, WorkerPool pool) {
        return new GgufWeights(gguf, gguf.memory() == GgufFile.Memory.HUGE_PAGES ? pool : null, "tensor");
    }

    /** The weights of a vision tower: ggml's layout (its products are {@code FloatMatMul}'s), errors name the mmproj. */
    public static GgufWeights mmproj(GgufFile gguf) {
        return new GgufWeights(gguf, null, "mmproj tensor");
    }

    /** The tensor {@code name} as a {@code rows × cols} matrix. */
    public MatVec matrix(String name, int rows, int cols) throws GgufFormatException {
        GgufTensorInfo info = tensor(name, null);
        if (info.dim(0) != cols || info.dim(1) != rows || info.nDims() > 2) {
            throw new GgufFormatException(label + " '" + name + "' has shape " + Arrays.toString(info.ne()) + ", expected ["
                    + cols + (rows > 1 ? ", " + rows : "") + "]");
        }
        try {
            if (interleavePool != null) return MatVec.interleave(info.type(), gguf.tensorData(info), rows, cols, interleavePool);
            return MatVec.of(info.type(), gguf.tensorData(info), rows, cols);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(label + " '" + name + "': " + e.getMessage());
        }
    }

    /** The tensor {@code name} of {@code n} values, dequantized to float32. */
    public float[] vector(String name, int n) throws GgufFormatException {
        GgufTensorInfo info = tensor(name, null);
        if (info.dim(0) != n || info.dim(1) != 1 || info.nDims() > 2) {
            throw new GgufFormatException(label + " '" + name + "' has shape " + Arrays.toString(info.ne()) + ", expected [" + n + "]");
        }
        float[] out = new float[n];
        try {
            MatVec.of(info.type(), gguf.tensorData(info), 1, n).dequantizeRow(0, out, 0);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(label + " '" + name + "': " + e.getMessage());
        }
        return out;
    }

    /** The tensor {@code name}, which must exist ({@code why}: what the error adds when it does not; may be null). */
    public GgufTensorInfo tensor(String name, String why) throws GgufFormatException {
        GgufTensorInfo info = gguf.tensorInfo(name);
        if (info == null) throw new GgufFormatException(label + " '" + name + "' is missing" + (why == null ? "" : " (" + why + ")"));
        return info;
    }

    /** A float32 matrix kernel over a copy of {@code w} (rows × cols) in native memory. */
    public static MatVec f32Matrix(float[] w, int rows, int cols) {
        MemorySegment seg = Arena.ofAuto().allocate(4L * w.length, 64);
        MemorySegment.copy(w, 0, seg, ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, w.length);
        return MatVec.of(GgmlType.F32, seg, rows, cols);
    }
}

package io.qwen4j.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One preprocessed image as the vision encoder takes it (transformers' {@code pixel_values} rows and
 * {@code image_grid_thw}): {@code gridT·gridH·gridW} patches of {@code patchDim} floats, row-major, in
 * merge-block order (for each 2×2 block of patches, row-major over blocks: (0,0), (0,1), (1,0), (1,1)).
 * Each patch row is ordered (channel, frame, y, x), the still image repeated over the temporal frames.
 */
public record PixelValues(int gridT, int gridH, int gridW, int patchSize, int temporalPatchSize, int mergeSize,
                          float[] values) {

    public PixelValues {
        if (gridH % mergeSize != 0 || gridW % mergeSize != 0) {
            throw new IllegalArgumentException("patch grid " + gridH + "x" + gridW + " is not a multiple of the merge size " + mergeSize);
        }
        if (values.length != (long) gridT * gridH * gridW * 3 * temporalPatchSize * patchSize * patchSize) {
            throw new IllegalArgumentException(values.length + " values for a " + gridT + "x" + gridH + "x" + gridW + " patch grid");
        }
    }

    public int patches() {
        return gridT * gridH * gridW;
    }

    /** Floats per patch: 3 · temporal · patch². */
    public int patchDim() {
        return 3 * temporalPatchSize * patchSize * patchSize;
    }

    public int mergedRows() {
        return gridH / mergeSize;
    }

    public int mergedCols() {
        return gridW / mergeSize;
    }

    /** Number of LLM tokens ({@code <|image_pad|>} copies) this image becomes. */
    public int tokens() {
        return gridT * mergedRows() * mergedCols();
    }

    public int resizedHeight() {
        return gridH * patchSize;
    }

    public int resizedWidth() {
        return gridW * patchSize;
    }

    /** SHA-256 over the grid, the patch geometry and every value: equal digests, equal encoder input. */
    public byte[] contentDigest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            buf.putInt(gridT).putInt(gridH).putInt(gridW).putInt(patchSize).putInt(temporalPatchSize).putInt(mergeSize);
            sha.update(buf.array(), 0, buf.position());
            for (int from = 0; from < values.length; from += buf.capacity() / 4) {
                int n = Math.min(buf.capacity() / 4, values.length - from);
                buf.clear();
                buf.asFloatBuffer().put(values, from, n);
                sha.update(buf.array(), 0, 4 * n);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.qwen4j.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * What the vision encoder makes of one image: {@code N = mergedRows · mergedCols} LLM input rows (the main
 * merger's output, raster order over the merged grid) and, per deepstack merger k, N rows added to the
 * hidden state of the image's tokens after decoder layer k. Every row has the text model's width.
 */
public record ImageEmbeddings(int mergedRows, int mergedCols, float[][] main, float[][][] deepstack) {

    public ImageEmbeddings {
        if (main.length != mergedRows * mergedCols) {
            throw new IllegalArgumentException(main.length + " rows for a " + mergedRows + "x" + mergedCols + " merged grid");
        }
        for (float[][] ds : deepstack) {
            if (ds.length != main.length) throw new IllegalArgumentException("deepstack rows " + ds.length + " != " + main.length);
        }
    }

    /** Number of {@code <|image_pad|>} tokens. */
    public int tokens() {
        return main.length;
    }

    public int dim() {
        return main.length == 0 ? 0 : main[0].length;
    }

    /**
     * SHA-256 over the grid and every float of the main and deepstack rows: all an image contributes to the text
     * model, so two images with equal digests give equal keys and values (prefix caching's address of the image).
     */
    public byte[] contentDigest() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(Math.max(16, 4 * dim())).order(ByteOrder.LITTLE_ENDIAN);
            buf.putInt(mergedRows).putInt(mergedCols).putInt(deepstack.length).putInt(dim());
            sha.update(buf.array(), 0, buf.position());
            for (float[] row : main) update(sha, buf, row);
            for (float[][] layer : deepstack) {
                for (float[] row : layer) update(sha, buf, row);
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void update(MessageDigest sha, ByteBuffer buf, float[] row) {
        buf.clear();
        buf.asFloatBuffer().put(row);
        sha.update(buf.array(), 0, 4 * row.length);
    }
}

package io.qwen4j.model;

/**
 * What the vision encoder makes of one image: {@code N = mergedRows · mergedCols} LLM input rows (the main
 * merger's output, raster order over the merged grid) and, per deepstack merger k, N rows added to the
 * hidden state of the image's tokens after decoder layer k. Every row has the text model's width.
 *
 * @param pixelDigest SHA-256 of what the rows were encoded from ({@link io.qwen4j.image.PixelValues#contentDigest()}):
 *                    the image's address for prefix caching. Not of the rows themselves: encoding the same pixels
 *                    again may differ in the last bits (summation order), and must still find the cached blocks
 */
public record ImageEmbeddings(int mergedRows, int mergedCols, float[][] main, float[][][] deepstack, byte[] pixelDigest) {

    public ImageEmbeddings {
        if (pixelDigest.length != 32) throw new IllegalArgumentException("pixel digest of " + pixelDigest.length + " bytes");
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
}

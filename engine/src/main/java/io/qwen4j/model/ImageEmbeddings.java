package io.qwen4j.model;

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
}

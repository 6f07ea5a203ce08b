package io.qwen4j.model;

import io.qwen4j.kv.BlockKeyChain;
import io.qwen4j.kv.KvSequence;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A prompt with images laid out for the text model, as Hugging Face's Qwen3-VL processor and
 * {@code get_rope_index} do it:
 * <ul>
 *   <li>each image is {@code <|vision_start|>} + N × {@code <|image_pad|>} + {@code <|vision_end|>}, N = the
 *       encoder's rows for it (merged grid mh × mw);</li>
 *   <li>(t, h, w) positions: text tokens (p, p, p) advancing by one; the image tokens starting at p get
 *       (p, p + row, p + col) over the merged grid, then p jumps to p + max(mh, mw);</li>
 *   <li>the pad rows take the encoder's main rows as input, and deepstack vector k of each image token is added
 *       after decoder layer k.</li>
 * </ul>
 * Build it from parts ({@link #builder}) or from template-rendered ids with one {@code <|image_pad|>} per image
 * ({@link #expand}); then cut it into prefill chunks of any size ({@link #chunks}).
 */
public final class ImagePromptLayout {

    private final int[] tokens;
    private final int[] t, h, w;
    /** Per row: the image embeddings it takes, or null for a text token; and the row within that image. */
    private final ImageEmbeddings[] rowImage;
    private final int[] rowInImage;
    private final int firstPosition, nextPosition;

    private ImagePromptLayout(int[] tokens, MropePositions pos, ImageEmbeddings[] rowImage, int[] rowInImage, int firstPosition) {
        this.tokens = tokens;
        this.t = pos.t();
        this.h = pos.h();
        this.w = pos.w();
        this.rowImage = rowImage;
        this.rowInImage = rowInImage;
        this.firstPosition = firstPosition;
        this.nextPosition = pos.next();
    }

    public static Builder builder(ImageTokens special) {
        return new Builder(special);
    }

    /**
     * The processor's expansion: every {@code <|image_pad|>} in {@code promptIds} (one per image, in order) becomes
     * that image's N pads. The count of pads must equal the number of images.
     */
    public static ImagePromptLayout expand(int[] promptIds, List<ImageEmbeddings> images, ImageTokens special, int firstPosition) {
        long pads = Arrays.stream(promptIds).filter(id -> id == special.imagePad()).count();
        if (pads != images.size()) {
            throw new IllegalArgumentException("prompt has " + pads + " " + ImageTokens.IMAGE_PAD + " tokens for " + images.size() + " images");
        }
        Builder b = builder(special);
        int image = 0, from = 0;
        for (int i = 0; i < promptIds.length; i++) {
            if (promptIds[i] != special.imagePad()) continue;
            b.text(Arrays.copyOfRange(promptIds, from, i));
            b.imagePads(images.get(image++));
            from = i + 1;
        }
        b.text(Arrays.copyOfRange(promptIds, from, promptIds.length));
        return b.build(firstPosition);
    }

    /** Text segments and images in order; images get their vision_start / vision_end tokens around them. */
    public static final class Builder {
        private final ImageTokens special;
        private final List<Object> parts = new ArrayList<>();

        private Builder(ImageTokens special) {
            this.special = special;
        }

        public Builder text(int... ids) {
            if (ids.length > 0) parts.add(ids.clone());
            return this;
        }

        /** {@code <|vision_start|>}, the image's pads, {@code <|vision_end|>}. */
        public Builder image(ImageEmbeddings image) {
            text(special.visionStart());
            imagePads(image);
            return text(special.visionEnd());
        }

        /** Only the image's N pads (the surrounding tokens come from the rendered prompt). */
        Builder imagePads(ImageEmbeddings image) {
            if (image.tokens() == 0) throw new IllegalArgumentException("image with no tokens");
            parts.add(image);
            return this;
        }

        /** The layout with positions starting at {@code firstPosition} (0 for a new sequence). */
        public ImagePromptLayout build(int firstPosition) {
            int n = 0;
            for (Object p : parts) n += p instanceof int[] ids ? ids.length : ((ImageEmbeddings) p).tokens();
            int[] tokens = new int[n];
            ImageEmbeddings[] rowImage = new ImageEmbeddings[n];
            int[] rowInImage = new int[n];
            MropePositions pos = new MropePositions(firstPosition);
            int row = 0;
            for (Object p : parts) {
                if (p instanceof int[] ids) {
                    System.arraycopy(ids, 0, tokens, row, ids.length);
                    pos.text(ids.length);
                    row += ids.length;
                } else {
                    ImageEmbeddings img = (ImageEmbeddings) p;
                    for (int j = 0; j < img.tokens(); j++, row++) {
                        tokens[row] = special.imagePad();
                        rowImage[row] = img;
                        rowInImage[row] = j;
                    }
                    pos.image(img.mergedRows(), img.mergedCols());
                }
            }
            return new ImagePromptLayout(tokens, pos, rowImage, rowInImage, firstPosition);
        }
    }

    public int size() {
        return tokens.length;
    }

    public int[] tokens() {
        return tokens.clone();
    }

    public int[] t() {
        return t.clone();
    }

    public int[] h() {
        return h.clone();
    }

    public int[] w() {
        return w.clone();
    }

    /** Position of the first row (0 for a new sequence). */
    public int firstPosition() {
        return firstPosition;
    }

    /** Position of the first token after the prompt (all three axes); generated token k sits at this + k. */
    public int nextPosition() {
        return nextPosition;
    }

    /** HF's {@code rope_deltas}: next position − (first position + token count); ≤ 0 with images. */
    public int ropeDelta() {
        return nextPosition - firstPosition - tokens.length;
    }

    /** Appends every row, with what decides its keys and values (token or image pixels, position), to {@code keys}. */
    public void addRows(BlockKeyChain keys) {
        for (int r = 0; r < tokens.length; r++) {
            if (rowImage[r] == null) keys.text(tokens[r], t[r]);
            else keys.image(tokens[r], t[r], h[r], w[r], rowImage[r].pixelDigest(), rowInImage[r]);
        }
    }

    /** The whole prompt as one prefill chunk (logits of its last row). */
    public SequenceChunk chunk(KvSequence sequence) {
        return chunk(sequence, 0, tokens.length);
    }

    /** Rows {@code [from, to)} as a chunk: tokens, positions, image rows' embeddings and deepstack vectors. */
    public SequenceChunk chunk(KvSequence sequence, int from, int to) {
        if (from < 0 || to > tokens.length || from >= to) throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + tokens.length);
        SequenceChunk c = SequenceChunk.of(sequence, Arrays.copyOfRange(tokens, from, to), Arrays.copyOfRange(t, from, to),
                Arrays.copyOfRange(h, from, to), Arrays.copyOfRange(w, from, to));
        for (int r = from; r < to; r++) {
            ImageEmbeddings img = rowImage[r];
            if (img == null) continue;
            int j = rowInImage[r];
            c.embedding(r - from, img.main()[j]);
            for (int l = 0; l < img.deepstack().length; l++) c.deepstack(l, r - from, img.deepstack()[l][j]);
        }
        return c;
    }

    /**
     * The prompt cut into prefill chunks of at most {@code maxRows}; only the last asks for logits (of its last
     * row). Run them in order on the same sequence.
     */
    public List<SequenceChunk> chunks(KvSequence sequence, int maxRows) {
        if (maxRows < 1) throw new IllegalArgumentException("chunk size " + maxRows);
        List<SequenceChunk> out = new ArrayList<>();
        for (int from = 0; from < tokens.length; from += maxRows) {
            int to = Math.min(tokens.length, from + maxRows);
            out.add(chunk(sequence, from, to).logits(to == tokens.length ? SequenceChunk.Logits.LAST : SequenceChunk.Logits.NONE));
        }
        return out;
    }
}

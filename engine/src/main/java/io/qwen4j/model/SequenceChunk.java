package io.qwen4j.model;

import io.qwen4j.kv.KvSequence;

/**
 * One sequence's part of a batch step: {@code n} tokens appended to its KV cache (a prefill chunk, or a
 * single decode token), with their (t, h, w) RoPE positions. Optionally, rows whose input is an embedding
 * instead of a token (image tokens), per-row deepstack vectors added to the hidden state after decoder
 * layer {@code l}, and which rows need logits.
 */
public final class SequenceChunk {

    public enum Logits { NONE, LAST, ALL }

    final KvSequence sequence;
    final int[] tokens;
    final int[] posT, posH, posW;
    float[][] embeddings;
    float[][][] deepstack;
    Logits logits = Logits.LAST;

    private SequenceChunk(KvSequence sequence, int[] tokens, int[] t, int[] h, int[] w) {
        if (t.length != tokens.length || h.length != tokens.length || w.length != tokens.length) {
            throw new IllegalArgumentException("positions for " + t.length + "/" + h.length + "/" + w.length + " tokens, chunk has " + tokens.length);
        }
        if (tokens.length == 0) throw new IllegalArgumentException("empty chunk");
        this.sequence = sequence;
        this.tokens = tokens;
        this.posT = t;
        this.posH = h;
        this.posW = w;
    }

    /** Text tokens at positions {@code first, first + 1, ...} on all three axes. */
    public static SequenceChunk text(KvSequence sequence, int[] tokens, int first) {
        int[] p = new int[tokens.length];
        for (int i = 0; i < p.length; i++) p[i] = first + i;
        return new SequenceChunk(sequence, tokens, p, p, p);
    }

    /** Tokens with explicit M-RoPE positions. */
    public static SequenceChunk of(KvSequence sequence, int[] tokens, int[] t, int[] h, int[] w) {
        return new SequenceChunk(sequence, tokens, t, h, w);
    }

    /** Row {@code row} takes {@code embedding} (dim floats) as its input instead of its token's embedding. */
    public SequenceChunk embedding(int row, float[] embedding) {
        if (embeddings == null) embeddings = new float[tokens.length][];
        embeddings[row] = embedding;
        return this;
    }

    /** Adds {@code vector} (dim floats) to row {@code row}'s hidden state after decoder layer {@code layer}. */
    public SequenceChunk deepstack(int layer, int row, float[] vector) {
        if (deepstack == null) deepstack = new float[layer + 1][][];
        if (deepstack.length <= layer) deepstack = java.util.Arrays.copyOf(deepstack, layer + 1);
        if (deepstack[layer] == null) deepstack[layer] = new float[tokens.length][];
        deepstack[layer][row] = vector;
        return this;
    }

    public SequenceChunk logits(Logits which) {
        this.logits = which;
        return this;
    }

    public KvSequence sequence() {
        return sequence;
    }

    public int size() {
        return tokens.length;
    }

    /** Row {@code row}'s token id. */
    public int token(int row) {
        return tokens[row];
    }

    /** Row {@code row}'s input embedding, or null when its input is its token's embedding. */
    public float[] inputEmbedding(int row) {
        return embeddings == null ? null : embeddings[row];
    }

    /** Row {@code row}'s RoPE position on {@code axis} (0 t, 1 h, 2 w; all equal for text). */
    public int position(int axis, int row) {
        return switch (axis) {
            case 1 -> posH[row];
            case 2 -> posW[row];
            default -> posT[row];
        };
    }

    /** Whether any row has a deepstack vector after decoder layer {@code layer}. */
    public boolean hasDeepstack(int layer) {
        return deepstack != null && layer < deepstack.length && deepstack[layer] != null;
    }

    /** Row {@code row}'s deepstack vector after layer {@code layer}, or null. */
    public float[] deepstack(int layer, int row) {
        return hasDeepstack(layer) ? deepstack[layer][row] : null;
    }

    /** How many rows want logits. */
    public int logitRows() {
        return switch (logits) {
            case NONE -> 0;
            case LAST -> 1;
            case ALL -> tokens.length;
        };
    }
}

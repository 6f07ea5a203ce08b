package io.qwen4j.model;

import io.qwen4j.kv.KvSequence;
import io.qwen4j.kv.PagedKvCache;

import java.util.Arrays;
import java.util.List;

/**
 * The rows of one ragged batch ({@link ModelStep#step}): the chunks' tokens one after the other, each row with the
 * sequence and KV index it writes, and which rows give logits. Creating it appends every chunk's tokens to its
 * sequence, all or none.
 */
public final class BatchRows {
    private final List<SequenceChunk> chunks;
    private final int count;
    private final int[] firstRow; // per chunk, and the total at the end
    private final KvSequence[] sequence;
    private final int[] kvIndex;

    private BatchRows(List<SequenceChunk> chunks, int[] starts) {
        this.chunks = chunks;
        firstRow = new int[chunks.size() + 1];
        for (int ci = 0; ci < chunks.size(); ci++) firstRow[ci + 1] = firstRow[ci] + chunks.get(ci).size();
        count = firstRow[chunks.size()];
        sequence = new KvSequence[count];
        kvIndex = new int[count];
        for (int ci = 0; ci < chunks.size(); ci++) {
            for (int i = 0; i < chunks.get(ci).size(); i++) {
                sequence[firstRow[ci] + i] = chunks.get(ci).sequence;
                kvIndex[firstRow[ci] + i] = starts[ci] + i;
            }
        }
    }

    /** Appends every chunk's tokens to its sequence, all or none (a full cache leaves nothing changed). */
    public static BatchRows reserve(PagedKvCache cache, List<SequenceChunk> chunks) {
        int[] starts = new int[chunks.size()];
        for (int ci = 0; ci < chunks.size(); ci++) {
            KvSequence seq = chunks.get(ci).sequence;
            for (int cj = 0; cj < ci; cj++) {
                if (chunks.get(cj).sequence == seq) throw new IllegalArgumentException("sequence appears twice in one batch");
            }
            try {
                starts[ci] = cache.extend(seq, chunks.get(ci).size());
            } catch (RuntimeException e) {
                for (int cj = 0; cj < ci; cj++) cache.truncate(chunks.get(cj).sequence, starts[cj]);
                throw e;
            }
        }
        return new BatchRows(chunks, starts);
    }

    /** Rows in the batch. */
    public int count() {
        return count;
    }

    public List<SequenceChunk> chunks() {
        return chunks;
    }

    /** The batch row of chunk {@code chunk}'s first token. */
    public int firstRow(int chunk) {
        return firstRow[chunk];
    }

    public KvSequence sequence(int row) {
        return sequence[row];
    }

    /** The KV cache index row {@code row} writes (its sequence's length before it, plus one per earlier row). */
    public int kvIndex(int row) {
        return kvIndex[row];
    }

    /** The batch rows that want logits, in batch order. */
    public int[] logitRows() {
        int m = 0;
        for (SequenceChunk ch : chunks) m += ch.logitRows();
        int[] rows = new int[m];
        int j = 0;
        for (int ci = 0; ci < chunks.size(); ci++) {
            SequenceChunk ch = chunks.get(ci);
            int first = ch.logits == SequenceChunk.Logits.LAST ? ch.size() - 1 : 0;
            for (int i = first; i < first + ch.logitRows(); i++) rows[j++] = firstRow[ci] + i;
        }
        return rows;
    }

    /** The step's result from the logits of {@link #logitRows()} ({@code rows × vocab}, in that order). */
    public ModelStep.StepOutput split(float[] logits, int vocab) {
        float[][] result = new float[chunks.size()][];
        int total = logits.length / vocab, j = 0;
        for (int ci = 0; ci < chunks.size(); ci++) {
            int lr = chunks.get(ci).logitRows();
            if (lr == 0) continue;
            result[ci] = lr == total ? logits : Arrays.copyOfRange(logits, j * vocab, (j + lr) * vocab);
            j += lr;
        }
        return new ModelStep.StepOutput(result, vocab);
    }
}

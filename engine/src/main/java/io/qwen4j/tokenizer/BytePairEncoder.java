package io.qwen4j.tokenizer;

/**
 * Byte-level BPE over one pre-tokenized piece: start from one token per byte, then repeatedly apply the
 * lowest-ranked merge rule among adjacent pairs (leftmost first on ties), as HF tokenizers and llama.cpp
 * do. Short pieces, the vast majority, use a flat array scan; long ones a heap over a linked list so that
 * hostile input (a megabyte of one punctuation character is a single piece) stays O(n log n).
 * Immutable and thread-safe; per-call state lives in a {@link Scratch}.
 */
final class BytePairEncoder {

    /** Up to this many bytes the quadratic array scan beats the heap. */
    private static final int ARRAY_SCAN_LIMIT = 64;

    private final Vocabulary vocabulary;
    private final MergeTable merges;

    BytePairEncoder(Vocabulary vocabulary, MergeTable merges) {
        this.vocabulary = vocabulary;
        this.merges = merges;
    }

    MergeTable merges() {
        return merges;
    }

    Vocabulary vocabulary() {
        return vocabulary;
    }

    /** Reusable per-thread working memory; never shared between threads. */
    static final class Scratch {
        int[] symbols = new int[ARRAY_SCAN_LIMIT];
        int[] ranks = new int[ARRAY_SCAN_LIMIT];
        int[] prev = new int[0];
        int[] next = new int[0];
        long[] heap = new long[0];

        void ensure(int n) {
            if (symbols.length < n) {
                int size = Math.max(n, symbols.length * 2);
                symbols = new int[size];
                ranks = new int[size];
            }
        }

        void ensureLinked(int n) {
            ensure(n);
            if (prev.length < n) {
                int size = Math.max(n, prev.length * 2);
                prev = new int[size];
                next = new int[size];
                heap = new long[3 * size];
            }
        }
    }

    /**
     * Encodes {@code bytes[0, len)}; the token ids are left in {@code scratch.symbols[0, result)} where
     * result is the returned count.
     */
    int encode(byte[] bytes, int len, Scratch scratch) {
        if (len <= ARRAY_SCAN_LIMIT) return encodeByArrayScan(bytes, len, scratch);
        return encodeByHeap(bytes, len, scratch);
    }

    int encodeByArrayScan(byte[] bytes, int len, Scratch scratch) {
        scratch.ensure(len);
        int[] sym = scratch.symbols;
        int[] rank = scratch.ranks;
        for (int i = 0; i < len; i++) sym[i] = vocabulary.byteTokenId(bytes[i] & 0xFF);
        int n = len;
        for (int i = 0; i + 1 < n; i++) rank[i] = merges.rank(sym[i], sym[i + 1]);
        while (n > 1) {
            int best = MergeTable.NO_MERGE;
            int at = -1;
            for (int i = 0; i + 1 < n; i++) {
                if (rank[i] < best) { // strict: the leftmost of equal ranks wins
                    best = rank[i];
                    at = i;
                }
            }
            if (at < 0) break;
            sym[at] = merges.mergedId(best);
            // Drop symbol at+1 and the rank of pair at; the ranks after it move down by one.
            System.arraycopy(sym, at + 2, sym, at + 1, n - at - 2);
            System.arraycopy(rank, at + 2, rank, at + 1, Math.max(0, n - at - 3));
            n--;
            if (at > 0) rank[at - 1] = merges.rank(sym[at - 1], sym[at]);
            if (at + 1 < n) rank[at] = merges.rank(sym[at], sym[at + 1]);
        }
        return n;
    }

    int encodeByHeap(byte[] bytes, int len, Scratch scratch) {
        scratch.ensureLinked(len);
        int[] sym = scratch.symbols;
        int[] prev = scratch.prev;
        int[] next = scratch.next;
        long[] heap = scratch.heap;
        int heapSize = 0;
        for (int i = 0; i < len; i++) {
            sym[i] = vocabulary.byteTokenId(bytes[i] & 0xFF);
            prev[i] = i - 1;
            next[i] = i + 1; // len marks the end
        }
        for (int i = 0; i + 1 < len; i++) {
            int r = merges.rank(sym[i], sym[i + 1]);
            if (r != MergeTable.NO_MERGE) heapSize = push(heap, heapSize, entry(r, i));
        }
        while (heapSize > 0) {
            long top = heap[0];
            heapSize = popTop(heap, heapSize);
            int left = (int) top;
            int rank = (int) (top >>> 32);
            int right = next[left];
            // Skip entries made stale by earlier merges: a symbol only ever grows, so the pair at `left`
            // still has this rank exactly when the entry is current.
            if (sym[left] < 0 || right >= len) continue;
            if (merges.rank(sym[left], sym[right]) != rank) continue;
            sym[left] = merges.mergedId(rank);
            sym[right] = -1;
            int after = next[right];
            next[left] = after;
            if (after < len) prev[after] = left;
            int before = prev[left];
            if (before >= 0) {
                int rb = merges.rank(sym[before], sym[left]);
                if (rb != MergeTable.NO_MERGE) heapSize = push(heap, heapSize, entry(rb, before));
            }
            if (after < len) {
                int ra = merges.rank(sym[left], sym[after]);
                if (ra != MergeTable.NO_MERGE) heapSize = push(heap, heapSize, entry(ra, left));
            }
        }
        int n = 0;
        for (int i = 0; i < len; i = next[i]) sym[n++] = sym[i]; // compacts in place: n <= i always
        return n;
    }

    /** Heap order is (rank, position): the lowest rank first, the leftmost among equal ranks. */
    private static long entry(int rank, int position) {
        return ((long) rank << 32) | position;
    }

    private static int push(long[] heap, int size, long value) {
        int i = size;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (heap[parent] <= value) break;
            heap[i] = heap[parent];
            i = parent;
        }
        heap[i] = value;
        return size + 1;
    }

    private static int popTop(long[] heap, int size) {
        int last = size - 1;
        long value = heap[last];
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= last) break;
            if (child + 1 < last && heap[child + 1] < heap[child]) child++;
            if (value <= heap[child]) break;
            heap[i] = heap[child];
            i = child;
        }
        if (last > 0) heap[i] = value;
        return last;
    }
}

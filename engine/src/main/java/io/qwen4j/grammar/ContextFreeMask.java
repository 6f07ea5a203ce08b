package io.qwen4j.grammar;

/**
 * The part of a token mask that depends only on the lexer state: the tokens that stay inside the current
 * lexeme (and can still complete it), plus the trie nodes where the lexeme ends and the next byte starts a
 * new lexeme — only those need the parser. Computed once per lexer state and cached in the compiled grammar
 * (XGrammar's "context-independent tokens", llguidance's slices for JSON strings).
 */
final class ContextFreeMask {
    /** Precomputed slice of plain string tokens, or null. */
    final long[] plain;
    /** Inside tokens as a sorted id list (sparse) or null when {@link #insideBits} is used. */
    final int[] insideIds;
    final long[] insideBits;
    final TokenTrie trie;
    /** Boundary nodes of {@link #trie} and the lexer accept key of the lexeme that ends before each. */
    final int[] boundaryNodes;
    final long[] boundaryKeys;

    ContextFreeMask(long[] plain, int[] insideIds, long[] insideBits, TokenTrie trie, int[] boundaryNodes, long[] boundaryKeys) {
        this.plain = plain;
        this.insideIds = insideIds;
        this.insideBits = insideBits;
        this.trie = trie;
        this.boundaryNodes = boundaryNodes;
        this.boundaryKeys = boundaryKeys;
    }

    void orInto(long[] mask) {
        if (plain != null) for (int w = 0; w < plain.length; w++) mask[w] |= plain[w];
        if (insideBits != null) for (int w = 0; w < insideBits.length; w++) mask[w] |= insideBits[w];
        if (insideIds != null) for (int t : insideIds) mask[t >>> 6] |= 1L << t;
    }

    long bytes() {
        return 64 + (insideIds != null ? insideIds.length * 4L : 0) + (insideBits != null ? insideBits.length * 8L : 0)
                + boundaryNodes.length * 12L;
    }

    /** Boundary key meaning "the lexeme of the state itself" (so single-lexeme results can be shared by grammars). */
    static final long OWN_LEXEME = -2;

    /** Walks {@code trie} from lexer state {@code start} with the lexer alone. */
    static ContextFreeMask compute(Lexer lexer, TokenVocabulary vocab, long start) {
        boolean single = start >= 0;
        TokenTrie trie = vocab.fullTrie;
        long[] plain = null;
        int budget = lexer.freeStringBudget(start);
        if (budget >= 0) {
            plain = vocab.plainMask(budget);
            trie = vocab.residualTrie;
        }
        final byte[] bytes = trie.bytes;
        final short[] depth = trie.depth;
        final int[] end = trie.subtreeEnd;
        final int[] tok = trie.token;
        final int[] same = trie.sameBytesNext;
        long[] ls = new long[trie.maxDepth + 1];
        ls[0] = start;
        int[] ids = new int[256];
        int nIds = 0;
        int[] nodes = new int[16];
        long[] keys = new long[16];
        int nb = 0;
        int steps = 0;
        for (int i = 0, n = bytes.length; i < n; ) {
            if ((++steps & 0xFFFF) == 0) CompileDeadline.check(); // at compile time the first mask is built here
            int d = depth[i];
            long pl = ls[d - 1];
            long nl = lexer.step(pl, bytes[i] & 0xFF);
            if (nl == Lexer.DEAD) {
                long key = lexer.acceptKey(pl);
                if (key >= 0) {
                    if (nb == nodes.length) {
                        nodes = java.util.Arrays.copyOf(nodes, nb * 2);
                        keys = java.util.Arrays.copyOf(keys, nb * 2);
                    }
                    nodes[nb] = i;
                    keys[nb++] = single ? OWN_LEXEME : key;
                }
                i = end[i];
                continue;
            }
            ls[d] = nl;
            for (int t = tok[i]; t >= 0; t = same[t]) {
                if (nIds == ids.length) ids = java.util.Arrays.copyOf(ids, nIds * 2);
                ids[nIds++] = t;
            }
            i++;
        }
        int[] insideIds = null;
        long[] insideBits = null;
        if (nIds > 4096) {
            insideBits = new long[vocab.maskWords];
            for (int k = 0; k < nIds; k++) insideBits[ids[k] >>> 6] |= 1L << ids[k];
        } else insideIds = java.util.Arrays.copyOf(ids, nIds);
        return new ContextFreeMask(plain, insideIds, insideBits, trie, java.util.Arrays.copyOf(nodes, nb), java.util.Arrays.copyOf(keys, nb));
    }
}

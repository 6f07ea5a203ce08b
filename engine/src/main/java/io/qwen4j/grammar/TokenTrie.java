package io.qwen4j.grammar;

import java.util.Arrays;

/**
 * The byte strings of a set of tokens as a prefix tree flattened in depth-first order (llguidance's
 * toktrie layout): node i has a byte, a depth (1 for the root's children), the index just past its
 * subtree, and the token ending there (-1 if none). A mask walk visits nodes in order and skips a whole
 * subtree as soon as a byte is rejected.
 */
final class TokenTrie {
    final byte[] bytes;
    final short[] depth;
    final int[] subtreeEnd;
    final int[] token;
    /** Further tokens with exactly the same bytes as {@code token[i]}: a linked list by token id, -1 ends. */
    final int[] sameBytesNext;
    final int maxDepth;

    private TokenTrie(byte[] bytes, short[] depth, int[] subtreeEnd, int[] token, int[] sameBytesNext, int maxDepth) {
        this.bytes = bytes;
        this.depth = depth;
        this.subtreeEnd = subtreeEnd;
        this.token = token;
        this.sameBytesNext = sameBytesNext;
        this.maxDepth = maxDepth;
    }

    int size() {
        return bytes.length;
    }

    /** Builds the trie of the given tokens ({@code tokenBytes[id]} null = not included). */
    static TokenTrie build(byte[][] tokenBytes) {
        Integer[] order = new Integer[tokenBytes.length];
        int n = 0;
        for (int id = 0; id < tokenBytes.length; id++) if (tokenBytes[id] != null && tokenBytes[id].length > 0) order[n++] = id;
        Integer[] ids = Arrays.copyOf(order, n);
        Arrays.sort(ids, (a, b) -> Arrays.compareUnsigned(tokenBytes[a], tokenBytes[b]));
        int cap = 16;
        byte[] nb = new byte[cap];
        short[] nd = new short[cap];
        int[] ne = new int[cap];
        int[] nt = new int[cap];
        int[] same = new int[tokenBytes.length];
        Arrays.fill(same, -1);
        int count = 0, maxDepth = 0;
        int[] path = new int[1024]; // node index at each depth along the current path
        byte[] prev = new byte[0];
        int pathLen = 0;
        for (int id : ids) {
            byte[] b = tokenBytes[id];
            if (b.length > 1023) continue;
            int common = 0;
            int lim = Math.min(prev.length, b.length);
            while (common < lim && prev[common] == b[common]) common++;
            common = Math.min(common, pathLen);
            // Close nodes deeper than the common prefix.
            for (int d = pathLen; d > common; d--) ne[path[d - 1]] = count;
            pathLen = common;
            if (common == b.length) {
                // Same bytes as an existing node: chain the token.
                int node = path[b.length - 1];
                int first = nt[node];
                if (first < 0) nt[node] = id;
                else {
                    int t = first;
                    while (same[t] >= 0) t = same[t];
                    same[t] = id;
                }
                prev = b;
                continue;
            }
            for (int d = common; d < b.length; d++) {
                if (count == cap) {
                    cap *= 2;
                    nb = Arrays.copyOf(nb, cap);
                    nd = Arrays.copyOf(nd, cap);
                    ne = Arrays.copyOf(ne, cap);
                    nt = Arrays.copyOf(nt, cap);
                }
                nb[count] = b[d];
                nd[count] = (short) (d + 1);
                nt[count] = -1;
                path[d] = count;
                count++;
            }
            nt[path[b.length - 1]] = id;
            pathLen = b.length;
            maxDepth = Math.max(maxDepth, b.length);
            prev = b;
        }
        for (int d = pathLen; d > 0; d--) ne[path[d - 1]] = count;
        return new TokenTrie(Arrays.copyOf(nb, count), Arrays.copyOf(nd, count), Arrays.copyOf(ne, count),
                Arrays.copyOf(nt, count), same, maxDepth);
    }
}

package io.qwen4j.grammar;

import io.qwen4j.tokenizer.TokenType;
import io.qwen4j.tokenizer.Vocabulary;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.WeakHashMap;

/**
 * What the mask computation needs to know about a vocabulary, built once per {@link Vocabulary} and shared:
 * the trie of all byte-level tokens; the "plain string" slice (tokens that can sit anywhere inside a JSON
 * string — no quote, backslash or control byte, valid UTF-8 possibly cut at the end — with precomputed
 * masks by length in code points) and the trie of the remaining tokens; the special tokens; the
 * end-of-generation tokens.
 */
final class TokenVocabulary {
    private static final Map<Vocabulary, TokenVocabulary> CACHE = new WeakHashMap<>();

    final int size;
    final int maskWords;
    final TokenTrie fullTrie;
    final TokenTrie residualTrie;
    /** plainUpTo[k]: plain tokens costing at most k code points (a cut final character counts as one). */
    final long[][] plainUpTo;
    final int[] endOfGeneration;
    private final Vocabulary vocabulary;
    /** Context-free masks of single-lexeme states, shared by every grammar (lexemes are shared by key). */
    final java.util.concurrent.ConcurrentHashMap<LexemeState, ContextFreeMask> sharedMasks = new java.util.concurrent.ConcurrentHashMap<>();
    final java.util.concurrent.atomic.AtomicLong sharedMaskBytes = new java.util.concurrent.atomic.AtomicLong();
    static final long MAX_SHARED_MASK_BYTES = 64L << 20;

    /** A lexeme (by identity) and a state or slice key of it. */
    record LexemeState(ByteLexeme lexeme, long state, boolean slice) {
    }

    private TokenVocabulary(Vocabulary v) {
        this.vocabulary = v;
        size = v.size();
        maskWords = (size + 63) >>> 6;
        byte[][] all = new byte[size][];
        byte[][] residual = new byte[size][];
        int[] cost = new int[size];
        int maxCost = 0;
        List<Integer> eog = new ArrayList<>();
        for (int id = 0; id < size; id++) {
            if (v.isEndOfGeneration(id)) eog.add(id);
            TokenType t = v.type(id);
            if (t != TokenType.NORMAL && t != TokenType.BYTE) continue;
            byte[] b = v.bytes(id);
            if (b.length == 0) continue;
            all[id] = b;
            int c = plainCost(b);
            cost[id] = c;
            if (c < 0) residual[id] = b;
            else maxCost = Math.max(maxCost, c);
        }
        fullTrie = TokenTrie.build(all);
        residualTrie = TokenTrie.build(residual);
        plainUpTo = new long[maxCost + 1][];
        long[] acc = new long[maskWords];
        for (int k = 0; k <= maxCost; k++) {
            for (int id = 0; id < size; id++) if (all[id] != null && cost[id] == k) acc[id >>> 6] |= 1L << id;
            plainUpTo[k] = acc.clone();
        }
        endOfGeneration = eog.stream().mapToInt(Integer::intValue).toArray();
    }

    static TokenVocabulary of(Vocabulary v) {
        synchronized (CACHE) {
            return CACHE.computeIfAbsent(v, TokenVocabulary::new);
        }
    }

    Vocabulary vocabulary() {
        return vocabulary;
    }

    OptionalInt tokenId(String text) {
        return vocabulary.idOf(text);
    }

    long[] plainMask(int budget) {
        return plainUpTo[Math.min(budget, plainUpTo.length - 1)];
    }

    /**
     * Code points of a token that fits anywhere inside a JSON string from a character boundary, counting a
     * cut final character as one; -1 if the token has a quote, backslash, control byte or invalid UTF-8.
     */
    static int plainCost(byte[] b) {
        int chars = 0;
        int i = 0;
        while (i < b.length) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                if (c < 0x20 || c == '"' || c == '\\') return -1;
                i++;
                chars++;
                continue;
            }
            int len, lo2 = 0x80, hi2 = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) len = 2;
            else if (c >= 0xE0 && c <= 0xEF) {
                len = 3;
                if (c == 0xE0) lo2 = 0xA0;
                if (c == 0xED) hi2 = 0x9F;
            } else if (c >= 0xF0 && c <= 0xF4) {
                len = 4;
                if (c == 0xF0) lo2 = 0x90;
                if (c == 0xF4) hi2 = 0x8F;
            } else return -1;
            for (int k = 1; k < len; k++) {
                if (i + k >= b.length) return chars + 1; // cut at the end: still completable
                int cc = b[i + k] & 0xFF;
                int lo = k == 1 ? lo2 : 0x80, hi = k == 1 ? hi2 : 0xBF;
                if (cc < lo || cc > hi) return -1;
            }
            i += len;
            chars++;
        }
        return chars;
    }
}

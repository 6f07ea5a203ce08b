package io.qwen4j.grammar;

import io.qwen4j.gguf.GgufFile;
import io.qwen4j.model.ChatFormat;
import io.qwen4j.model.qwen3vl.Qwen3VlChatFormat;
import io.qwen4j.testing.TestData;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Shared fixtures and drivers for the grammar tests: the full Qwen3 vocabulary, random walks, feeding text. */
final class GrammarFixtures {
    private static Qwen3Tokenizer qwen3;
    private static ConstraintCompiler compiler;

    private GrammarFixtures() {
    }

    static synchronized Qwen3Tokenizer qwen3() {
        if (qwen3 == null) {
            try (GgufFile f = GgufFile.open(TestData.path("tokenizer/qwen3-vocab.gguf"))) {
                qwen3 = Qwen3Tokenizer.fromGguf(f);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return qwen3;
    }

    static final ChatFormat.Tags QWEN3_TOOL_CALL = Qwen3VlChatFormat.FORMAT.toolCall();

    static synchronized ConstraintCompiler compiler() {
        // Qwen3's tool-call tags: the fixture vocabulary is Qwen3's.
        if (compiler == null) compiler = new ConstraintCompiler(qwen3().vocabulary(), QWEN3_TOOL_CALL.open(), QWEN3_TOOL_CALL.close());
        return compiler;
    }

    /** Outcome of a random walk. */
    record Walk(String text, boolean ended, int tokens, List<Integer> ids) {
    }

    /**
     * Generates by picking a random allowed token at every step (biased toward ending: end-of-generation
     * when allowed with probability {@code endBias}; tokens that close strings/containers preferred with
     * probability 0.3) until end-of-generation or {@code maxTokens}.
     */
    static Walk randomWalk(TokenConstraint c, Qwen3Tokenizer tok, long seed, int maxTokens, double endBias) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long[] mask = new long[c.maskWords()];
        List<Integer> ids = new ArrayList<>();
        StringBuilderBytes out = new StringBuilderBytes();
        int eos = -1;
        for (int step = 0; step < maxTokens; step++) {
            c.allowedTokens(mask);
            int[] allowed = bits(mask);
            if (allowed.length == 0) throw new AssertionError("no allowed token after " + out.text());
            int pick = -1;
            if (c.canEnd() && rnd.nextDouble() < endBias) {
                for (int id : allowed) if (tok.isEndOfGeneration(id)) { pick = id; break; }
            }
            if (pick < 0 && rnd.nextDouble() < 0.3) {
                List<Integer> closers = new ArrayList<>();
                for (int id : allowed) {
                    byte[] b = tok.tokenBytes(id);
                    for (byte x : b) if (x == '"' || x == '}' || x == ']') { closers.add(id); break; }
                }
                if (!closers.isEmpty()) pick = closers.get(rnd.nextInt(closers.size()));
            }
            if (pick < 0) pick = allowed[rnd.nextInt(allowed.length)];
            if (!c.accept(pick)) throw new AssertionError("allowed token " + pick + " rejected after " + out.text());
            ids.add(pick);
            if (tok.isEndOfGeneration(pick)) return new Walk(out.text(), true, ids.size(), ids);
            out.add(tok.tokenBytes(pick));
            if (c.isComplete() && rnd.nextDouble() < 2) {
                // complete: only end-of-generation remains
                c.allowedTokens(mask);
                for (int id : bits(mask)) if (!tok.isEndOfGeneration(id)) throw new AssertionError("complete but token " + id + " allowed");
            }
        }
        return new Walk(out.text(), false, ids.size(), ids);
    }

    static int[] bits(long[] mask) {
        int n = 0;
        for (long w : mask) n += Long.bitCount(w);
        int[] out = new int[n];
        int k = 0;
        for (int w = 0; w < mask.length; w++) {
            long x = mask[w];
            while (x != 0) {
                out[k++] = w * 64 + Long.numberOfTrailingZeros(x);
                x &= x - 1;
            }
        }
        return out;
    }

    /**
     * Feeds text token by token (tokenised by the real tokenizer) checking each token is in the mask; returns
     * null on success or a description of the first failure.
     */
    static String feed(TokenConstraint c, Qwen3Tokenizer tok, String text, boolean checkMask) {
        int[] ids = tok.encode(text, false);
        long[] mask = new long[c.maskWords()];
        StringBuilder sofar = new StringBuilder();
        for (int id : ids) {
            if (checkMask) {
                c.allowedTokens(mask);
                if ((mask[id >>> 6] & (1L << id)) == 0) return "token " + id + " '" + tok.decode(new int[] {id}) + "' masked after '" + sofar + "'";
            }
            if (!c.accept(id)) return "token " + id + " '" + tok.decode(new int[] {id}) + "' rejected after '" + sofar + "'";
            sofar.append(tok.decode(new int[] {id}));
        }
        if (!c.canEnd()) return "cannot end after '" + sofar + "'";
        return null;
    }

    /** Accumulates token bytes and decodes as UTF-8. */
    static final class StringBuilderBytes {
        private byte[] buf = new byte[256];
        private int n;

        void add(byte[] b) {
            if (n + b.length > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + b.length));
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
        }

        String text() {
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        }
    }
}

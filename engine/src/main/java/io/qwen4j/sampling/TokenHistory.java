package io.qwen4j.sampling;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * What a sequence has seen so far, in the forms the penalties need: the set of tokens in prompt and output
 * (repetition penalty), and how often each token occurs in the output (frequency and presence penalties).
 * Updated incrementally, one token per step.
 */
public final class TokenHistory {
    private final BitSet seen = new BitSet();
    private final Map<Integer, int[]> outputCounts = new HashMap<>();

    public TokenHistory(int[] prompt) {
        for (int id : prompt) seen.set(id);
    }

    public void append(int token) {
        seen.set(token);
        outputCounts.computeIfAbsent(token, t -> new int[1])[0]++;
    }

    /** Every distinct token of prompt and output. */
    public BitSet seen() {
        return seen;
    }

    /** Distinct output tokens with their counts (the map's values are one-element arrays). */
    public Map<Integer, int[]> outputCounts() {
        return outputCounts;
    }
}

package io.qwen4j.sampling;

import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * What a sequence has seen so far, in the forms the penalties need: the set of tokens in prompt and output
 * (repetition penalty), and how often each token occurs in the output (frequency and presence penalties).
 * Updated incrementally, one token per step.
 */
public final class TokenHistory {
    private final int promptLength;
    private final BitSet seen = new BitSet();
    private final Map<Integer, int[]> outputCounts = new HashMap<>();
    private int[] output = new int[16];
    private int outputLength;

    public TokenHistory(int[] prompt) {
        this.promptLength = prompt.length;
        for (int id : prompt) seen.set(id);
    }

    public void append(int token) {
        if (outputLength == output.length) output = Arrays.copyOf(output, output.length * 2);
        output[outputLength++] = token;
        seen.set(token);
        outputCounts.computeIfAbsent(token, t -> new int[1])[0]++;
    }

    public int promptLength() {
        return promptLength;
    }

    public int outputLength() {
        return outputLength;
    }

    public int output(int i) {
        return output[i];
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

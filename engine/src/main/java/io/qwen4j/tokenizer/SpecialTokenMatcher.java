package io.qwen4j.tokenizer;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens (CONTROL and USER_DEFINED) in raw text, leftmost match first and the longest token
 * at that position, as HF tokenizers' added-vocabulary split does. CONTROL tokens are looked for only when
 * special parsing is on, so that user content cannot inject {@code <|im_start|>}; USER_DEFINED tokens such
 * as {@code <think>} are always matched (llama.cpp and HF agree on that).
 */
final class SpecialTokenMatcher {

    private record Candidate(String text, int id, boolean control) {
    }

    /** Candidates by first char, longest first. */
    private final Map<Character, Candidate[]> byFirstChar;
    /** Fast reject for chars below 128 (all real special tokens start with an ASCII char). */
    private final boolean[] asciiFirst = new boolean[128];
    private final boolean anyNonAsciiFirst;

    SpecialTokenMatcher(Vocabulary vocabulary) {
        Map<Character, List<Candidate>> lists = new HashMap<>();
        for (int id : vocabulary.specialIds()) {
            String text = vocabulary.text(id);
            boolean control = vocabulary.type(id) == TokenType.CONTROL;
            lists.computeIfAbsent(text.charAt(0), k -> new ArrayList<>()).add(new Candidate(text, id, control));
        }
        byFirstChar = new HashMap<>();
        boolean nonAscii = false;
        for (var e : lists.entrySet()) {
            List<Candidate> list = e.getValue();
            list.sort(Comparator.comparingInt((Candidate c) -> c.text.length()).reversed());
            byFirstChar.put(e.getKey(), list.toArray(Candidate[]::new));
            char c = e.getKey();
            if (c < 128) asciiFirst[c] = true;
            else nonAscii = true;
        }
        anyNonAsciiFirst = nonAscii;
    }

    /**
     * The first added token at or after {@code from}, packed as {@code start << 32 | id}; -1 when none.
     * The token's text is {@link Vocabulary#text(int)} of the id.
     */
    long findNext(String text, int from, boolean includeControl) {
        return findNext(text, from, includeControl, null);
    }

    /** As {@link #findNext(String, int, boolean)}, but no CONTROL token may start where {@code plainAt} is set. */
    long findNext(String text, int from, boolean includeControl, BitSet plainAt) {
        int n = text.length();
        for (int i = from; i < n; i++) {
            char c = text.charAt(i);
            if (c < 128 ? !asciiFirst[c] : !anyNonAsciiFirst) continue;
            Candidate[] candidates = byFirstChar.get(c);
            if (candidates == null) continue;
            for (Candidate cand : candidates) {
                boolean allowed = !cand.control || (includeControl && (plainAt == null || !plainAt.get(i)));
                if (allowed && text.startsWith(cand.text, i)) {
                    return ((long) i << 32) | cand.id;
                }
            }
        }
        return -1;
    }
}

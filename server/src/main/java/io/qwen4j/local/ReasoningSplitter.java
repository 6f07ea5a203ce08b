package io.qwen4j.local;

/**
 * Separates a {@code <think>…</think>} block at the start of the output (Qwen3 thinking models) from the
 * answer, on text that arrives piece by piece. Text that may still turn out to be a tag is held back.
 * A prompt that already ends inside {@code <think>} (a thinking template's generation prompt) starts in
 * the reasoning part.
 */
final class ReasoningSplitter {
    static final String OPEN = "<think>", CLOSE = "</think>";

    record Parts(String content, String reasoning, boolean inReasoning) {
    }

    private enum State { UNDECIDED, REASONING, AFTER_REASONING, CONTENT }

    private State state;
    private final StringBuilder pending = new StringBuilder();

    ReasoningSplitter(boolean startsInReasoning) {
        state = startsInReasoning ? State.REASONING : State.UNDECIDED;
    }

    /** Whether the prompt text leaves the model inside a thinking block. */
    static boolean promptOpensReasoning(String prompt) {
        int open = prompt.lastIndexOf(OPEN);
        return open >= 0 && prompt.indexOf(CLOSE, open) < 0 && prompt.substring(open + OPEN.length()).isBlank();
    }

    Parts push(String text) {
        boolean wasReasoning = state == State.REASONING;
        pending.append(text);
        StringBuilder content = new StringBuilder(), reasoning = new StringBuilder();
        boolean progress = true;
        while (progress && !pending.isEmpty()) {
            progress = false;
            switch (state) {
                case UNDECIDED -> {
                    String lead = pending.toString().stripLeading();
                    if (lead.startsWith(OPEN)) {
                        pending.setLength(0);
                        pending.append(lead.substring(OPEN.length()));
                        state = State.REASONING;
                        wasReasoning = true;
                        progress = true;
                    } else if (!OPEN.startsWith(lead)) {
                        state = State.CONTENT;
                        progress = true;
                    }
                }
                case REASONING -> {
                    int end = pending.indexOf(CLOSE);
                    if (end >= 0) {
                        reasoning.append(pending, 0, end);
                        pending.delete(0, end + CLOSE.length());
                        state = State.AFTER_REASONING;
                        progress = true;
                    } else {
                        int hold = heldPrefix(pending, CLOSE);
                        reasoning.append(pending, 0, pending.length() - hold);
                        pending.delete(0, pending.length() - hold);
                    }
                }
                case AFTER_REASONING -> {
                    // The template writes "</think>\n\n" before the answer: the newlines are not part of it.
                    int i = 0;
                    while (i < pending.length() && (pending.charAt(i) == '\n' || pending.charAt(i) == '\r')) i++;
                    pending.delete(0, i);
                    if (!pending.isEmpty()) {
                        state = State.CONTENT;
                        progress = true;
                    }
                }
                case CONTENT -> {
                    content.append(pending);
                    pending.setLength(0);
                }
            }
        }
        return new Parts(content.toString(), reasoning.toString(), wasReasoning || state == State.REASONING);
    }

    /** The end of the output: whatever is held goes where it was heading. */
    Parts finish() {
        String rest = pending.toString();
        pending.setLength(0);
        return switch (state) {
            case REASONING -> new Parts("", rest, true);
            case AFTER_REASONING -> new Parts("", "", false);
            default -> new Parts(rest, "", false);
        };
    }

    private static int heldPrefix(StringBuilder text, String tag) {
        for (int len = Math.min(tag.length() - 1, text.length()); len > 0; len--) {
            if (text.substring(text.length() - len).equals(tag.substring(0, len))) return len;
        }
        return 0;
    }
}

package io.qwen4j.local;

import io.qwen4j.model.ChatFormat;

/**
 * Separates a reasoning block at the start of the output (between the model's {@link ChatFormat#reasoning()}
 * tags: {@code <think>…</think>} for Qwen3 thinking models) from the answer, on text that arrives piece by
 * piece. Text that may still turn out to be a tag is held back. A prompt that already ends inside the opening
 * tag (a thinking template's generation prompt) starts in the reasoning part.
 */
final class ReasoningSplitter {
    record Parts(String content, String reasoning, boolean inReasoning) {
    }

    private enum State { UNDECIDED, REASONING, AFTER_REASONING, CONTENT }

    private final String open, close;
    private State state;
    private final StringBuilder pending = new StringBuilder();

    /** With {@code tags} null (a model without reasoning blocks) all of the output is content. */
    ReasoningSplitter(ChatFormat.Tags tags, boolean startsInReasoning) {
        this.open = tags == null ? null : tags.open();
        this.close = tags == null ? null : tags.close();
        state = tags == null ? State.CONTENT : startsInReasoning ? State.REASONING : State.UNDECIDED;
    }

    /** Whether the prompt text leaves the model inside a thinking block. */
    static boolean promptOpensReasoning(ChatFormat.Tags tags, String prompt) {
        if (tags == null) return false;
        int at = prompt.lastIndexOf(tags.open());
        return at >= 0 && prompt.indexOf(tags.close(), at) < 0 && prompt.substring(at + tags.open().length()).isBlank();
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
                    if (lead.startsWith(open)) {
                        pending.setLength(0);
                        pending.append(lead.substring(open.length()));
                        state = State.REASONING;
                        wasReasoning = true;
                        progress = true;
                    } else if (!open.startsWith(lead)) {
                        state = State.CONTENT;
                        progress = true;
                    }
                }
                case REASONING -> {
                    int end = pending.indexOf(close);
                    if (end >= 0) {
                        reasoning.append(pending, 0, end);
                        pending.delete(0, end + close.length());
                        state = State.AFTER_REASONING;
                        progress = true;
                    } else {
                        int hold = heldPrefix(pending, close);
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

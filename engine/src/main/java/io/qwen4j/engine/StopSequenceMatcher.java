package io.qwen4j.engine;

import java.util.List;

/**
 * Finds stop strings in text that arrives piece by piece. Text that might be the start of a stop string is
 * held back until it is known not to be; a stop string itself is never released.
 */
final class StopSequenceMatcher {
    /** What {@link #push} released, and the stop string found (null if none; then generation goes on). */
    record Result(String text, String matched) {
    }

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();

    StopSequenceMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    Result push(String text) {
        if (stops.isEmpty()) return new Result(text, null);
        pending.append(text);
        // Earliest match wins; at the same position, the longest.
        int at = -1;
        String found = null;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > found.length()))) {
                at = i;
                found = s;
            }
        }
        if (found != null) {
            String before = pending.substring(0, at);
            pending.setLength(0);
            return new Result(before, found);
        }
        int hold = heldSuffix();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return new Result(out, null);
    }

    /** Releases what is held (the generation ended for another reason). */
    String flush() {
        String s = pending.toString();
        pending.setLength(0);
        return s;
    }

    /** Length of the longest suffix of {@code pending} that is a proper prefix of some stop string. */
    private int heldSuffix() {
        int best = 0;
        String p = pending.toString();
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, p.length()); len > best; len--) {
                if (p.regionMatches(p.length() - len, s, 0, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }
}

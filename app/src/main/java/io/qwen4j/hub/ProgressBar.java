package io.qwen4j.hub;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line download progress display, redrawn at most a few times a second. */
final class ProgressBar {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long done;

    ProgressBar(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    void update(long bytes) {
        done = bytes;
        long now = System.nanoTime();
        if (now - lastDraw < 200_000_000L) return;
        lastDraw = now;
        draw();
    }

    void finish() {
        draw();
        out.println();
    }

    private void draw() {
        double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        int width = 30;
        int filled = total > 0 ? (int) Math.min(width, done * width / total) : 0;
        String bar = "#".repeat(filled) + "-".repeat(width - filled);
        out.printf(Locale.ROOT, "\r%s [%s] %5.1f%% %8.1f / %.1f MB %6.1f MB/s", label, bar,
                total > 0 ? 100.0 * done / total : 0.0, done / 1e6, total / 1e6, done / 1e6 / seconds);
        out.flush();
    }
}

package io.qwen4j.image;

/**
 * The target size of an image for Qwen-VL, as transformers' {@code smart_resize}: both sides become
 * multiples of {@code factor} (patch 16 × merge 2 = 32), rounded half to even like Python's
 * {@code round()}, then scaled down to at most {@code maxPixels} or up to at least {@code minPixels}
 * keeping the aspect ratio approximately. Every step is double arithmetic, as in Python.
 */
public final class SmartResize {
    private SmartResize() {
    }

    public record Size(int height, int width) {
    }

    public static Size fit(int height, int width, int factor, long minPixels, long maxPixels) throws ImageException {
        if (height < 1 || width < 1) throw new ImageException("image size " + width + "x" + height + " is empty");
        double ratio = (double) Math.max(height, width) / Math.min(height, width);
        if (ratio > 200) throw new ImageException("absolute aspect ratio must be smaller than 200, got " + ratio);
        long h = (long) Math.rint((double) height / factor) * factor;
        long w = (long) Math.rint((double) width / factor) * factor;
        if (h * w > maxPixels) {
            double beta = Math.sqrt((double) height * width / maxPixels);
            h = Math.max(factor, (long) Math.floor(height / beta / factor) * factor);
            w = Math.max(factor, (long) Math.floor(width / beta / factor) * factor);
        } else if (h * w < minPixels) {
            double beta = Math.sqrt((double) minPixels / ((double) height * width));
            h = (long) Math.ceil(height * beta / factor) * factor;
            w = (long) Math.ceil(width * beta / factor) * factor;
        }
        if (h > Integer.MAX_VALUE / 4 || w > Integer.MAX_VALUE / 4) throw new ImageException("image size " + width + "x" + height + " is too large");
        return new Size((int) h, (int) w);
    }
}

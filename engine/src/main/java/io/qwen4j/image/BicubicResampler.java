package io.qwen4j.image;

/**
 * Antialiased bicubic resize of an 8-bit RGB image (Keys cubic, a = −0.5, support widened by the scale when
 * shrinking), computed in fixed point exactly like the two libraries behind transformers' image
 * processors:
 * <ul>
 *   <li>{@link Backend#TORCHVISION}: PyTorch's uint8 {@code _upsample_bicubic2d_aa} (what torchvision's
 *       {@code resize(antialias=True)} runs on CPU): int16 weights with a precision chosen per axis from the
 *       largest weight;</li>
 *   <li>{@link Backend#PILLOW}: Pillow's {@code Image.resize(BICUBIC)}: 22-bit int32 weights.</li>
 * </ul>
 * Both filter rows first into an 8-bit intermediate, then columns; an axis whose size does not change is not
 * filtered at all (so a same-size image comes back unchanged).
 */
public final class BicubicResampler {

    public enum Backend { TORCHVISION, PILLOW }

    private BicubicResampler() {
    }

    /** Per output index: first input index, tap count, integer weights ({@code taps} per output), precision. */
    record Filter(int[] start, int[] size, int taps, int[] weights, int precision) {
    }

    public static RgbImage resize(RgbImage src, int width, int height, Backend backend) {
        if (width < 1 || height < 1) throw new IllegalArgumentException("target size " + width + "x" + height);
        RgbImage img = src;
        if (width != img.width()) img = horizontal(img, filter(img.width(), width, backend));
        if (height != img.height()) img = vertical(img, filter(img.height(), height, backend));
        return img;
    }

    /** Keys cubic, a = −0.5, each library's own expression (the weights are rounded to integers later). */
    static double cubic(double x, Backend backend) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return backend == Backend.PILLOW ? (((x - 5) * x + 8) * x - 4) * a : ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0.0;
    }

    static Filter filter(int in, int out, Backend backend) {
        double scale = (double) in / out;
        double filterScale = Math.max(scale, 1.0);
        double support = 2.0 * filterScale;
        int taps = (int) Math.ceil(support) * 2 + 1;
        double inv = 1.0 / filterScale;
        int[] start = new int[out], size = new int[out];
        double[] w = new double[out * taps];
        double wMax = 0;
        for (int i = 0; i < out; i++) {
            double center = scale * (i + 0.5);
            int min = Math.max((int) (center - support + 0.5), 0);
            int n = Math.min((int) (center + support + 0.5), in) - min;
            n = Math.clamp(n, 0, taps);
            double total = 0;
            for (int j = 0; j < n; j++) {
                double v = cubic((j + min - center + 0.5) * inv, backend);
                w[i * taps + j] = v;
                total += v;
            }
            if (total != 0.0) {
                for (int j = 0; j < n; j++) {
                    w[i * taps + j] /= total;
                    wMax = Math.max(wMax, w[i * taps + j]);
                }
            }
            start[i] = min;
            size[i] = n;
        }
        int precision;
        if (backend == Backend.PILLOW) {
            precision = 22;
        } else {
            // The most fractional bits that keep the largest weight (×2) inside int16.
            for (precision = 0; precision < 22; precision++) {
                int next = (int) (0.5 + wMax * (1 << (precision + 1)));
                if (next >= (1 << 15)) break;
            }
        }
        int[] k = new int[w.length];
        for (int i = 0; i < w.length; i++) {
            double v = w[i] * (1 << precision);
            k[i] = v < 0 ? (int) (-0.5 + v) : (int) (0.5 + v);
        }
        return new Filter(start, size, taps, k, precision);
    }

    private static int clip8(long sum, int precision) {
        long v = sum >> precision;
        return v < 0 ? 0 : v > 255 ? 255 : (int) v;
    }

    private static RgbImage horizontal(RgbImage src, Filter f) {
        int inW = src.width(), h = src.height(), outW = f.start().length;
        byte[] in = src.rgb(), out = new byte[3 * outW * h];
        long round = 1L << (f.precision() - 1);
        for (int y = 0; y < h; y++) {
            int row = y * inW * 3;
            for (int x = 0; x < outW; x++) {
                long r = round, g = round, b = round;
                int k = x * f.taps(), p = row + f.start()[x] * 3;
                for (int j = 0; j < f.size()[x]; j++, p += 3) {
                    int wj = f.weights()[k + j];
                    r += (in[p] & 0xFF) * wj;
                    g += (in[p + 1] & 0xFF) * wj;
                    b += (in[p + 2] & 0xFF) * wj;
                }
                int o = (y * outW + x) * 3;
                out[o] = (byte) clip8(r, f.precision());
                out[o + 1] = (byte) clip8(g, f.precision());
                out[o + 2] = (byte) clip8(b, f.precision());
            }
        }
        return new RgbImage(outW, h, out);
    }

    private static RgbImage vertical(RgbImage src, Filter f) {
        int w = src.width(), outH = f.start().length, stride = w * 3;
        byte[] in = src.rgb(), out = new byte[3 * w * outH];
        long round = 1L << (f.precision() - 1);
        long[] acc = new long[stride];
        for (int y = 0; y < outH; y++) {
            java.util.Arrays.fill(acc, round);
            int k = y * f.taps();
            for (int j = 0; j < f.size()[y]; j++) {
                int wj = f.weights()[k + j], row = (f.start()[y] + j) * stride;
                for (int i = 0; i < stride; i++) acc[i] += (in[row + i] & 0xFF) * wj;
            }
            for (int i = 0; i < stride; i++) out[y * stride + i] = (byte) clip8(acc[i], f.precision());
        }
        return new RgbImage(w, outH, out);
    }
}

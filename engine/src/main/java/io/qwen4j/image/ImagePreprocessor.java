package io.qwen4j.image;

/**
 * Hugging Face's Qwen2-VL image processor as configured for Qwen3-VL: {@link SmartResize} to multiples of
 * patch × merge, bicubic resize ({@link BicubicResampler}, torchvision's by default, as transformers 5.x
 * loads), normalisation as the fast processor computes it in float32, {@code (u8 − 255·mean) / (255·std)}
 * (= {@code (u8 − 127.5f) / 127.5f} for mean = std = 0.5), then patches in merge-block order with the frame
 * repeated to fill the temporal patch.
 */
public final class ImagePreprocessor {

    /**
     * @param minPixels / maxPixels bounds on the resized area (HF: {@code size.shortest_edge} 65,536 and
     *                  {@code size.longest_edge} 16,777,216 in Qwen3-VL's preprocessor_config.json)
     */
    public record Config(int patchSize, int mergeSize, int temporalPatchSize, long minPixels, long maxPixels,
                         float[] mean, float[] std, BicubicResampler.Backend backend) {

        public static final long DEFAULT_MIN_PIXELS = 65_536;
        public static final long DEFAULT_MAX_PIXELS = 16_777_216;

        public Config {
            if (patchSize < 1 || mergeSize < 1 || temporalPatchSize < 1) throw new IllegalArgumentException("patch/merge/temporal sizes must be positive");
            if (minPixels < 1 || maxPixels < minPixels) throw new IllegalArgumentException("pixel bounds " + minPixels + ".." + maxPixels);
            if (mean.length != 3 || std.length != 3) throw new IllegalArgumentException("mean/std need 3 channels");
        }

        /** Qwen3-VL's preprocessor_config.json: patch 16, merge 2, temporal 2, mean = std = 0.5, torchvision. */
        public static Config qwen3Vl() {
            return new Config(16, 2, 2, DEFAULT_MIN_PIXELS, DEFAULT_MAX_PIXELS, new float[] {0.5f, 0.5f, 0.5f},
                    new float[] {0.5f, 0.5f, 0.5f}, BicubicResampler.Backend.TORCHVISION);
        }

        public Config withPixels(long min, long max) {
            return new Config(patchSize, mergeSize, temporalPatchSize, min, max, mean, std, backend);
        }

        public Config withBackend(BicubicResampler.Backend b) {
            return new Config(patchSize, mergeSize, temporalPatchSize, minPixels, maxPixels, mean, std, b);
        }

        public int factor() {
            return patchSize * mergeSize;
        }
    }

    private final Config config;

    public ImagePreprocessor(Config config) {
        this.config = config;
    }

    public Config config() {
        return config;
    }

    /** The size {@code image} is resized to. */
    public SmartResize.Size targetSize(int width, int height) throws ImageException {
        return SmartResize.fit(height, width, config.factor(), config.minPixels(), config.maxPixels());
    }

    /** The resized 8-bit image (before normalisation). */
    public RgbImage resize(RgbImage image) throws ImageException {
        SmartResize.Size s = targetSize(image.width(), image.height());
        return BicubicResampler.resize(image, s.width(), s.height(), config.backend());
    }

    public PixelValues preprocess(RgbImage image) throws ImageException {
        return patchify(resize(image));
    }

    /** Normalises and cuts an already resized image (sides multiples of patch × merge) into patches. */
    public PixelValues patchify(RgbImage resized) {
        int p = config.patchSize(), m = config.mergeSize(), tp = config.temporalPatchSize();
        if (resized.width() % (p * m) != 0 || resized.height() % (p * m) != 0) {
            throw new IllegalArgumentException(resized + " is not a multiple of " + p * m);
        }
        int gh = resized.height() / p, gw = resized.width() / p, w = resized.width();
        int patchDim = 3 * tp * p * p;
        // Level → normalised float, per channel, in float32 as each HF processor computes it: the fast
        // (torchvision) one fuses rescale and normalise, the slow (Pillow) one rescales in double first.
        // They differ by 1 ulp on half the levels.
        float[][] level = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                level[c][v] = config.backend() == BicubicResampler.Backend.TORCHVISION
                        ? (v - config.mean()[c] * 255f) / (config.std()[c] * 255f)
                        : ((float) (v * (1 / 255.0)) - config.mean()[c]) / config.std()[c];
            }
        }
        float[] out = new float[gh * gw * patchDim];
        byte[] rgb = resized.rgb();
        int patch = 0;
        for (int by = 0; by < gh / m; by++) {
            for (int bx = 0; bx < gw / m; bx++) {
                for (int dy = 0; dy < m; dy++) {
                    for (int dx = 0; dx < m; dx++, patch++) {
                        int row = by * m + dy, col = bx * m + dx;
                        int base = patch * patchDim;
                        for (int c = 0; c < 3; c++) {
                            for (int t = 0; t < tp; t++) {
                                int o = base + (c * tp + t) * p * p;
                                for (int py = 0; py < p; py++) {
                                    int src = ((row * p + py) * w + col * p) * 3 + c;
                                    for (int px = 0; px < p; px++) out[o + py * p + px] = level[c][rgb[src + px * 3] & 0xFF];
                                }
                            }
                        }
                    }
                }
            }
        }
        return new PixelValues(1, gh, gw, p, tp, m, out);
    }
}

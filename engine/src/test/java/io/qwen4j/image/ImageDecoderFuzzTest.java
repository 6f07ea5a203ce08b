package io.qwen4j.image;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded mutants of valid PNG, JPEG, GIF, BMP and WebP files (bytes flipped, runs overwritten, header
 * fields replaced, truncated, spliced): every one must decode or fail with {@link ImageException} — nothing
 * else thrown, nothing hanging.
 */
@Tag("slow")
class ImageDecoderFuzzTest {

    static final int MUTANTS_PER_SEED = 600;

    static Map<String, byte[]> seeds() throws Exception {
        Map<String, byte[]> seeds = new LinkedHashMap<>();
        BufferedImage rgb = new BufferedImage(23, 17, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 17; y++) for (int x = 0; x < 23; x++) rgb.setRGB(x, y, (x * 11) << 16 | (y * 15) << 8 | (x ^ y) * 9);
        BufferedImage grey = new BufferedImage(16, 9, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 9; y++) for (int x = 0; x < 16; x++) grey.getRaster().setSample(x, y, 0, x * 16 + y);
        seeds.put("png", TestImages.write(rgb, "png"));
        seeds.put("png-palette16", TestImages.png(5, 3, 3, 8, new byte[] {0, 1, 2, 1, 0, 2, 2, 1, 0, 0, 1, 1, 2, 2, 0},
                new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, new byte[] {0}));
        byte[] samples16 = new byte[4 * 3 * 6];
        new Random(1).nextBytes(samples16);
        seeds.put("png-16bit", TestImages.png(4, 3, 2, 16, samples16, null, null));
        seeds.put("jpeg", TestImages.write(rgb, "jpeg"));
        seeds.put("jpeg-grey", TestImages.write(grey, "jpeg"));
        seeds.put("gif", TestImages.write(rgb, "gif"));
        seeds.put("gif-offset", TestImages.gif(5, 4, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 1, 1, 1, 3, 2, new int[] {0, 1, 2, 3, 2, 1}));
        seeds.put("bmp", TestImages.write(rgb, "bmp"));
        seeds.put("bmp-grey", TestImages.write(grey, "bmp"));
        int[] choices = new int[6 * 5];
        for (int i = 0; i < choices.length; i++) choices[i] = (i * 5) & 7;
        seeds.put("webp-lossless", TestImages.webpLossless(6, 5, new int[] {1, 2}, new int[] {3, 4}, new int[] {5, 6}, 9, choices));
        return seeds;
    }

    static byte[] mutate(byte[] seed, Random r) {
        byte[] b = seed.clone();
        switch (r.nextInt(6)) {
            case 0 -> { // flip a few bits
                for (int i = r.nextInt(8) + 1; i > 0; i--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> { // overwrite a run with random bytes
                int at = r.nextInt(b.length), n = Math.min(b.length - at, 1 + r.nextInt(16));
                for (int i = 0; i < n; i++) b[at + i] = (byte) r.nextInt(256);
            }
            case 2 -> { // replace a header-ish 16/32-bit field with an extreme value
                int at = r.nextInt(Math.min(b.length, 64));
                int[] extremes = {0, 1, 0xFF, 0x7F, 0x80};
                for (int i = 0; i < 1 + r.nextInt(4) && at + i < b.length; i++) b[at + i] = (byte) extremes[r.nextInt(extremes.length)];
            }
            case 3 -> b = Arrays.copyOf(b, r.nextInt(b.length)); // truncate
            case 4 -> { // duplicate a slice somewhere else (chunk and segment confusion)
                int from = r.nextInt(b.length), len = Math.min(b.length - from, 1 + r.nextInt(64)), to = r.nextInt(b.length);
                byte[] out = new byte[b.length + len];
                System.arraycopy(b, 0, out, 0, to);
                System.arraycopy(b, from, out, to, len);
                System.arraycopy(b, to, out, to + len, b.length - to);
                b = out;
            }
            default -> { // mutate many bytes after the signature
                for (int i = 0; i < 1 + r.nextInt(40); i++) b[Math.min(b.length - 1, 8 + r.nextInt(Math.max(1, b.length - 8)))] = (byte) r.nextInt(256);
            }
        }
        return b;
    }

    static Stream<Arguments> seedImages() throws Exception {
        return seeds().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    /** One named case per seed image; its mutants come from {@code new Random(name.hashCode())}. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("seedImages")
    void mutantsDecodeOrFailCleanly(String name, byte[] seed) throws Exception {
        ImageDecoder decoder = new ImageDecoder(4_000_000, 5_000);
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime(), slowest = 0;
        RgbImage original = decoder.decode(seed);
        assertThat(original.width()).as(name).isPositive();
        Random r = new Random(name.hashCode());
        int[] counts = new int[2];
        for (int i = 0; i < MUTANTS_PER_SEED; i++) {
            byte[] mutant = mutate(seed, r);
            long t0 = System.nanoTime();
            try {
                RgbImage img = decoder.decode(mutant);
                assertThat(img.rgb()).hasSize(3 * img.width() * img.height());
                counts[0]++;
            } catch (ImageException e) {
                assertThat(e.getMessage()).as("%s mutant %d: message", name, i).isNotBlank();
                counts[1]++;
            } catch (Throwable t) {
                failures.add(name + " mutant " + i + ": " + t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            slowest = Math.max(slowest, ms);
            if (ms > 5_000) failures.add(name + " mutant " + i + " took " + ms + " ms");
        }
        System.out.printf("fuzz %s (decoded / refused) %d/%d in %d ms, slowest %d ms%n", name, counts[0], counts[1],
                (System.nanoTime() - started) / 1_000_000, slowest);
        if (!failures.isEmpty()) fail(failures.size() + " mutants of " + name + " threw something else than ImageException:\n"
                + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
    }
}

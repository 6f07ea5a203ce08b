package io.qwen4j.image;

import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Decoding to RGB as transformers 5.18 gets it from Pillow's {@code convert("RGB")}: alpha dropped, grey
 * replicated, palettes looked up, 16-bit PNG colour by its high byte, 16-bit grey clipped at 255 (mode I;16),
 * low-bit grey scaled, 5/6-bit BMP fields scaled by 255/max, GIF frames placed on their logical screen.
 */
class ImageDecoderTest {

    final ImageDecoder decoder = new ImageDecoder();

    static int[] pixel(RgbImage img, int x, int y) {
        return new int[] {img.get(x, y, 0), img.get(x, y, 1), img.get(x, y, 2)};
    }

    static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    @Test
    void pngRgbAndRgbaDropAlpha() throws Exception {
        RgbImage rgb = decoder.decode(TestImages.png(2, 1, 2, 8, bytes(10, 20, 30, 200, 100, 0), null, null));
        assertThat(pixel(rgb, 0, 0)).containsExactly(10, 20, 30);
        assertThat(pixel(rgb, 1, 0)).containsExactly(200, 100, 0);
        // A fully transparent pixel keeps its colour (no compositing on white or black).
        RgbImage rgba = decoder.decode(TestImages.png(2, 1, 6, 8, bytes(10, 20, 30, 0, 250, 5, 7, 128), null, null));
        assertThat(pixel(rgba, 0, 0)).containsExactly(10, 20, 30);
        assertThat(pixel(rgba, 1, 0)).containsExactly(250, 5, 7);
    }

    @Test
    void png16BitColourKeepsTheHighByte() throws Exception {
        RgbImage rgb = decoder.decode(TestImages.png(1, 1, 2, 16, bytes(0x12, 0xFF, 0xAB, 0x01, 0x00, 0x80), null, null));
        assertThat(pixel(rgb, 0, 0)).containsExactly(0x12, 0xAB, 0x00);
        RgbImage rgba = decoder.decode(TestImages.png(1, 1, 6, 16, bytes(0xFE, 0xFF, 0x01, 0x02, 0x7F, 0x80, 0, 0), null, null));
        assertThat(pixel(rgba, 0, 0)).containsExactly(0xFE, 0x01, 0x7F);
        RgbImage la = decoder.decode(TestImages.png(1, 1, 4, 16, bytes(0x40, 0xC0, 0x00, 0x00), null, null));
        assertThat(pixel(la, 0, 0)).containsExactly(0x40, 0x40, 0x40);
    }

    @Test
    void png16BitGreyIsClippedLikePillowModeI16() throws Exception {
        RgbImage g = decoder.decode(TestImages.png(4, 1, 0, 16, bytes(0x00, 0x80, 0x00, 0xFF, 0x01, 0x00, 0xFF, 0xFF), null, null));
        assertThat(pixel(g, 0, 0)).containsExactly(128, 128, 128);
        assertThat(pixel(g, 1, 0)).containsExactly(255, 255, 255);
        assertThat(pixel(g, 2, 0)).containsExactly(255, 255, 255);
        assertThat(pixel(g, 3, 0)).containsExactly(255, 255, 255);
    }

    @Test
    void pngGreyDepthsAreScaledTo8Bits() throws Exception {
        assertThat(pixel(decoder.decode(TestImages.png(1, 1, 0, 8, bytes(77), null, null)), 0, 0)).containsExactly(77, 77, 77);
        RgbImage two = decoder.decode(TestImages.png(4, 1, 0, 2, bytes(0b00_01_10_11), null, null));
        for (int x = 0; x < 4; x++) assertThat(pixel(two, x, 0)).containsExactly(85 * x, 85 * x, 85 * x);
        RgbImage four = decoder.decode(TestImages.png(2, 1, 0, 4, bytes(0x3C), null, null));
        assertThat(pixel(four, 0, 0)).containsExactly(51, 51, 51);
        assertThat(pixel(four, 1, 0)).containsExactly(204, 204, 204);
        RgbImage one = decoder.decode(TestImages.png(3, 1, 0, 1, bytes(0b101_00000), null, null));
        assertThat(pixel(one, 0, 0)).containsExactly(255, 255, 255);
        assertThat(pixel(one, 1, 0)).containsExactly(0, 0, 0);
        // Grey with a tRNS colour key, grey + alpha: still just grey.
        assertThat(pixel(decoder.decode(TestImages.png(1, 1, 0, 8, bytes(90), null, bytes(0, 90))), 0, 0)).containsExactly(90, 90, 90);
        assertThat(pixel(decoder.decode(TestImages.png(1, 1, 4, 8, bytes(90, 0), null, null)), 0, 0)).containsExactly(90, 90, 90);
    }

    @Test
    void pngPaletteIsLookedUpAndItsAlphaDropped() throws Exception {
        byte[] palette = bytes(255, 0, 0, 0, 255, 0, 0, 0, 255);
        RgbImage p8 = decoder.decode(TestImages.png(3, 1, 3, 8, bytes(2, 0, 1), palette, bytes(0, 128, 255)));
        assertThat(pixel(p8, 0, 0)).containsExactly(0, 0, 255);
        assertThat(pixel(p8, 1, 0)).containsExactly(255, 0, 0);
        assertThat(pixel(p8, 2, 0)).containsExactly(0, 255, 0);
        RgbImage p4 = decoder.decode(TestImages.png(2, 1, 3, 4, bytes(0x12), palette, null));
        assertThat(pixel(p4, 0, 0)).containsExactly(0, 255, 0);
        assertThat(pixel(p4, 1, 0)).containsExactly(0, 0, 255);
    }

    @Test
    void jpegColourAndGrey() throws Exception {
        BufferedImage src = new BufferedImage(32, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 32; x++) src.setRGB(x, y, (x * 8) << 16 | (y * 16) << 8 | 128);
        RgbImage rgb = decoder.decode(TestImages.write(src, "jpeg"));
        assertThat(rgb.width()).isEqualTo(32);
        assertThat(rgb.height()).isEqualTo(16);
        for (int y = 0; y < 16; y += 5) {
            for (int x = 0; x < 32; x += 7) {
                int want = src.getRGB(x, y);
                assertThat(rgb.get(x, y, 0)).isCloseTo((want >> 16) & 0xFF, org.assertj.core.data.Offset.offset(12));
                assertThat(rgb.get(x, y, 2)).isCloseTo(want & 0xFF, org.assertj.core.data.Offset.offset(12));
            }
        }
        BufferedImage grey = new BufferedImage(16, 16, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(3, 3, 0, 200);
        RgbImage g = decoder.decode(TestImages.write(grey, "jpeg"));
        for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) {
            assertThat(g.get(x, y, 0)).isEqualTo(g.get(x, y, 1)).isEqualTo(g.get(x, y, 2));
        }
    }

    @Test
    void gifFirstFrameSitsOnItsLogicalScreen() throws Exception {
        byte[] palette = bytes(10, 10, 10, 200, 0, 0, 0, 200, 0, 0, 0, 200);
        // 4x3 screen, a 2x2 frame at (1, 1), transparent index 2: the rest of the screen is index 2's colour.
        RgbImage img = decoder.decode(TestImages.gif(4, 3, palette, 2, 1, 1, 2, 2, new int[] {1, 2, 3, 0}));
        assertThat(img.width()).isEqualTo(4);
        assertThat(img.height()).isEqualTo(3);
        assertThat(pixel(img, 0, 0)).containsExactly(0, 200, 0);
        assertThat(pixel(img, 1, 1)).containsExactly(200, 0, 0);
        assertThat(pixel(img, 2, 1)).containsExactly(0, 200, 0); // transparent index keeps its palette colour
        assertThat(pixel(img, 1, 2)).containsExactly(0, 0, 200);
        assertThat(pixel(img, 2, 2)).containsExactly(10, 10, 10);
        assertThat(pixel(img, 3, 2)).containsExactly(0, 200, 0);
        // Without transparency the screen is index 0.
        RgbImage opaque = decoder.decode(TestImages.gif(3, 3, palette, -1, 0, 0, 2, 2, new int[] {1, 1, 1, 1}));
        assertThat(pixel(opaque, 2, 2)).containsExactly(10, 10, 10);
        assertThat(pixel(opaque, 0, 0)).containsExactly(200, 0, 0);
    }

    @Test
    void bmpTrueColourHighColourAndPalette() throws Exception {
        BufferedImage bgr = new BufferedImage(3, 2, BufferedImage.TYPE_3BYTE_BGR);
        bgr.setRGB(2, 1, 0x123456);
        RgbImage a = decoder.decode(TestImages.write(bgr, "bmp"));
        assertThat(pixel(a, 2, 1)).containsExactly(0x12, 0x34, 0x56);
        assertThat(pixel(a, 0, 0)).containsExactly(0, 0, 0);

        BufferedImage rgb555 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_555_RGB);
        rgb555.getRaster().setDataElements(0, 0, new short[] {(short) (1 << 10 | 16 << 5 | 31)});
        RgbImage b = decoder.decode(TestImages.write(rgb555, "bmp"));
        assertThat(pixel(b, 0, 0)).containsExactly(8, 131, 255); // v·255/31, truncated

        BufferedImage rgb565 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_565_RGB);
        rgb565.getRaster().setDataElements(0, 0, new short[] {(short) (30 << 11 | 1 << 5 | 2)});
        RgbImage c = decoder.decode(TestImages.write(rgb565, "bmp"));
        assertThat(pixel(c, 0, 0)).containsExactly(246, 4, 16);

        byte[] reds = new byte[256], greens = new byte[256], blues = new byte[256];
        reds[1] = (byte) 250;
        greens[1] = 5;
        blues[1] = 100;
        IndexColorModel icm = new IndexColorModel(8, 256, reds, greens, blues);
        BufferedImage indexed = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_INDEXED, icm);
        indexed.getRaster().setSample(1, 1, 0, 1);
        RgbImage d = decoder.decode(TestImages.write(indexed, "bmp"));
        assertThat(pixel(d, 1, 1)).containsExactly(250, 5, 100);
        assertThat(pixel(d, 0, 1)).containsExactly(0, 0, 0);
    }

    @Test
    void webpLosslessWithAlphaDropped() throws Exception {
        int[] choices = {0, 1, 2, 3, 4, 7};
        RgbImage img = decoder.decode(TestImages.webpLossless(3, 2, new int[] {10, 20}, new int[] {30, 40}, new int[] {50, 60}, 0, choices));
        assertThat(img.width()).isEqualTo(3);
        assertThat(img.height()).isEqualTo(2);
        for (int i = 0; i < choices.length; i++) {
            int c = choices[i];
            assertThat(pixel(img, i % 3, i / 3)).as("pixel %d", i)
                    .containsExactly((c & 2) != 0 ? 40 : 30, (c & 1) != 0 ? 20 : 10, (c & 4) != 0 ? 60 : 50);
        }
    }

    @Test
    void refusesTooManyPixelsFromTheHeaderAlone() throws Exception {
        // Declares 20000 × 20000 = 400 MP: refused before any pixel is inflated.
        byte[] png = TestImages.png(1, 1, 2, 8, bytes(1, 2, 3), null, null);
        TestImages.putInt(png, 16, 20000);
        TestImages.putInt(png, 20, 20000);
        assertThatThrownBy(() -> decoder.decode(png)).isInstanceOf(ImageException.class)
                .hasMessage("PNG image of 20000x20000 = 400000000 pixels exceeds the limit of 50000000 pixels");
        ImageDecoder small = new ImageDecoder(100, 5000);
        BufferedImage img = new BufferedImage(11, 10, BufferedImage.TYPE_3BYTE_BGR);
        for (String format : new String[] {"png", "jpeg", "bmp", "gif"}) {
            assertThatThrownBy(() -> small.decode(TestImages.write(img, format))).as(format).isInstanceOf(ImageException.class)
                    .hasMessageEndingWith("image of 11x10 = 110 pixels exceeds the limit of 100 pixels");
        }
        assertThatThrownBy(() -> small.decode(TestImages.webpLossless(20, 20, new int[] {0, 1}, new int[] {0, 1}, new int[] {0, 1}, 255, new int[400])))
                .isInstanceOf(ImageException.class).hasMessage("WEBP image of 20x20 = 400 pixels exceeds the limit of 100 pixels");
        // A JPEG whose frame header claims 60000 × 60000.
        byte[] jpeg = TestImages.write(img, "jpeg");
        for (int i = 0; i + 8 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                jpeg[i + 5] = (byte) 0xEA;
                jpeg[i + 6] = 0x60;
                jpeg[i + 7] = (byte) 0xEA;
                jpeg[i + 8] = 0x60;
                break;
            }
        }
        assertThatThrownBy(() -> decoder.decode(jpeg)).isInstanceOf(ImageException.class).hasMessageContaining("60000x60000");
    }

    @Test
    void refusesUnknownEmptyTruncatedAndCorruptInput() throws Exception {
        assertThatThrownBy(() -> decoder.decode(new byte[0])).isInstanceOf(ImageException.class).hasMessage("image is empty");
        assertThatThrownBy(() -> decoder.decode("<svg></svg>".getBytes())).isInstanceOf(ImageException.class)
                .hasMessage("unsupported image format (expected PNG, JPEG, GIF, BMP or WebP)");
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++) img.setRGB(x, y, x * 0x030507 + y * 0x070301);
        for (String format : new String[] {"png", "jpeg", "bmp"}) {
            byte[] full = TestImages.write(img, format);
            byte[] cut = Arrays.copyOf(full, full.length * 2 / 3);
            assertThatThrownBy(() -> decoder.decode(cut)).as(format).isInstanceOf(ImageException.class)
                    .hasMessageContaining(format.toUpperCase());
        }
        byte[] png = TestImages.write(img, "png");
        png[40] ^= 0x55; // inside IDAT
        assertThatThrownBy(() -> decoder.decode(png)).isInstanceOf(ImageException.class).hasMessageStartingWith("corrupt or unreadable PNG image");
    }
}

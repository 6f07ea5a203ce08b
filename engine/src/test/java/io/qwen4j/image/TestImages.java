package io.qwen4j.image;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/** Small encoded images built byte by byte, so that every colour type and bit depth can be tried. */
final class TestImages {
    private TestImages() {
    }

    /**
     * A PNG of the given colour type and bit depth; {@code samples} holds each row's samples (big-endian 16-bit
     * values for depth 16, packed MSB-first for depths below 8), without filter bytes.
     */
    static byte[] png(int width, int height, int colorType, int bitDepth, byte[] samples, byte[] palette, byte[] trns) {
        int channels = switch (colorType) {
            case 0, 3 -> 1;
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> throw new IllegalArgumentException("colour type " + colorType);
        };
        int rowBytes = (width * channels * bitDepth + 7) / 8;
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        for (int y = 0; y < height; y++) {
            raw.write(0);
            raw.write(samples, y * rowBytes, rowBytes);
        }
        Deflater d = new Deflater();
        d.setInput(raw.toByteArray());
        d.finish();
        byte[] buf = new byte[raw.size() * 2 + 64];
        int n = d.deflate(buf);
        d.end();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, width);
        putInt(ihdr, 4, height);
        ihdr[8] = (byte) bitDepth;
        ihdr[9] = (byte) colorType;
        chunk(out, "IHDR", ihdr);
        if (palette != null) chunk(out, "PLTE", palette);
        if (trns != null) chunk(out, "tRNS", trns);
        chunk(out, "IDAT", java.util.Arrays.copyOf(buf, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.writeBytes(c);
    }

    static void putInt(byte[] b, int o, int v) {
        b[o] = (byte) (v >>> 24);
        b[o + 1] = (byte) (v >>> 16);
        b[o + 2] = (byte) (v >>> 8);
        b[o + 3] = (byte) v;
    }

    /** Through the JDK's ImageIO writer for {@code format} (jpeg, bmp, gif, png). */
    static byte[] write(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) throw new IOException("no " + format + " writer for " + image);
        return out.toByteArray();
    }

    /**
     * A GIF89a: logical screen {@code sw × sh} with a 4-colour global palette, a graphic control extension
     * (transparent index or −1), and one frame of {@code fw × fh} at ({@code left}, {@code top}) with
     * {@code indices}. LZW codes stay 3 bits wide by clearing the table every two pixels.
     */
    static byte[] gif(int sw, int sh, byte[] palette4, int transparent, int left, int top, int fw, int fh, int[] indices) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("GIF89a".getBytes(StandardCharsets.US_ASCII));
        le16(out, sw);
        le16(out, sh);
        out.write(0x80 | 0x01); // global table of 2^(1+1) = 4 entries
        out.write(0);
        out.write(0);
        out.writeBytes(palette4);
        out.writeBytes(new byte[] {0x21, (byte) 0xF9, 4, (byte) (transparent >= 0 ? 1 : 0), 0, 0, (byte) Math.max(transparent, 0), 0});
        out.write(0x2C);
        le16(out, left);
        le16(out, top);
        le16(out, fw);
        le16(out, fh);
        out.write(0);
        out.write(2); // LZW minimum code size: clear = 4, end = 5
        long bits = 0;
        int nbits = 0;
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        int[] codes = new int[indices.length + (indices.length + 1) / 2 + 1];
        int c = 0;
        for (int i = 0; i < indices.length; i++) {
            if (i % 2 == 0) codes[c++] = 4;
            codes[c++] = indices[i];
        }
        codes[c++] = 5;
        for (int i = 0; i < c; i++) {
            bits |= (long) codes[i] << nbits;
            nbits += 3;
            while (nbits >= 8) {
                data.write((int) (bits & 0xFF));
                bits >>>= 8;
                nbits -= 8;
            }
        }
        if (nbits > 0) data.write((int) bits);
        byte[] d = data.toByteArray();
        for (int o = 0; o < d.length; o += 255) {
            int len = Math.min(255, d.length - o);
            out.write(len);
            out.write(d, o, len);
        }
        out.write(0);
        out.write(0x3B);
        return out.toByteArray();
    }

    private static void le16(ByteArrayOutputStream out, int v) {
        out.write(v & 0xFF);
        out.write((v >> 8) & 0xFF);
    }

    /**
     * A lossless WebP (VP8L) whose channels each take one of two values per pixel: {@code bits[i]} holds pixel
     * i's choice for green (bit 0), red (bit 1) and blue (bit 2); {@code g/r/b} the two values (ascending);
     * alpha is constant. Uses the format's "simple" prefix codes, one bit per two-symbol code.
     */
    static byte[] webpLossless(int width, int height, int[] g, int[] r, int[] b, int alpha, int[] bits) {
        BitWriter w = new BitWriter();
        w.put(0x2F, 8);
        w.put(width - 1, 14);
        w.put(height - 1, 14);
        w.put(alpha != 255 ? 1 : 0, 1);
        w.put(0, 3);
        w.put(0, 1); // no transform
        w.put(0, 1); // no colour cache
        w.put(0, 1); // no meta prefix codes
        for (int[] pair : new int[][] {g, r, b}) {
            w.put(1, 1); // simple code
            w.put(1, 1); // two symbols
            w.put(1, 1); // first symbol has 8 bits
            w.put(pair[0], 8);
            w.put(pair[1], 8);
        }
        for (int single : new int[] {alpha, 0}) { // alpha, distance: one symbol, no bits per pixel
            w.put(1, 1);
            w.put(0, 1);
            w.put(1, 1);
            w.put(single, 8);
        }
        for (int p : bits) {
            w.put(p & 1, 1);
            w.put((p >> 1) & 1, 1);
            w.put((p >> 2) & 1, 1);
        }
        byte[] vp8l = w.bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int chunk = vp8l.length + (vp8l.length & 1);
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        le32(out, 4 + 8 + chunk);
        out.writeBytes("WEBPVP8L".getBytes(StandardCharsets.US_ASCII));
        le32(out, vp8l.length);
        out.writeBytes(vp8l);
        if ((vp8l.length & 1) != 0) out.write(0);
        return out.toByteArray();
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        le16(out, v & 0xFFFF);
        le16(out, v >>> 16);
    }

    static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long acc;
        private int n;

        void put(int value, int bits) {
            acc |= ((long) value & ((1L << bits) - 1)) << n;
            n += bits;
            while (n >= 8) {
                out.write((int) (acc & 0xFF));
                acc >>>= 8;
                n -= 8;
            }
        }

        byte[] bytes() {
            if (n > 0) {
                out.write((int) acc);
                acc = 0;
                n = 0;
            }
            return out.toByteArray();
        }
    }
}

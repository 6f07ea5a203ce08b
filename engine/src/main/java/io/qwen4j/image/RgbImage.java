package io.qwen4j.image;

/**
 * An 8-bit RGB image, pixels interleaved row-major: byte {@code (y·width + x)·3 + c} is channel c (R, G, B)
 * of pixel (x, y).
 */
public record RgbImage(int width, int height, byte[] rgb) {

    public RgbImage {
        if (width < 1 || height < 1) throw new IllegalArgumentException("image " + width + "x" + height);
        if (rgb.length != 3L * width * height) {
            throw new IllegalArgumentException(rgb.length + " bytes for a " + width + "x" + height + " RGB image");
        }
    }

    /** Channel {@code c} of pixel (x, y), 0..255. */
    public int get(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}

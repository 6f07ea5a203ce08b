package io.qwen4j.image;

import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageInputStreamImpl;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.util.Iterator;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Encoded image bytes (PNG, JPEG, GIF first frame, BMP, WebP) to 8-bit RGB, converting the way Hugging Face
 * transformers 5.18 does through Pillow's {@code Image.convert("RGB")}:
 * <ul>
 *   <li>alpha is dropped, never composited (RGBA, LA, palette transparency, tRNS);</li>
 *   <li>grey (L) is copied to R, G and B; palettes are looked up; 1/2/4-bit grey is scaled to 0..255;</li>
 *   <li>16-bit PNG colour and grey+alpha keep the high byte (Pillow's {@code ;16B} raw modes), while 16-bit
 *       grey without alpha becomes Pillow mode {@code I;16}, whose RGB conversion clips values to 255;</li>
 *   <li>5/6-bit BMP fields scale as {@code v·255/max} truncated;</li>
 *   <li>a GIF's first frame is placed on its logical screen, filled with the transparent index (else 0);</li>
 *   <li>no EXIF rotation, no colour management (ICC profiles and gamma are ignored).</li>
 * </ul>
 * Safety: the format is recognised from its magic bytes, the dimensions are read from the header and
 * refused above {@code maxPixels} before any pixel is decoded, truncated files and decoder failures of any
 * kind become {@link ImageException}, and decoding is aborted after {@code timeoutMillis}.
 * Thread-safe (every call uses its own reader).
 */
public final class ImageDecoder {

    public enum Format { PNG, JPEG, GIF, BMP, WEBP }

    /** Default limit on decoded pixels: 50 megapixels (a 8660 × 5773 photo). */
    public static final long DEFAULT_MAX_PIXELS = 50_000_000L;
    public static final long DEFAULT_TIMEOUT_MILLIS = 20_000L;

    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "qwen4j-image-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long maxPixels;
    private final long timeoutMillis;

    public ImageDecoder() {
        this(DEFAULT_MAX_PIXELS, DEFAULT_TIMEOUT_MILLIS);
    }

    public ImageDecoder(long maxPixels, long timeoutMillis) {
        if (maxPixels < 1 || timeoutMillis < 1) throw new IllegalArgumentException("maxPixels " + maxPixels + ", timeout " + timeoutMillis);
        this.maxPixels = maxPixels;
        this.timeoutMillis = timeoutMillis;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /** The format named by the first bytes, or null. */
    public static Format sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G'
                && b[4] == 0x0D && b[5] == 0x0A && b[6] == 0x1A && b[7] == 0x0A) return Format.PNG;
        if (b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF) return Format.JPEG;
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F' && b[3] == '8' && (b[4] == '7' || b[4] == '9') && b[5] == 'a') return Format.GIF;
        if (b.length >= 2 && b[0] == 'B' && b[1] == 'M') return Format.BMP;
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F'
                && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') return Format.WEBP;
        return null;
    }

    /** Width and height of a picture as {@link #decode} returns it. */
    public record Size(int width, int height) {
    }

    /**
     * The picture's size from its header alone, without decoding a pixel (a GIF is decoded: its size depends on its
     * first frame): what a request's image costs (tokens, memory) is known before any decoding work. Refused like
     * {@link #decode} above {@code maxPixels}.
     */
    public Size size(byte[] bytes) throws ImageException {
        if (bytes == null || bytes.length == 0) throw new ImageException("image is empty");
        Format format = sniff(bytes);
        if (format == null) throw new ImageException("unsupported image format (expected PNG, JPEG, GIF, BMP or WebP)");
        try {
            if (format == Format.GIF) {
                // The picture is the first frame placed on the logical screen, which it may overhang: only decoding
                // (bounded by maxPixels like any other) says its size.
                RgbImage rgb = decode(bytes);
                return new Size(rgb.width(), rgb.height());
            }
            ImageReader reader = reader(format);
            try (ImageInputStream in = new BytesInput(bytes)) {
                reader.setInput(in, true, true);
                int w = reader.getWidth(0), h = reader.getHeight(0);
                checkSize(format, w, h);
                return new Size(w, h);
            } finally {
                reader.dispose();
            }
        } catch (ImageException e) {
            throw e;
        } catch (BytesInput.ReadPastEnd e) {
            throw new ImageException("truncated " + format + " image");
        } catch (Exception | StackOverflowError | InternalError e) {
            throw new ImageException("corrupt or unreadable " + format + " image" + detail(e), e);
        }
    }

    public RgbImage decode(byte[] bytes) throws ImageException {
        if (bytes == null || bytes.length == 0) throw new ImageException("image is empty");
        Format format = sniff(bytes);
        if (format == null) throw new ImageException("unsupported image format (expected PNG, JPEG, GIF, BMP or WebP)");
        try {
            return decode(bytes, format);
        } catch (ImageException e) {
            throw e;
        } catch (BytesInput.ReadPastEnd e) {
            throw new ImageException("truncated " + format + " image");
        } catch (OutOfMemoryError e) {
            throw new ImageException(format + " image is too large to decode in the memory available");
        } catch (Exception | StackOverflowError | InternalError e) {
            throw new ImageException("corrupt or unreadable " + format + " image" + detail(e), e);
        }
    }

    private RgbImage decode(byte[] bytes, Format format) throws Exception {
        // What Pillow needs to know about a PNG that the decoded raster does not say.
        int pngBitDepth = 0, pngColorType = -1;
        if (format == Format.PNG) {
            if (bytes.length < 33 || bytes[12] != 'I' || bytes[13] != 'H' || bytes[14] != 'D' || bytes[15] != 'R') {
                throw new ImageException("corrupt PNG image: no IHDR header");
            }
            long w = beInt(bytes, 16) & 0xFFFFFFFFL, h = beInt(bytes, 20) & 0xFFFFFFFFL;
            checkSize(format, w, h);
            pngBitDepth = bytes[24];
            pngColorType = bytes[25];
        }
        int screenW = 0, screenH = 0;
        if (format == Format.GIF) {
            if (bytes.length < 13) throw new ImageException("corrupt GIF image: truncated header");
            screenW = (bytes[6] & 0xFF) | (bytes[7] & 0xFF) << 8;
            screenH = (bytes[8] & 0xFF) | (bytes[9] & 0xFF) << 8;
            checkSize(format, Math.max(screenW, 1), Math.max(screenH, 1));
        }

        ImageReader reader = reader(format);
        try (ImageInputStream in = new BytesInput(bytes)) {
            // Metadata is skipped (no inflating of text chunks) except for GIF, whose frame offset and
            // transparent index are needed.
            reader.setInput(in, true, format != Format.GIF);
            String[] truncated = new String[1];
            reader.addIIOReadWarningListener(new IIOReadWarningListener() {
                @Override
                public void warningOccurred(ImageReader source, String warning) {
                    // libjpeg decodes truncated files as grey; Pillow refuses them ("image file is truncated").
                    if (warning != null && warning.toLowerCase(java.util.Locale.ROOT).contains("premature end")) truncated[0] = warning;
                }
            });
            int width = reader.getWidth(0), height = reader.getHeight(0);
            checkSize(format, width, height);

            AtomicBoolean aborted = new AtomicBoolean();
            ScheduledFuture<?> watchdog = WATCHDOG.schedule(() -> {
                aborted.set(true);
                reader.abort();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
            BufferedImage image;
            try {
                ImageReadParam param = reader.getDefaultReadParam();
                image = reader.read(0, param);
            } finally {
                watchdog.cancel(false);
            }
            if (aborted.get()) throw new ImageException(format + " image took longer than " + timeoutMillis + " ms to decode");
            if (truncated[0] != null) throw new ImageException("truncated " + format + " image (" + truncated[0] + ")");
            if (image == null || image.getWidth() != width || image.getHeight() != height) {
                throw new ImageException("corrupt " + format + " image: decoder returned no " + width + "x" + height + " picture");
            }
            if (format == Format.GIF) return gifFirstFrame(image, reader.getImageMetadata(0), screenW, screenH, maxPixels);
            return toRgb(image, format, pngBitDepth, pngColorType);
        } finally {
            reader.dispose();
        }
    }

    /**
     * The encoded bytes as an ImageIO stream. Some decoders (WebP's bit reader) treat the end of the data as
     * endless zero bits, one caught exception per read, which on a truncated file with a large declared size
     * takes minutes: after a few reads past the end, this stream stops the decoder outright.
     */
    static final class BytesInput extends ImageInputStreamImpl {
        static final class ReadPastEnd extends RuntimeException {
            ReadPastEnd() {
                super("read past the end of the image data", null, false, false);
            }
        }

        private static final int READS_PAST_END_ALLOWED = 256;
        private final byte[] bytes;
        private int pastEnd;

        BytesInput(byte[] bytes) {
            this.bytes = bytes;
        }

        private int end() {
            if (++pastEnd > READS_PAST_END_ALLOWED) throw new ReadPastEnd();
            return -1;
        }

        @Override
        public int read() {
            bitOffset = 0;
            if (streamPos >= bytes.length) return end();
            return bytes[(int) streamPos++] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            java.util.Objects.checkFromIndexSize(off, len, b.length);
            bitOffset = 0;
            if (len == 0) return 0;
            if (streamPos >= bytes.length) return end();
            int n = (int) Math.min(len, bytes.length - streamPos);
            System.arraycopy(bytes, (int) streamPos, b, off, n);
            streamPos += n;
            return n;
        }

        @Override
        public long length() {
            return bytes.length;
        }
    }

    private void checkSize(Format format, long width, long height) throws ImageException {
        if (width < 1 || height < 1) throw new ImageException("corrupt " + format + " image: size " + width + "x" + height);
        if (width * height > maxPixels) {
            throw new ImageException(format + " image of " + width + "x" + height + " = " + width * height
                    + " pixels exceeds the limit of " + maxPixels + " pixels");
        }
    }

    private static ImageReader reader(Format format) throws ImageException {
        String name = format.name().toLowerCase(java.util.Locale.ROOT);
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(name);
        ImageReader fallback = null;
        while (it.hasNext()) {
            ImageReader r = it.next();
            // Prefer the JDK's own decoders for the formats it has (their behaviour is the one verified).
            if (r.getClass().getName().startsWith("com.sun.imageio.")) return r;
            if (fallback == null) fallback = r;
        }
        if (fallback == null) throw new ImageException("no decoder for " + format + " images is installed");
        return fallback;
    }

    /** Pillow's RGB conversion of a non-GIF image's raster (no colour management, alpha dropped). */
    private static RgbImage toRgb(BufferedImage image, Format format, int pngBitDepth, int pngColorType) throws ImageException {
        int w = image.getWidth(), h = image.getHeight();
        Raster raster = image.getRaster();
        ColorModel cm = image.getColorModel();
        byte[] out = new byte[Math.multiplyExact(3, Math.multiplyExact(w, h))];
        if (cm instanceof IndexColorModel icm) {
            byte[][] palette = palette(icm);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) lookup(palette, row[x], out, (y * w + x) * 3);
            }
            return new RgbImage(w, h, out);
        }
        int bands = raster.getNumBands();
        int colorType = cm.getColorSpace().getType();
        if (colorType != ColorSpace.TYPE_RGB && colorType != ColorSpace.TYPE_GRAY) {
            throw new ImageException(format + " images in colour space " + colorSpaceName(colorType) + " are not supported");
        }
        boolean grey = cm.getNumColorComponents() == 1;
        if (grey ? bands < 1 : bands < 3) throw new ImageException("unsupported " + format + " pixel layout (" + bands + " bands)");
        // Per colour band: how a raw sample becomes 0..255.
        int[] bits = new int[grey ? 1 : 3];
        for (int b = 0; b < bits.length; b++) bits[b] = raster.getSampleModel().getSampleSize(b);
        boolean clipGrey16 = format == Format.PNG && pngColorType == 0 && pngBitDepth == 16;
        int[] pixels = new int[w * bands];
        for (int y = 0; y < h; y++) {
            raster.getPixels(0, y, w, 1, pixels);
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * 3, p = x * bands;
                if (grey) {
                    int v = clipGrey16 ? Math.min(pixels[p], 255) : to8(pixels[p], bits[0]);
                    out[o] = out[o + 1] = out[o + 2] = (byte) v;
                } else {
                    for (int c = 0; c < 3; c++) out[o + c] = (byte) to8(pixels[p + c], bits[c]);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** An n-bit sample as 8 bits: 16-bit keeps the high byte, fewer bits scale by 255/max (truncated). */
    private static int to8(int v, int bits) {
        if (bits == 8) return v & 0xFF;
        if (bits == 16) return (v >> 8) & 0xFF;
        if (bits <= 0 || bits > 16) return 0;
        if (bits > 8) return (v >> (bits - 8)) & 0xFF;
        int max = (1 << bits) - 1;
        return Math.min(255, (v & max) * 255 / max);
    }

    private static byte[][] palette(IndexColorModel icm) {
        int n = icm.getMapSize();
        byte[][] p = new byte[3][n];
        icm.getReds(p[0]);
        icm.getGreens(p[1]);
        icm.getBlues(p[2]);
        return p;
    }

    /** Palette entry {@code index}; indices past the palette are black (Pillow pads palettes with zeros). */
    private static void lookup(byte[][] palette, int index, byte[] out, int o) {
        if (index >= 0 && index < palette[0].length) {
            out[o] = palette[0][index];
            out[o + 1] = palette[1][index];
            out[o + 2] = palette[2][index];
        }
    }

    /**
     * Pillow's view of a GIF's first frame: an image the size of the logical screen (grown to hold the
     * frame), the area outside the frame set to the transparent index, or 0, then the palette applied.
     */
    private static RgbImage gifFirstFrame(BufferedImage frame, IIOMetadata metadata, int screenW, int screenH, long maxPixels) throws ImageException {
        int left = 0, top = 0, transparent = -1;
        if (metadata != null) {
            Node root = metadata.getAsTree("javax_imageio_gif_image_1.0");
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                NamedNodeMap a = n.getAttributes();
                if (n.getNodeName().equals("ImageDescriptor")) {
                    left = intAttribute(a, "imageLeftPosition", 0);
                    top = intAttribute(a, "imageTopPosition", 0);
                } else if (n.getNodeName().equals("GraphicControlExtension") && a != null && a.getNamedItem("transparentColorFlag") != null
                        && "TRUE".equalsIgnoreCase(a.getNamedItem("transparentColorFlag").getNodeValue())) {
                    transparent = intAttribute(a, "transparentColorIndex", -1);
                }
            }
        }
        int fw = frame.getWidth(), fh = frame.getHeight();
        int w = Math.max(screenW, left + fw), h = Math.max(screenH, top + fh);
        if (!(frame.getColorModel() instanceof IndexColorModel icm)) throw new ImageException("corrupt GIF image: no palette");
        byte[][] palette = palette(icm);
        if ((long) w * h > maxPixels) {
            throw new ImageException("GIF image of " + w + "x" + h + " = " + (long) w * h + " pixels (frame at " + left + ", " + top
                    + ") exceeds the limit of " + maxPixels + " pixels");
        }
        byte[] out = new byte[w * h * 3];
        int fill = transparent >= 0 ? transparent : 0;
        for (int i = 0; i < w * h; i++) lookup(palette, fill, out, i * 3);
        Raster raster = frame.getRaster();
        int[] row = new int[fw];
        for (int y = 0; y < fh; y++) {
            raster.getSamples(0, y, fw, 1, 0, row);
            for (int x = 0; x < fw; x++) lookup(palette, row[x], out, ((top + y) * w + left + x) * 3);
        }
        return new RgbImage(w, h, out);
    }

    private static int intAttribute(NamedNodeMap a, String name, int fallback) {
        Node n = a == null ? null : a.getNamedItem(name);
        if (n == null) return fallback;
        try {
            return Integer.parseInt(n.getNodeValue());
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static int beInt(byte[] b, int o) {
        return (b[o] & 0xFF) << 24 | (b[o + 1] & 0xFF) << 16 | (b[o + 2] & 0xFF) << 8 | (b[o + 3] & 0xFF);
    }

    private static String colorSpaceName(int type) {
        return switch (type) {
            case ColorSpace.TYPE_CMYK -> "CMYK";
            case ColorSpace.TYPE_YCbCr -> "YCbCr";
            default -> "#" + type;
        };
    }

    private static String detail(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return " (" + e.getClass().getSimpleName() + ")";
        m = m.replaceAll("[\\p{Cntrl}]", " ");
        return ": " + (m.length() > 200 ? m.substring(0, 200) + "…" : m);
    }
}

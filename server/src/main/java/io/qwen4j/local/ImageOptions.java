package io.qwen4j.local;

import io.qwen4j.image.ImageDecoder;

import java.time.Duration;

/**
 * How the server takes images in chat messages (the {@code serve} flags).
 *
 * @param maxImagesPerRequest    image parts one request may have
 * @param maxDecodedPixels       width × height an image may declare; larger ones are refused from their header,
 *                               before any pixel is decoded (decompression bombs)
 * @param minPixels / maxPixels  bounds on the resized area ({@code smart_resize}); null: the mmproj's (HF's defaults)
 * @param maxImageBytes          the most bytes of one encoded image, in a data URI or downloaded
 * @param connectTimeout         connecting to an image URL's host
 * @param fetchTimeout           one image download, first byte to last (redirects included)
 * @param maxRedirects           redirects followed per URL, each target checked again
 * @param allowPrivateUrls       fetch from loopback, private, link-local … addresses too (off: such URLs get a 400,
 *                               so that the server cannot be made to probe its own network)
 */
public record ImageOptions(int maxImagesPerRequest, long maxDecodedPixels, Long minPixels, Long maxPixels, long maxImageBytes,
                           Duration connectTimeout, Duration fetchTimeout, int maxRedirects, boolean allowPrivateUrls) {

    public ImageOptions {
        if (maxImagesPerRequest < 0) throw new IllegalArgumentException("--max-images-per-request must be >= 0: " + maxImagesPerRequest);
        if (maxDecodedPixels < 1) throw new IllegalArgumentException("--max-image-pixels must be >= 1: " + maxDecodedPixels);
        if (minPixels != null && minPixels < 1) throw new IllegalArgumentException("--image-min-pixels must be >= 1: " + minPixels);
        if (maxPixels != null && maxPixels < 1) throw new IllegalArgumentException("--image-max-pixels must be >= 1: " + maxPixels);
        if (minPixels != null && maxPixels != null && minPixels > maxPixels) {
            throw new IllegalArgumentException("--image-min-pixels " + minPixels + " exceeds --image-max-pixels " + maxPixels);
        }
        if (maxImageBytes < 1) throw new IllegalArgumentException("--max-image-bytes must be >= 1: " + maxImageBytes);
        if (maxRedirects < 0) throw new IllegalArgumentException("redirects must be >= 0: " + maxRedirects);
    }

    public static final int DEFAULT_MAX_IMAGES = 16;
    public static final long DEFAULT_MAX_IMAGE_BYTES = 20L << 20;

    public static ImageOptions defaults() {
        return new ImageOptions(DEFAULT_MAX_IMAGES, ImageDecoder.DEFAULT_MAX_PIXELS, null, null, DEFAULT_MAX_IMAGE_BYTES,
                Duration.ofSeconds(5), Duration.ofSeconds(20), 3, false);
    }

    public ImageOptions withAllowPrivateUrls(boolean allow) {
        return new ImageOptions(maxImagesPerRequest, maxDecodedPixels, minPixels, maxPixels, maxImageBytes, connectTimeout, fetchTimeout, maxRedirects, allow);
    }

    public ImageOptions withMaxImagesPerRequest(int n) {
        return new ImageOptions(n, maxDecodedPixels, minPixels, maxPixels, maxImageBytes, connectTimeout, fetchTimeout, maxRedirects, allowPrivateUrls);
    }

    public ImageOptions withMaxDecodedPixels(long n) {
        return new ImageOptions(maxImagesPerRequest, n, minPixels, maxPixels, maxImageBytes, connectTimeout, fetchTimeout, maxRedirects, allowPrivateUrls);
    }

    public ImageOptions withResizePixels(Long min, Long max) {
        return new ImageOptions(maxImagesPerRequest, maxDecodedPixels, min, max, maxImageBytes, connectTimeout, fetchTimeout, maxRedirects, allowPrivateUrls);
    }

    public ImageOptions withMaxImageBytes(long n) {
        return new ImageOptions(maxImagesPerRequest, maxDecodedPixels, minPixels, maxPixels, n, connectTimeout, fetchTimeout, maxRedirects, allowPrivateUrls);
    }

    public ImageOptions withTimeouts(Duration connect, Duration fetch) {
        return new ImageOptions(maxImagesPerRequest, maxDecodedPixels, minPixels, maxPixels, maxImageBytes, connect, fetch, maxRedirects, allowPrivateUrls);
    }
}

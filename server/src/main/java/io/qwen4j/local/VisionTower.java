package io.qwen4j.local;

import io.qwen4j.api.ApiException;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.image.ImageDecoder;
import io.qwen4j.image.ImageException;
import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;
import io.qwen4j.image.RgbImage;
import io.qwen4j.image.SmartResize;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.model.ModelArchitecture;
import io.qwen4j.model.ModelShape;
import io.qwen4j.model.VisionEncoder;
import io.qwen4j.tensor.WorkerPool;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;

/**
 * The images of chat requests, from content part to the text model's input rows: fetch or decode
 * ({@link ImageSource}, {@link ImageFetcher}, {@link ImageDecoder}), HF's preprocessing, then the mmproj's vision
 * encoder. Encoding runs on a thread and worker pool of its own, one request's images in one batch, so that the
 * scheduler keeps generating for other requests meanwhile; requests take turns at the encoder.
 */
public final class VisionTower implements AutoCloseable {

    /** One image part of a request, with the parameter path errors name ({@code messages[i].content[j]}). */
    public record Part(String param, ImageSource source) {
    }

    /** Images decoding at once in this process: half the cores, so that generation keeps the rest. */
    static final Semaphore DECODES = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2), true);

    private final GgufFile gguf;
    private final VisionEncoder encoder;
    private final WorkerPool pool;
    private final ExecutorService encoderThread;
    private final ImagePreprocessor preprocessor;
    private final ImageDecoder decoder;
    private final ImageFetcher fetcher;
    private final ImageOptions options;

    private VisionTower(GgufFile gguf, VisionEncoder encoder, WorkerPool pool, ImageOptions options) {
        this.gguf = gguf;
        this.encoder = encoder;
        this.pool = pool;
        this.options = options;
        ImagePreprocessor.Config c = encoder.preprocessorConfig();
        long min = options.minPixels() != null ? options.minPixels() : c.minPixels();
        long max = options.maxPixels() != null ? options.maxPixels() : c.maxPixels();
        if (min > max) throw new IllegalArgumentException("image pixel bounds " + min + ".." + max + " are empty");
        this.preprocessor = new ImagePreprocessor(c.withPixels(min, max));
        this.decoder = new ImageDecoder(options.maxDecodedPixels(), ImageDecoder.DEFAULT_TIMEOUT_MILLIS);
        this.fetcher = new ImageFetcher(options);
        this.encoderThread = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().name("qwen4j-vision").unstarted(r));
    }

    /**
     * Loads the vision tower of an mmproj GGUF made for {@code architecture}'s models (Qwen3-VL: arch {@code clip},
     * projector {@code qwen3vl_merger}); a file of another kind is a {@link GgufFormatException} that says what it is.
     */
    public static VisionTower load(ModelArchitecture architecture, Path mmproj, ImageOptions options, int threads) throws IOException {
        GgufFile gguf = GgufFile.open(mmproj);
        WorkerPool pool = null;
        try {
            pool = new WorkerPool(threads);
            return new VisionTower(gguf, architecture.loadVisionEncoder(gguf, pool), pool, options);
        } catch (IOException | RuntimeException e) {
            if (pool != null) pool.close();
            gguf.close();
            throw e;
        }
    }

    /** Refuses a tower that does not belong to {@code text} (another model's mmproj). */
    void checkPairs(ModelShape text) {
        encoder.checkPairs(text);
    }

    public ImageOptions options() {
        return options;
    }

    public ImagePreprocessor.Config preprocessing() {
        return preprocessor.config();
    }

    /** An image fetched and measured from its header: its cost in tokens is known, no pixel decoded yet. */
    public record Fetched(String param, byte[] bytes, int tokens) {
    }

    /**
     * Fetches (URLs in parallel) and measures every part from its header, in order; the first bad one is a 400
     * naming its part. Cheap whatever the images hold: nothing is decoded, so that a request's context and
     * credit can be checked before any decoding work.
     */
    public List<Fetched> fetch(List<Part> parts) {
        List<Fetched> out = new ArrayList<>(parts.size());
        List<Future<byte[]>> downloads = new ArrayList<>(parts.size());
        try (ExecutorService io = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Part p : parts) {
                downloads.add(p.source() instanceof ImageSource.Remote r ? io.submit(() -> fetcher.fetch(r.url())) : null);
            }
            try {
                for (int i = 0; i < parts.size(); i++) {
                    Part p = parts.get(i);
                    byte[] bytes = p.source() instanceof ImageSource.Inline in ? in.bytes() : await(downloads.get(i), p.param());
                    try {
                        ImageDecoder.Size size = decoder.size(bytes);
                        out.add(new Fetched(p.param(), bytes, tokens(size.width(), size.height())));
                    } catch (ImageException e) {
                        throw ApiException.invalid(p.param(), p.param() + ": " + e.getMessage());
                    }
                }
            } finally {
                io.shutdownNow(); // after a refusal, the other downloads are not waited for
            }
        }
        return out;
    }

    /**
     * Decodes fetched images, in order, and preprocesses each for the encoder at once, so that only one image a
     * request is ever held at full resolution; at most {@link #DECODES} images decode at once across all requests
     * (a request of many large images cannot take every core, nor its memory, from the others).
     */
    public List<PixelValues> decode(List<Fetched> images) throws InterruptedException {
        List<PixelValues> out = new ArrayList<>(images.size());
        for (Fetched f : images) {
            DECODES.acquire();
            try {
                RgbImage rgb = decoder.decode(f.bytes());
                if (tokens(rgb.width(), rgb.height()) != f.tokens()) {
                    throw new ImageException("the image's header and its data disagree on its size");
                }
                out.add(preprocessor.preprocess(rgb));
            } catch (ImageException e) {
                throw ApiException.invalid(f.param(), f.param() + ": " + e.getMessage());
            } finally {
                DECODES.release();
            }
        }
        return out;
    }

    private int tokens(int width, int height) throws ImageException {
        SmartResize.Size size = preprocessor.targetSize(width, height);
        int f = preprocessor.config().factor();
        return (size.height() / f) * (size.width() / f);
    }

    private static byte[] await(Future<byte[]> download, String param) {
        try {
            return download.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.invalid(param, param + ": the image download was interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ImageException ie) throw ApiException.invalid(param, param + ": " + ie.getMessage());
            throw ApiException.invalid(param, param + ": the image could not be fetched (" + e.getCause() + ")");
        }
    }

    /** The encoder over all of a request's images at once (on the tower's own thread). */
    public List<ImageEmbeddings> encode(List<PixelValues> pixels) throws InterruptedException {
        Future<List<ImageEmbeddings>> done = encoderThread.submit(() -> encoder.encode(pixels));
        try {
            return done.get();
        } catch (InterruptedException e) {
            done.cancel(false);
            throw e;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException("image encoding failed", e.getCause());
        }
    }

    @Override
    public void close() {
        encoderThread.shutdownNow();
        fetcher.close();
        pool.close();
        gguf.close();
    }
}

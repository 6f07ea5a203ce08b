package io.qwen4j.model;

import io.qwen4j.image.ImagePreprocessor;
import io.qwen4j.image.PixelValues;

import java.util.List;

/** A vision tower (an mmproj GGUF): preprocessed images in, the text model's input rows out. */
public interface VisionEncoder {

    /** Where the last {@link #encode} spent its time: patch and position embedding, ViT blocks, mergers. */
    record Timings(long embeddingNanos, long blocksNanos, long mergerNanos) {
    }

    /** The image processor settings this tower was trained with. */
    ImagePreprocessor.Config preprocessorConfig();

    /** Refuses (IllegalArgumentException) a text model this tower does not belong to (another model's mmproj). */
    void checkPairs(ModelShape text);

    /** Encodes a batch of images; result k belongs to {@code images.get(k)}. Not thread-safe. */
    List<ImageEmbeddings> encode(List<PixelValues> images);

    Timings lastTimings();
}

package io.qwen4j.local;

import io.qwen4j.api.ApiException;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.model.ImagePromptLayout;
import io.qwen4j.model.ImageTokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * A rendered prompt's images: fetched and measured from their headers, counted as the tokens the model sees (each
 * rendered {@code <|image_pad|>} becomes the image's run); once the request is admitted, decoded, encoded and laid
 * out in the prompt ({@link ImagePromptLayout}).
 * Image tokens count as prompt tokens (context, credit and usage), as OpenAI and vLLM count them.
 */
final class ImagePrompt {
    private static final Logger log = LoggerFactory.getLogger(ImagePrompt.class);
    private final VisionTower vision; // null: text only
    private final ImageTokens imageTokens; // null: text only

    ImagePrompt(VisionTower vision, ImageTokens imageTokens) {
        this.vision = vision;
        this.imageTokens = imageTokens;
    }

    /** Fetches the parts' images and measures them from their headers (nothing to do for none). */
    List<VisionTower.Fetched> fetch(List<VisionTower.Part> parts) {
        return parts.isEmpty() ? List.of() : vision.fetch(parts);
    }

    /** The prompt's length once each rendered {@code <|image_pad|>} is its image's run; refuses a template that lost images. */
    int expandedLength(int[] ids, List<VisionTower.Fetched> images) {
        if (images.isEmpty()) return ids.length;
        int pads = 0;
        for (int id : ids) if (id == imageTokens.imagePad()) pads++;
        if (pads != images.size()) {
            throw ApiException.invalid("messages", "the chat template rendered " + pads + " image placeholders for the " + images.size()
                    + " images of these messages");
        }
        long n = ids.length - pads;
        for (VisionTower.Fetched im : images) n += im.tokens();
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** The prompt as the model sees it: each image's pad run, as the HF processor's input_ids (no encoding needed). */
    int[] expandPads(int[] ids, List<VisionTower.Fetched> images) {
        if (images.isEmpty()) return ids;
        int[] out = new int[expandedLength(ids, images)];
        int n = 0, image = 0;
        for (int id : ids) {
            if (id != imageTokens.imagePad()) {
                out[n++] = id;
                continue;
            }
            for (int k = images.get(image++).tokens(); k > 0; k--) out[n++] = id;
        }
        return out;
    }

    /**
     * Decodes and encodes the images (the tower's thread, one batch) and lays them out in the prompt; null without
     * images. Called once the request is admitted: the decoding is work it has credit for.
     */
    ImagePromptLayout layout(int[] ids, List<VisionTower.Fetched> images) {
        if (images.isEmpty()) return null;
        List<ImageEmbeddings> rows;
        try {
            rows = vision.encode(vision.decode(images));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("interrupted while encoding the images");
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            // Ours, not the caller's: logged whole, answered without internals. After onAdmit, an ApiException
            // releases the reservation on its way out.
            log.error("image encoding failed", e);
            throw ApiException.internal("image encoding failed");
        }
        return ImagePromptLayout.expand(ids, rows, imageTokens, 0);
    }
}

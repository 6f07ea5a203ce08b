package io.qwen4j.model;

/**
 * What the engine needs to know of a text model without running it: the KV cache's per-token size
 * ({@code 2 · layers · kvHeads · headDim} elements), the vocabulary the logits cover, the context it was
 * trained for, and the width image rows must have.
 *
 * @param width         hidden size (an image row's length)
 * @param contextLength trained context length ({@code <arch>.context_length})
 */
public record ModelShape(int width, int layers, int kvHeads, int headDim, int vocab, int contextLength) {
}

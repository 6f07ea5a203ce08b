package io.qwen4j.engine;

import io.qwen4j.sampling.Logprobs;

/**
 * One generated token as it leaves the engine.
 *
 * @param id      the token id
 * @param text    the text released at this step: this token's characters once complete, minus anything held
 *                back for a possible stop string (so possibly empty, possibly text of earlier tokens)
 * @param logprob log-probability of the token under the model's own distribution (NaN when not asked)
 * @param top     the most likely alternatives of that distribution (null when not asked)
 * @param ending  this token ended the generation itself (end-of-generation or stop token id): it is counted
 *                but gives no text
 */
public record GeneratedToken(int id, String text, float logprob, Logprobs.TopK top, boolean ending) {
}

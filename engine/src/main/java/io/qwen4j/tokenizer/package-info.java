/**
 * The Qwen3 / Qwen3-VL tokenizer, built from a GGUF file's {@code tokenizer.ggml.*} keys: byte-level BPE
 * ({@code model = gpt2}) behind the Qwen2 pre-tokenizer ({@code pre = qwen2}).
 *
 * <p>Entry points: {@link io.qwen4j.tokenizer.Qwen3Tokenizer#fromGguf} builds the tokenizer;
 * {@link io.qwen4j.tokenizer.Qwen3Tokenizer#encode}, {@link io.qwen4j.tokenizer.Qwen3Tokenizer#decode} and
 * {@link io.qwen4j.tokenizer.StreamingDetokenizer} convert; {@link io.qwen4j.tokenizer.Vocabulary} answers
 * questions about single tokens (type, text, bytes, special ids, end of generation).
 *
 * <p>The reference is Hugging Face tokenizers (what transformers runs). Where llama.cpp differs we follow HF:
 * <ul>
 *   <li><b>NFC.</b> Text between added tokens is NFC-normalised before pre-tokenization, with and without
 *       special-token parsing (llama.cpp does not normalise: NFD "école" gives 68, 53839, ... there and the
 *       single token 134670 here).</li>
 *   <li><b>{@code </s>}.</b> The regular token 128247 {@code </s>} stays regular: with special parsing on,
 *       "{@code </s>}" encodes as 522, 82, 29 (llama.cpp forces it to CONTROL and emits 128247), and it is not
 *       in the end-of-generation set.</li>
 *   <li><b>Invalid UTF-8 on output.</b> Decoding replaces each maximal ill-formed subsequence with one
 *       U+FFFD (Unicode's recommended practice, Rust's {@code from_utf8_lossy}); llama.cpp emits one U+FFFD
 *       per byte that does not start a complete character.</li>
 *   <li><b>Lone surrogates</b> in input text (possible in Java strings, not in Rust ones) are encoded as
 *       U+FFFD, as JavaScript's TextEncoder and Python's {@code errors="replace"} do.</li>
 * </ul>
 * Where llama.cpp and HF agree we follow both: with special parsing off, CONTROL tokens are plain text but
 * USER_DEFINED tokens ({@code <think>}, {@code <tool_call>}, ...) are still matched; the end-of-generation
 * set is derived from token text ({@code <|endoftext|>}, {@code <|im_end|>}, {@code <|fim_pad|>},
 * {@code <|repo_name|>}, {@code <|file_sep|>}) plus eos and, if present, {@code eot_token_id}.
 */
package io.qwen4j.tokenizer;

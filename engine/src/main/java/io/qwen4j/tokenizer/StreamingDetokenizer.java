package io.qwen4j.tokenizer;

/**
 * Turns generated token ids into text one token at a time without ever emitting broken UTF-8: the bytes
 * of a character split across tokens (emoji, CJK) are held until the character is complete, and bytes
 * that can never form a character come out as U+FFFD as soon as that is certain. Concatenating every
 * {@link #push} result and the final {@link #flush()} gives exactly {@link Qwen3Tokenizer#decode(int[])}.
 * One instance per generated sequence; not thread-safe.
 */
public final class StreamingDetokenizer {

    private final Vocabulary vocabulary;
    private final LenientUtf8Decoder decoder = new LenientUtf8Decoder();
    private final StringBuilder out = new StringBuilder();

    StreamingDetokenizer(Vocabulary vocabulary) {
        this.vocabulary = vocabulary;
    }

    /** Adds one token; returns the text completed by it, possibly empty. */
    public String push(int tokenId) {
        byte[] bytes = vocabulary.bytesView(tokenId);
        decoder.feed(bytes, 0, bytes.length, out);
        return take();
    }

    /** Whether bytes of an unfinished character are being held back. */
    public boolean hasPendingBytes() {
        return decoder.hasPending();
    }

    /** Ends the sequence: held bytes that never completed come out as one U+FFFD. */
    public String flush() {
        decoder.finish(out);
        return take();
    }

    private String take() {
        if (out.isEmpty()) return "";
        String s = out.toString();
        out.setLength(0);
        return s;
    }
}

package io.qwen4j.tokenizer;

/** The kind of a vocabulary entry, numbered as in GGUF's {@code tokenizer.ggml.token_type}. */
public enum TokenType {
    UNDEFINED(0),
    /** A regular BPE token, stored in the byte-level alphabet. */
    NORMAL(1),
    UNKNOWN(2),
    /** A special token such as {@code <|im_start|>}: matched in text only when special parsing is on. */
    CONTROL(3),
    /** An added token such as {@code <think>}: always matched in text, as llama.cpp and HF do. */
    USER_DEFINED(4),
    /** Vocabulary padding such as {@code [PAD151669]}: never produced by encoding, decodes to nothing. */
    UNUSED(5),
    BYTE(6);

    private static final TokenType[] BY_CODE = values(); // codes equal ordinals

    private final int code;

    TokenType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static TokenType ofCode(int code) {
        if (code < 0 || code >= BY_CODE.length) throw new IllegalArgumentException("unknown token type " + code);
        return BY_CODE[code];
    }
}

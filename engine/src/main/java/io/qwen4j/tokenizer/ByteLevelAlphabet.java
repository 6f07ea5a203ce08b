package io.qwen4j.tokenizer;

/**
 * The GPT-2 byte-level alphabet: each of the 256 byte values is written as one printable code point, so
 * that BPE vocabularies can store arbitrary bytes as text. Printable Latin-1 bytes stand for themselves;
 * the others (controls, space, DEL, NBSP, soft hyphen, ...) are shifted to U+0100 and up, in byte order.
 */
final class ByteLevelAlphabet {

    /** Code point standing for each byte. */
    private static final char[] BYTE_TO_CHAR = new char[256];
    /** Byte for each code point of the alphabet, -1 for code points outside it. Alphabet ends below U+0144. */
    private static final short[] CHAR_TO_BYTE = new short[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, (short) -1);
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = (short) b;
        }
    }

    private ByteLevelAlphabet() {
    }

    static char charOf(int unsignedByte) {
        return BYTE_TO_CHAR[unsignedByte];
    }

    /** The byte a code point stands for, or -1 when it is not part of the alphabet. */
    static int byteOf(int codePoint) {
        return codePoint >= 0 && codePoint < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[codePoint] : -1;
    }

    /**
     * The bytes a byte-level token string stands for; null when it holds a code point outside the alphabet
     * (then the token is not byte-level text and its UTF-8 form is used instead).
     */
    static byte[] decode(String tokenText) {
        byte[] out = new byte[tokenText.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(tokenText.charAt(i));
            if (b < 0) return null;
            out[i] = (byte) b;
        }
        return out;
    }

    static String encode(byte[] bytes) {
        char[] chars = new char[bytes.length];
        for (int i = 0; i < bytes.length; i++) chars[i] = BYTE_TO_CHAR[bytes[i] & 0xFF];
        return new String(chars);
    }
}

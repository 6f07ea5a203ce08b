package io.qwen4j.tokenizer;

import java.util.Random;

/** Seeded random strings that favour the characters where tokenizers tend to go wrong. */
final class RandomText {

    private static final String[] FRAGMENTS = {
            "'s", "'T", "'re", "'VE", "'ll", "'d", "'m", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<|",
            "\r\n", "\n\n", "  ", "\t", " ", "\u00A0", "\u0085", "\u2007", "\u202F", "\u3000", "\u001C", "\uFEFF",
            "\u200B", "\u200D", "\u0301", "e\u0301", "ſ", "123", "٣", "Ⅻ", "²", "中文", "日本語", "한국어", "Привет",
            "مرحبا", "नमस्ते", "😀", "👨‍👩‍👧", "🇯🇵", "\uD800", "\uDC00", "\u0000", "\uFFFD", "\uFFFF", "...", "();", "->",
    };

    private RandomText() {
    }

    static String next(Random random, int parts) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts; i++) {
            switch (random.nextInt(5)) {
                case 0 -> sb.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                case 1 -> sb.append((char) ('a' + random.nextInt(26)));
                case 2 -> sb.append((char) (' ' + random.nextInt(95)));
                case 3 -> sb.appendCodePoint(randomCodePoint(random));
                default -> sb.append((char) random.nextInt(0x10000)); // any UTF-16 unit, lone surrogates included
            }
        }
        return sb.toString();
    }

    private static int randomCodePoint(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextInt(0x800);
            case 1 -> 0x2000 + random.nextInt(0x1000);
            case 2 -> 0x1F300 + random.nextInt(0x400);
            default -> random.nextInt(0x110000 - 0x800) + (random.nextBoolean() ? 0 : 0x800) & 0x1FFFFF;
        } % 0x110000;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) sb.appendCodePoint(cp);
            else sb.append(String.format("\\u{%X}", cp));
        });
        return sb.toString();
    }
}

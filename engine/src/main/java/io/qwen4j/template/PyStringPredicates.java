package io.qwen4j.template;

/** Python's str.isXxx() predicates. */
final class PyStringPredicates {
    private PyStringPredicates() { }

    static boolean test(String name, String s) {
        if (name.equals("isascii")) return s.chars().allMatch(c -> c < 0x80);
        if (name.equals("isprintable")) return s.codePoints().allMatch(PyStrings::isPrintable);
        if (name.equals("isidentifier")) {
            if (s.isEmpty()) return false;
            int first = s.codePointAt(0);
            if (!(first == '_' || Character.isUnicodeIdentifierStart(first))) return false;
            return s.codePoints().skip(1).allMatch(c -> c == '_' || Character.isUnicodeIdentifierPart(c) && !Character.isIdentifierIgnorable(c));
        }
        if (s.isEmpty()) return false;
        return switch (name) {
            case "isalnum" -> s.codePoints().allMatch(c -> Character.isLetter(c) || isNumeric(c));
            case "isalpha" -> s.codePoints().allMatch(Character::isLetter);
            case "isdecimal" -> s.codePoints().allMatch(c -> Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER);
            case "isdigit" -> s.codePoints().allMatch(c -> Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER
                    || (Character.getType(c) == Character.OTHER_NUMBER && Character.digit(c, 10) >= 0)
                    || (c >= 0x00B2 && c <= 0x00B3) || c == 0x00B9);
            case "isnumeric" -> s.codePoints().allMatch(PyStringPredicates::isNumeric);
            case "isspace" -> s.codePoints().allMatch(PyStrings::isWhitespace);
            case "islower" -> hasCased(s) && s.codePoints().noneMatch(c -> Character.isUpperCase(c) || Character.isTitleCase(c));
            case "isupper" -> hasCased(s) && s.codePoints().noneMatch(c -> Character.isLowerCase(c) || Character.isTitleCase(c));
            case "istitle" -> isTitle(s);
            default -> false;
        };
    }

    private static boolean isNumeric(int c) {
        int t = Character.getType(c);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(PyStrings::isCased);
    }

    private static boolean isTitle(String s) {
        boolean cased = false;
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (Character.isUpperCase(c) || Character.isTitleCase(c)) {
                if (prevCased) return false;
                prevCased = true;
                cased = true;
            } else if (Character.isLowerCase(c)) {
                if (!prevCased) return false;
                prevCased = true;
                cased = true;
            } else {
                prevCased = false;
            }
        }
        return cased;
    }
}

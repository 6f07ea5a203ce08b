package io.qwen4j.template;

import java.util.Map;

/** {@code dict.items()/keys()/values()}: a live view that iterates the dict in insertion order. */
record PyDictView(Kind kind, Map<Object, Object> dict) {
    enum Kind { ITEMS, KEYS, VALUES }

    String typeName() {
        return switch (kind) {
            case ITEMS -> "dict_items";
            case KEYS -> "dict_keys";
            case VALUES -> "dict_values";
        };
    }
}

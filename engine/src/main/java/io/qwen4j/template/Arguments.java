package io.qwen4j.template;

import java.util.List;
import java.util.Map;

/** Evaluated arguments of a filter or test call (after the value being filtered/tested). */
record Arguments(List<Object> positional, Map<String, Object> keywords) {
    static final Arguments NONE = new Arguments(List.of(), Map.of());

    CallArgs bind(String function, String... names) {
        return new CallArgs(function, positional, keywords, names);
    }
}

package io.qwen4j.template;

import java.util.List;

/** A Python tuple: immutable, prints as {@code (a, b)} / {@code (a,)}, unequal to a list. */
record PyTuple(List<Object> items) {
    static final PyTuple EMPTY = new PyTuple(List.of());

    static PyTuple of(Object... items) {
        return new PyTuple(java.util.Arrays.asList(items));
    }
}

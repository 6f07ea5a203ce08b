package io.qwen4j.template;

import java.util.Iterator;

/**
 * A lazy, single-use iterable like a Python generator (the result of map/select/reject/selectattr/
 * rejectattr): iterating it a second time yields nothing, and it is not JSON serializable.
 */
final class PyGenerator {
    private final Iterator<Object> iterator;

    PyGenerator(Iterator<Object> iterator) {
        this.iterator = iterator;
    }

    Iterator<Object> iterator() {
        return iterator;
    }
}

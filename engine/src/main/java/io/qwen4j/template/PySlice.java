package io.qwen4j.template;

/** A Python slice object {@code start:stop:step}; null parts mean "omitted". */
record PySlice(Object start, Object stop, Object step) { }

package io.qwen4j.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/** Python list/tuple indexing and slicing. */
final class PySequences {
    private PySequences() { }

    /** Converts a slice bound to a long; null stays "omitted" (returned as null). */
    private static Long sliceIndex(Object v) {
        if (v == null) return null;
        if (v instanceof Boolean b) return b ? 1L : 0L;
        if (v instanceof Long l) return l;
        if (v instanceof BigInteger b) return b.signum() < 0 ? Long.MIN_VALUE / 2 : Long.MAX_VALUE / 2;
        throw PyTypes.typeError("slice indices must be integers or None or have an __index__ method");
    }

    /** Python's PySlice_AdjustIndices: returns {start, stop, step, count}. */
    static int[] sliceIndices(PySlice slice, int length) {
        Long stepObj = sliceIndex(slice.step());
        long step = stepObj == null ? 1 : stepObj;
        if (step == 0) throw new TemplateException("ValueError: slice step cannot be zero");
        Long startObj = sliceIndex(slice.start());
        Long stopObj = sliceIndex(slice.stop());
        long start;
        long stop;
        if (startObj == null) {
            start = step < 0 ? length - 1 : 0;
        } else {
            start = startObj;
            if (start < 0) {
                start += length;
                if (start < 0) start = step < 0 ? -1 : 0;
            } else if (start >= length) {
                start = step < 0 ? length - 1 : length;
            }
        }
        if (stopObj == null) {
            stop = step < 0 ? -1 : length;
        } else {
            stop = stopObj;
            if (stop < 0) {
                stop += length;
                if (stop < 0) stop = step < 0 ? -1 : 0;
            } else if (stop >= length) {
                stop = step < 0 ? length - 1 : length;
            }
        }
        long count;
        if (step < 0) count = stop < start ? (start - stop - 1) / (-step) + 1 : 0;
        else count = start < stop ? (stop - start - 1) / step + 1 : 0;
        int istep = (int) Math.max(Math.min(step, Integer.MAX_VALUE), -Integer.MAX_VALUE);
        return new int[] {(int) start, (int) stop, istep, (int) count};
    }

    static List<Object> slice(List<Object> list, PySlice slice) {
        int[] r = sliceIndices(slice, list.size());
        if (r[2] == 1) return new ArrayList<>(list.subList(r[0], r[0] + r[3]));
        List<Object> out = new ArrayList<>(r[3]);
        for (int k = 0, i = r[0]; k < r[3]; k++, i += r[2]) out.add(list.get(i));
        return out;
    }

    /** Python index resolution; returns -1 when out of range. */
    static int index(Object key, int length) {
        long i;
        if (key instanceof Long l) i = l;
        else if (key instanceof Boolean b) i = b ? 1 : 0;
        else return -1;
        if (i < 0) i += length;
        return i < 0 || i >= length ? -1 : (int) i;
    }
}

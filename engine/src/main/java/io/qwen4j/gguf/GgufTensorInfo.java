package io.qwen4j.gguf;

import java.util.Arrays;

/**
 * A tensor's header entry. {@code ne} lists the dimensions fastest-varying first (ggml order: a matrix
 * with rows of length {@code ne[0]} has {@code ne[1]} rows); {@code offset} is relative to the start of
 * the file's data section.
 */
public record GgufTensorInfo(String name, GgmlType type, long[] ne, long offset) {

    public GgufTensorInfo {
        ne = ne.clone();
    }

    @Override
    public long[] ne() {
        return ne.clone();
    }

    public int nDims() {
        return ne.length;
    }

    public long dim(int i) {
        return i < ne.length ? ne[i] : 1;
    }

    public long elementCount() {
        long n = 1;
        for (long d : ne) n = Math.multiplyExact(n, d);
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && type == t.type && Arrays.equals(ne, t.ne) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(ne);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(ne) + " @" + offset;
    }
}

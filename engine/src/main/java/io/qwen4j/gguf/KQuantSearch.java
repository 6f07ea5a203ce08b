package io.qwen4j.gguf;

/**
 * The scale searches of ggml's reference K-quant quantisers (make_qx_quants, make_qkx2_quants,
 * make_q3_quants), re-expressed with the same float operations in the same order so that quantising
 * reproduces llama-quantize's bytes (Java float arithmetic is strict IEEE and never fuses multiply-adds).
 */
final class KQuantSearch {
    /** Below this magnitude a group counts as all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantSearch() {
    }

    /** ggml's nearest_int: round half to even. */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /**
     * Symmetric quantisation of {@code n} values to {@code L[i] in [0, 2*nmax)} (stored with +nmax offset),
     * returning the scale; weights x² (rmse_type 1), trying 18 scales around the first guess.
     */
    static float symmetricScale(int n, int nmax, float[] x, int xi, byte[] levels, int li) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xi + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xi + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) levels[li + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xi + i];
            int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            levels[li + i] = (byte) (l + nmax);
            float w = v * v;
            sumlx += w * v * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xi + i];
                int l = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
                float w = v * v;
                sumlx += w * v * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    levels[li + i] = (byte) (nmax + clamp(nearestInt(iscale * x[xi + i]), -nmax, nmax - 1));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * Asymmetric quantisation of {@code n} values to {@code L[i] in [0, nmax]} with {@code x ≈ scale * L - min};
     * a weighted least-squares fit over {@code nstep + 1} candidate scales. Returns the scale and stores
     * {@code min} (≥ 0) in {@code minOut[mi]}.
     */
    static float scaleAndMin(int n, int nmax, float[] x, int xi, float[] weights, byte[] levels, int li,
                             float[] minOut, int mi, float rmin, float rdelta, int nstep, boolean useMad) {
        byte[] aux = new byte[n];
        float min = x[xi], max = x[xi];
        float sumW = weights[0];
        float sumX = sumW * x[xi];
        for (int i = 1; i < n; i++) {
            float v = x[xi + i];
            if (v < min) min = v;
            if (v > max) max = v;
            float w = weights[i];
            sumW += w;
            sumX += w * v;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) levels[li + i] = 0;
            minOut[mi] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = clamp(nearestInt(iscale * (x[xi + i] - min)), 0, nmax);
            levels[li + i] = (byte) l;
            float diff = scale * l + min - x[xi + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = clamp(nearestInt(iscale * (x[xi + i] - min)), 0, nmax);
                aux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xi + i];
            }
            float det = sumW * sumL2 - sumL * sumL;
            if (det > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / det;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / det;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float error = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * aux[i] + thisMin - x[xi + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    error += weights[i] * diff;
                }
                if (error < bestError) {
                    System.arraycopy(aux, 0, levels, li, n);
                    bestError = error;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        minOut[mi] = -min;
        return scale;
    }

    /**
     * Symmetric 3-bit-style quantisation to {@code L[i] in [0, 2*nmax)} (stored with +nmax offset) refined by
     * coordinate descent on the x²-weighted error (make_q3_quants with do_rmse).
     */
    static float q3Scale(int n, int nmax, float[] x, int xi, byte[] levels, int li) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xi + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xi + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) levels[li + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        int[] l = new int[n];
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xi + i];
            l[i] = clamp(nearestInt(iscale * v), -nmax, nmax - 1);
            float w = v * v;
            sumlx += w * v * l[i];
            suml2 += w * l[i] * l[i];
        }
        for (int attempt = 0; attempt < 5; attempt++) {
            int changed = 0;
            for (int i = 0; i < n; i++) {
                float v = x[xi + i];
                float w = v * v;
                float slx = sumlx - w * v * l[i];
                if (slx > 0) {
                    float sl2 = suml2 - w * l[i] * l[i];
                    int newL = clamp(nearestInt(v * sl2 / slx), -nmax, nmax - 1);
                    if (newL != l[i]) {
                        slx += w * v * newL;
                        sl2 += w * newL * newL;
                        if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                            l[i] = newL;
                            sumlx = slx;
                            suml2 = sl2;
                            changed++;
                        }
                    }
                }
            }
            if (changed == 0) break;
        }
        for (int i = 0; i < n; i++) levels[li + i] = (byte) (l[i] + nmax);
        return sumlx / suml2;
    }

    static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }
}

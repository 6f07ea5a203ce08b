package io.qwen4j.model;

import io.qwen4j.tensor.Lanes;
import io.qwen4j.tensor.MatVec;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The element-wise operations of the models, in float32 as the references compute them (each result is
 * compared bit for bit with earlier runs: change the order of an operation here and seeded sampling changes).
 * Matrix products are {@link MatVec}'s; these are what lies between them.
 */
public final class Ops {
    private Ops() {
    }

    /** out = w ⊙ x / sqrt(mean(x²) + eps) over {@code n} values (out may alias x). */
    public static void rmsNorm(float[] out, int oo, float[] x, int xo, float[] w, int n, float eps) {
        float ss = MatVec.dot(x, xo, x, xo, n);
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) out[oo + i] = w[i] * (x[xo + i] * inv);
    }

    /** LayerNorm of one row of {@code n} at {@code o}: (x − mean)/√(var + eps)·w + b, biased variance, sums in double. */
    public static void layerNorm(float[] out, float[] x, int o, int n, float[] w, float[] b, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[o + i];
        double mean = sum / n, sq = 0;
        for (int i = 0; i < n; i++) {
            double d = x[o + i] - mean;
            sq += d * d;
        }
        float rstd = (float) (1.0 / Math.sqrt(sq / n + eps)), mu = (float) mean;
        for (int i = 0; i < n; i++) out[o + i] = (x[o + i] - mu) * rstd * w[i] + b[i];
    }

    private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;

    /**
     * SwiGLU: {@code gate[i] = silu(gate[i]) · up[i]} over {@code [from, to)}, vectorised so that the
     * exponentials do not hold up the other workers. The exponential is taken in double lanes and rounded to float, as
     * {@code (float) Math.exp(-g)} is, so that the result is the scalar loop's (float lanes' EXP is less accurate, and
     * seeded sampling from a model must not change with it).
     */
    public static void swiglu(float[] gate, float[] up, int from, int to) {
        int i = from;
        for (int upper = from + F8.loopBound(to - from); i < upper; i += F8.length()) {
            FloatVector g = FloatVector.fromArray(F8, gate, i);
            DoubleVector e = ((DoubleVector) g.neg().convertShape(VectorOperators.F2D, D8, 0)).lanewise(VectorOperators.EXP);
            FloatVector ef = (FloatVector) e.convertShape(VectorOperators.D2F, F8, 0);
            g.div(ef.add(1f)).mul(FloatVector.fromArray(F8, up, i)).intoArray(gate, i);
        }
        for (; i < to; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }

    /** RoPE inverse frequencies of {@code dims} rotated dimensions: base^(−2p/dims) for each pair p, as HF computes it in float32. */
    public static float[] ropeInverseFrequencies(float base, int dims) {
        float[] inv = new float[dims / 2];
        for (int p = 0; p < inv.length; p++) inv[p] = 1f / (float) Math.pow(base, (float) (2 * p) / dims);
        return inv;
    }

    /** NEOX RoPE: rotates pairs (p, p + pairs) of the head at {@code off} by the angles at {@code t} of the cos/sin tables. */
    public static void rope(float[] a, int off, float[] cos, float[] sin, int t, int pairs) {
        for (int p = 0; p < pairs; p++) {
            float x0 = a[off + p], x1 = a[off + p + pairs];
            float cs = cos[t + p], sn = sin[t + p];
            a[off + p] = x0 * cs - x1 * sn;
            a[off + p + pairs] = x1 * cs + x0 * sn;
        }
    }

    /** a[o..o+n) ← softmax(a · scale), in float32 with the maximum subtracted. */
    public static void softmax(float[] a, int o, int n, float scale) {
        for (int i = 0; i < n; i++) a[o + i] *= scale;
        float inv = 1f / softmaxExp(a, o, n);
        for (int i = 0; i < n; i++) a[o + i] *= inv;
    }

    /** Replaces a[o..o+n) by exp(a − max) and returns their sum. */
    private static float softmaxExp(float[] a, int o, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, a[o + i]);
        FloatVector sum = FloatVector.zero(Lanes.F);
        int i = 0, upper = Lanes.F.loopBound(n);
        for (; i < upper; i += Lanes.L) {
            FloatVector e = FloatVector.fromArray(Lanes.F, a, o + i).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(a, o + i);
            sum = sum.add(e);
        }
        float s = sum.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(a[o + i] - max);
            a[o + i] = e;
            s += e;
        }
        return s;
    }

    /** PyTorch's gelu(approximate="tanh") in float32. */
    public static float geluTanh(float x) {
        final float beta = (float) (Math.sqrt(2) * (2 / Math.sqrt(Math.PI)) * 0.5), kappa = 0.044715f;
        float inner = beta * (x + kappa * (x * x * x));
        return 0.5f * x * (1 + (float) Math.tanh(inner));
    }

    /** PyTorch's exact gelu in float32: x·½·(1 + erf(x/√2)). */
    public static float geluErf(float x) {
        return x * 0.5f * (1 + (float) erf(x * (float) (1 / Math.sqrt(2))));
    }

    /**
     * erf in double precision: its Maclaurin series for |x| < 2.5, else 1 − erfc with erfc from the
     * Laplace continued fraction, each accurate to ~1e-15 there.
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        double r;
        if (a < 2.5) {
            double x2 = a * a, term = a, sum = a;
            for (int k = 1; k < 60; k++) {
                term *= -x2 / k;
                double t = term / (2 * k + 1);
                sum += t;
                if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
            }
            r = sum * (2 / Math.sqrt(Math.PI));
        } else if (a < 6) {
            double t = a;
            for (int k = 60; k >= 1; k--) t = a + (k * 0.5) / t;
            r = 1 - Math.exp(-a * a) / (Math.sqrt(Math.PI) * t);
        } else {
            r = 1;
        }
        return x < 0 ? -r : r;
    }
}

package io.qwen4j.sampling;

/** Probabilities of a logits row, in double (−∞ logits get probability 0). */
final class Softmax {
    private Softmax() {
    }

    static double[] of(float[] logits) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        double[] p = new double[logits.length];
        if (max == Float.NEGATIVE_INFINITY) return p;
        double sum = 0;
        for (int i = 0; i < logits.length; i++) sum += p[i] = Math.exp((double) logits[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }

    static double max(double[] p) {
        double m = 0;
        for (double v : p) m = Math.max(m, v);
        return m;
    }
}

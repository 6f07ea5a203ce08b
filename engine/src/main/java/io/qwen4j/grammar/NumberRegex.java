package io.qwen4j.grammar;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Regular expressions for JSON numbers, plain or within bounds. Unbounded numbers have at most
 * {@value #MAX_INT_DIGITS} integer digits, {@value #MAX_FRACTION_DIGITS} fraction digits and an exponent of
 * magnitude at most {@value #MAX_EXPONENT} (so generation cannot run away, and every value is a finite double); bounded numbers are written without exponent, and the bounds
 * are exact: integers digit by digit, decimals by comparing the fraction digit by digit.
 */
final class NumberRegex {
    static final int MAX_INT_DIGITS = 19;
    static final int MAX_FRACTION_DIGITS = 20;
    static final int MAX_EXPONENT = 288;
    private static final BigDecimal HUGE = BigDecimal.TEN.pow(MAX_INT_DIGITS + 1);

    private NumberRegex() {
    }

    private static final Regex DIGIT = Regex.chars('0', '9');
    private static final Regex DIGITS = Regex.repeat(DIGIT, 1, -1);

    static Regex anyInteger() {
        return Regex.concat(Regex.optional(Regex.literal("-")), natural());
    }

    private static Regex natural() {
        return Regex.alt(Regex.literal("0"), Regex.concat(Regex.chars('1', '9'), Regex.repeat(DIGIT, 0, MAX_INT_DIGITS - 1)));
    }

    static Regex anyNumber() {
        return Regex.concat(anyInteger(),
                Regex.optional(Regex.concat(Regex.literal("."), Regex.repeat(DIGIT, 1, MAX_FRACTION_DIGITS))),
                Regex.optional(Regex.concat(new Regex.Chars(CharRanges.of('E', 'E', 'e', 'e')), Regex.optional(Regex.alt(Regex.literal("+"), Regex.literal("-"))),
                        exponent())));
    }

    /**
     * Exponents 0 to {@value #MAX_EXPONENT}: with at most {@value #MAX_INT_DIGITS} integer and
     * {@value #MAX_FRACTION_DIGITS} fraction digits every value is a finite, non-zero-underflowing double.
     */
    private static Regex exponent() {
        return Regex.alt(Regex.repeat(DIGIT, 1, 2), Regex.concat(Regex.literal("1"), Regex.repeat(DIGIT, 2, 2)),
                Regex.concat(Regex.literal("2"), Regex.chars('0', '7'), DIGIT), Regex.concat(Regex.literal("28"), Regex.chars('0', '8')));
    }

    /** Largest automaton {@link #multiplesOf} builds. */
    static final int MAX_MULTIPLE_STATES = 4_000;

    /**
     * Plain decimal numbers (optional minus, digits, optional fraction; no exponent) that are multiples of
     * {@code step} &gt; 0. With {@code step = m * 10^-s}, x is a multiple when x * 10^s is an integer divisible
     * by m: the automaton tracks the digits read so far modulo m and how many fraction digits (beyond s
     * only zeros may follow).
     */
    static CharDfa multiplesOf(BigDecimal step) {
        BigDecimal d = step.stripTrailingZeros();
        int s = Math.max(0, d.scale());
        BigInteger big = d.scale() >= 0 ? d.unscaledValue() : d.toBigIntegerExact();
        long states = 2 + big.min(BigInteger.valueOf(MAX_MULTIPLE_STATES)).longValueExact() * (s + 3L);
        if (big.bitLength() > 31 || states > MAX_MULTIPLE_STATES) {
            throw new UnsupportedSchemaException("multipleOf", "multipleOf " + step.toPlainString() + " is not supported (its automaton would be too large)");
        }
        int m = big.intValueExact();
        int intBase = 2, fracBase = intBase + m, extraBase = fracBase + (s + 1) * m, n = extraBase + m;
        boolean[] acc = new boolean[n];
        int[][] trans = new int[n][];
        int[] digitsTo = new int[10];
        for (int dgt = 0; dgt < 10; dgt++) digitsTo[dgt] = intBase + dgt % m;
        trans[0] = concat(new int[] {'-', '-', 1}, digitRanges(digitsTo));
        trans[1] = digitRanges(digitsTo);
        for (int r = 0; r < m; r++) {
            int[] to = new int[10];
            for (int dgt = 0; dgt < 10; dgt++) to[dgt] = intBase + (int) ((10L * r + dgt) % m);
            trans[intBase + r] = concat(new int[] {'.', '.', fracBase + r}, digitRanges(to));
            acc[intBase + r] = BigInteger.valueOf(r).multiply(BigInteger.TEN.pow(s)).mod(big).signum() == 0;
            for (int f = 0; f <= s; f++) {
                int q = fracBase + f * m + r;
                if (f < s) {
                    for (int dgt = 0; dgt < 10; dgt++) to[dgt] = fracBase + (f + 1) * m + (int) ((10L * r + dgt) % m);
                    trans[q] = digitRanges(to);
                } else {
                    trans[q] = new int[] {'0', '0', extraBase + r};
                }
                acc[q] = f >= 1 && BigInteger.valueOf(r).multiply(BigInteger.TEN.pow(s - f)).mod(big).signum() == 0;
            }
            trans[extraBase + r] = new int[] {'0', '0', extraBase + r};
            acc[extraBase + r] = r == 0;
        }
        return CharDfa.of(acc, trans);
    }

    /** (lo, hi, target) triples for the digits, adjacent digits with the same target merged. */
    private static int[] digitRanges(int[] targetOfDigit) {
        int[] out = new int[30];
        int n = 0;
        for (int dgt = 0; dgt < 10; dgt++) {
            if (n > 0 && out[n - 1] == targetOfDigit[dgt]) out[n - 2] = '0' + dgt;
            else {
                out[n++] = '0' + dgt;
                out[n++] = '0' + dgt;
                out[n++] = targetOfDigit[dgt];
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    private static int[] concat(int[] x, int[] y) {
        int[] o = java.util.Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, o, x.length, y.length);
        return o;
    }

    /** Integers in [lo, hi] (null = unbounded), or null when there are none. */
    static Regex integerRange(BigInteger lo, BigInteger hi) {
        if (lo != null && hi != null && lo.compareTo(hi) > 0) return null;
        if (lo != null && new BigDecimal(lo).compareTo(HUGE.negate()) <= 0) lo = null;
        if (hi != null && new BigDecimal(hi).compareTo(HUGE) >= 0) hi = null;
        List<Regex> alts = new ArrayList<>();
        BigInteger minusOne = BigInteger.ONE.negate();
        if (lo == null || lo.signum() < 0) {
            BigInteger negHi = hi == null ? minusOne : hi.min(minusOne);
            if (lo == null || lo.compareTo(negHi) <= 0) {
                Regex r = naturalRange(negHi.negate(), lo == null ? null : lo.negate());
                if (r != null) alts.add(Regex.concat(Regex.literal("-"), r));
            }
        }
        if (hi == null || hi.signum() >= 0) {
            BigInteger a = lo == null ? BigInteger.ZERO : lo.max(BigInteger.ZERO);
            Regex r = naturalRange(a, hi);
            if (r != null) alts.add(r);
        }
        return alts.isEmpty() ? null : Regex.alt(alts);
    }

    /** Canonical non-negative integers in [a, b] (b null = up to the digit cap). */
    static Regex naturalRange(BigInteger a, BigInteger b) {
        if (b != null && a.compareTo(b) > 0) return null;
        String as = a.toString();
        int maxLen = b == null ? Math.max(MAX_INT_DIGITS, as.length()) : b.toString().length();
        List<Regex> alts = new ArrayList<>();
        for (int len = as.length(); len <= maxLen; len++) {
            BigInteger low = len == 1 ? BigInteger.ZERO : BigInteger.TEN.pow(len - 1);
            BigInteger high = BigInteger.TEN.pow(len).subtract(BigInteger.ONE);
            BigInteger x = a.max(low), y = b == null ? high : b.min(high);
            if (x.compareTo(y) > 0) continue;
            alts.add(sameLength(x.toString(), y.toString()));
        }
        return alts.isEmpty() ? null : Regex.alt(alts);
    }

    private static Regex sameLength(String x, String y) {
        if (x.isEmpty()) return Regex.EMPTY;
        if (x.equals(y)) return Regex.literal(x);
        char x0 = x.charAt(0), y0 = y.charAt(0);
        String xr = x.substring(1), yr = y.substring(1);
        if (x0 == y0) return Regex.concat(Regex.literal(String.valueOf(x0)), sameLength(xr, yr));
        int rest = xr.length();
        boolean xZeros = xr.chars().allMatch(c -> c == '0'), yNines = yr.chars().allMatch(c -> c == '9');
        List<Regex> alts = new ArrayList<>();
        char start = x0, end = y0;
        if (!xZeros) {
            alts.add(Regex.concat(Regex.literal(String.valueOf(x0)), sameLength(xr, "9".repeat(rest))));
            start++;
        }
        Regex last = null;
        if (!yNines) {
            last = Regex.concat(Regex.literal(String.valueOf(y0)), sameLength("0".repeat(rest), yr));
            end--;
        }
        if (start <= end) alts.add(Regex.concat(Regex.chars(start, end), Regex.repeat(DIGIT, rest, rest)));
        if (last != null) alts.add(last);
        return Regex.alt(alts);
    }

    // ---- decimal ranges ----

    enum Op { NONE, GE, GT, LE, LT }

    /** Numbers v with lo ≤ v (or <) and v ≤ hi (or <), null bounds absent; null when empty. No exponent. */
    static Regex numberRange(BigDecimal lo, boolean loExclusive, BigDecimal hi, boolean hiExclusive) {
        if (lo != null && lo.compareTo(HUGE.negate()) <= 0) lo = null;
        if (hi != null && hi.compareTo(HUGE) >= 0) hi = null;
        if (lo != null && hi != null) {
            int c = lo.compareTo(hi);
            if (c > 0 || (c == 0 && (loExclusive || hiExclusive))) return null;
        }
        List<Regex> alts = new ArrayList<>();
        // Negative values: "-" then a magnitude m > 0 with -hi ≤ m (if hi < 0) and m ≤ -lo.
        if (lo == null || lo.signum() < 0) {
            BigDecimal mLow;
            Op mLowOp;
            if (hi != null && hi.signum() < 0) {
                mLow = hi.negate();
                mLowOp = hiExclusive ? Op.GT : Op.GE;
            } else {
                mLow = BigDecimal.ZERO;
                mLowOp = Op.GT;
            }
            Regex r = magnitude(mLow, mLowOp, lo == null ? null : lo.negate(), loExclusive ? Op.LT : Op.LE);
            if (r != null) alts.add(Regex.concat(Regex.literal("-"), r));
        }
        if (hi == null || hi.signum() > 0 || (hi.signum() == 0 && !hiExclusive)) {
            BigDecimal a;
            Op aOp;
            if (lo == null || lo.signum() < 0) {
                a = BigDecimal.ZERO;
                aOp = Op.GE;
            } else {
                a = lo;
                aOp = loExclusive ? Op.GT : Op.GE;
            }
            Regex r = magnitude(a, aOp, hi, hiExclusive ? Op.LT : Op.LE);
            if (r != null) alts.add(r);
        }
        return alts.isEmpty() ? null : Regex.alt(alts);
    }

    /** Non-negative decimals m with a ≤/< m and m ≤/< b (b null = unbounded). */
    private static Regex magnitude(BigDecimal a, Op aOp, BigDecimal b, Op bOp) {
        if (b != null) {
            int c = a.compareTo(b);
            if (c > 0 || (c == 0 && (aOp == Op.GT || bOp == Op.LT))) return null;
        }
        BigInteger aInt = a.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
        String aFrac = fractionDigits(a);
        Regex anyFraction = Regex.optional(Regex.concat(Regex.literal("."), DIGITS));
        List<Regex> alts = new ArrayList<>();
        if (b == null) {
            Regex mid = naturalRange(aInt.add(BigInteger.ONE), null);
            if (mid != null) alts.add(Regex.concat(mid, anyFraction));
            Regex f = new Fraction(aFrac, aOp, "", Op.NONE).optionalFraction();
            if (f != null) alts.add(Regex.concat(Regex.literal(aInt.toString()), f));
        } else {
            BigInteger bInt = b.setScale(0, RoundingMode.FLOOR).toBigIntegerExact();
            String bFrac = fractionDigits(b);
            if (aInt.compareTo(bInt) < 0) {
                Regex f = new Fraction(aFrac, aOp, "", Op.NONE).optionalFraction();
                if (f != null) alts.add(Regex.concat(Regex.literal(aInt.toString()), f));
                Regex mid = naturalRange(aInt.add(BigInteger.ONE), bInt.subtract(BigInteger.ONE));
                if (mid != null) alts.add(Regex.concat(mid, anyFraction));
                Regex g = new Fraction("", Op.NONE, bFrac, bOp).optionalFraction();
                if (g != null) alts.add(Regex.concat(Regex.literal(bInt.toString()), g));
            } else {
                Regex f = new Fraction(aFrac, aOp, bFrac, bOp).optionalFraction();
                if (f != null) alts.add(Regex.concat(Regex.literal(aInt.toString()), f));
            }
        }
        return alts.isEmpty() ? null : Regex.alt(alts);
    }

    /** The digits after the point of a non-negative decimal, without trailing zeros. */
    private static String fractionDigits(BigDecimal v) {
        BigDecimal f = v.subtract(v.setScale(0, RoundingMode.FLOOR)).stripTrailingZeros();
        if (f.signum() == 0) return "";
        String s = f.toPlainString(); // "0.xyz"
        return s.substring(s.indexOf('.') + 1);
    }

    /**
     * Digit strings s (the fraction after the point) with α op 0.s and 0.s op β, as "empty allowed" plus a
     * regex for the non-empty ones. States are (lower op, index into α, upper op, index into β).
     */
    private static final class Fraction {
        private final String alpha, beta;
        private final Map<String, Regex> memo = new HashMap<>();
        private final Op aOp0, bOp0;

        Fraction(String alpha, Op aOp, String beta, Op bOp) {
            this.alpha = alpha;
            this.beta = beta;
            this.aOp0 = aOp;
            this.bOp0 = bOp;
        }

        Regex optionalFraction() {
            boolean eps = eps(aOp0, 0, bOp0, 0);
            Regex ne = nonEmpty(aOp0, 0, bOp0, 0);
            List<Regex> alts = new ArrayList<>();
            if (eps) alts.add(Regex.EMPTY);
            if (ne != null) alts.add(Regex.concat(Regex.literal("."), ne));
            return alts.isEmpty() ? null : Regex.alt(alts);
        }

        private boolean eps(Op aOp, int i, Op bOp, int j) {
            boolean aZero = i >= alpha.length(), bZero = j >= beta.length();
            boolean lowerOk = aOp == Op.NONE || (aOp == Op.GE && aZero);
            boolean upperOk = bOp == Op.NONE || bOp == Op.LE || (bOp == Op.LT && !bZero);
            return lowerOk && upperOk;
        }

        /** Next state after digit c: {aOp, i, bOp, j}, or null when the constraint fails. */
        private int[] next(Op aOp, int i, Op bOp, int j, int c) {
            Op na = aOp;
            int ni = i + 1;
            if (aOp != Op.NONE) {
                if (i >= alpha.length()) {
                    if (aOp == Op.GE || c > 0) na = Op.NONE;
                } else {
                    int d = alpha.charAt(i) - '0';
                    if (c > d) na = Op.NONE;
                    else if (c < d) return null;
                }
            }
            Op nb = bOp;
            int nj = j + 1;
            if (bOp != Op.NONE) {
                if (j >= beta.length()) {
                    if (bOp == Op.LT || c > 0) return null;
                } else {
                    int d = beta.charAt(j) - '0';
                    if (c < d) nb = Op.NONE;
                    else if (c > d) return null;
                }
            }
            if (na == Op.NONE) ni = 0;
            else ni = Math.min(ni, alpha.length());
            if (nb == Op.NONE) nj = 0;
            else nj = Math.min(nj, beta.length());
            return new int[] {na.ordinal(), ni, nb.ordinal(), nj};
        }

        private Regex nonEmpty(Op aOp, int i, Op bOp, int j) {
            if (aOp == Op.NONE) i = 0;
            if (bOp == Op.NONE) j = 0;
            if (aOp == Op.NONE && bOp == Op.NONE) return DIGITS;
            String key = aOp + ":" + i + ":" + bOp + ":" + j;
            if (memo.containsKey(key)) return memo.get(key);
            memo.put(key, null); // guards recursion; self-loops are handled below
            Map<String, int[]> targets = new java.util.LinkedHashMap<>();
            Map<String, List<Integer>> digitsByTarget = new java.util.LinkedHashMap<>();
            List<Integer> loopDigits = new ArrayList<>();
            for (int c = 0; c <= 9; c++) {
                int[] n = next(aOp, i, bOp, j, c);
                if (n == null) continue;
                Op na = Op.values()[n[0]], nb = Op.values()[n[2]];
                if (na == aOp && n[1] == i && nb == bOp && n[3] == j) {
                    loopDigits.add(c);
                    continue;
                }
                String k = na + ":" + n[1] + ":" + nb + ":" + n[3];
                targets.put(k, n);
                digitsByTarget.computeIfAbsent(k, x -> new ArrayList<>()).add(c);
            }
            List<Regex> branches = new ArrayList<>();
            for (Map.Entry<String, int[]> e : targets.entrySet()) {
                int[] n = e.getValue();
                Op na = Op.values()[n[0]], nb = Op.values()[n[2]];
                boolean restEps = eps(na, n[1], nb, n[3]);
                Regex restNe = nonEmpty(na, n[1], nb, n[3]);
                List<Regex> rest = new ArrayList<>();
                if (restEps) rest.add(Regex.EMPTY);
                if (restNe != null) rest.add(restNe);
                if (rest.isEmpty()) continue;
                branches.add(Regex.concat(digitClass(digitsByTarget.get(e.getKey())), Regex.alt(rest)));
            }
            Regex result;
            if (loopDigits.isEmpty()) {
                result = branches.isEmpty() ? null : Regex.alt(branches);
            } else {
                Regex loop = digitClass(loopDigits);
                List<Regex> alts = new ArrayList<>();
                if (eps(aOp, i, bOp, j)) alts.add(Regex.repeat(loop, 1, -1));
                if (!branches.isEmpty()) alts.add(Regex.concat(Regex.repeat(loop, 0, -1), Regex.alt(branches)));
                result = alts.isEmpty() ? null : Regex.alt(alts);
            }
            memo.put(key, result);
            return result;
        }

        private static Regex digitClass(List<Integer> digits) {
            int[] pairs = new int[digits.size() * 2];
            for (int k = 0; k < digits.size(); k++) pairs[2 * k] = pairs[2 * k + 1] = '0' + digits.get(k);
            return new Regex.Chars(CharRanges.normalize(pairs));
        }
    }
}

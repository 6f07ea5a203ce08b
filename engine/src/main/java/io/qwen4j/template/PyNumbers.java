package io.qwen4j.template;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/** Python int/float arithmetic: ints are Long, overflowing into BigInteger; bool counts as int. */
final class PyNumbers {
    private static final BigInteger LONG_MIN = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private PyNumbers() { }

    static Object normalize(BigInteger b) {
        if (b.compareTo(LONG_MIN) >= 0 && b.compareTo(LONG_MAX) <= 0) return b.longValue();
        return b;
    }

    /** Converts bool to int; returns null if v is not a number. */
    static Object asNumber(Object v) {
        if (v instanceof Boolean b) return b ? 1L : 0L;
        if (v instanceof Long || v instanceof Double || v instanceof BigInteger) return v;
        return null;
    }

    static BigInteger big(Object v) {
        return v instanceof BigInteger b ? b : BigInteger.valueOf((Long) v);
    }

    static double toDouble(Object v) {
        return switch (v) {
            case Long l -> l.doubleValue();
            case Double d -> d;
            case BigInteger b -> {
                double d = b.doubleValue();
                if (Double.isInfinite(d)) throw new TemplateException("OverflowError: int too large to convert to float");
                yield d;
            }
            case Boolean b -> b ? 1.0 : 0.0;
            case null, default -> throw PyTypes.typeError("must be real number, not " + PyTypes.typeName(v));
        };
    }

    static Object add(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) return toDouble(a) + toDouble(b);
        if (a instanceof Long x && b instanceof Long y) {
            long r = x + y;
            if (((x ^ r) & (y ^ r)) >= 0) return r;
        }
        return normalize(big(a).add(big(b)));
    }

    static Object sub(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) return toDouble(a) - toDouble(b);
        if (a instanceof Long x && b instanceof Long y) {
            long r = x - y;
            if (((x ^ y) & (x ^ r)) >= 0) return r;
        }
        return normalize(big(a).subtract(big(b)));
    }

    static Object mul(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) return toDouble(a) * toDouble(b);
        if (a instanceof Long x && b instanceof Long y) {
            long hi = Math.multiplyHigh(x, y);
            long lo = x * y;
            if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) return lo;
        }
        return normalize(big(a).multiply(big(b)));
    }

    static Object trueDiv(Object a, Object b) {
        double y = toDouble(b);
        if (y == 0.0) throw new TemplateException("ZeroDivisionError: division by zero");
        if (isIntegral(a) && isIntegral(b) && (a instanceof BigInteger || b instanceof BigInteger)) {
            return new BigDecimal(big(a)).divide(new BigDecimal(big(b)), java.math.MathContext.DECIMAL64).doubleValue();
        }
        return toDouble(a) / y;
    }

    private static boolean isIntegral(Object v) {
        return v instanceof Long || v instanceof BigInteger;
    }

    static Object floorDiv(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            double x = toDouble(a);
            double y = toDouble(b);
            if (y == 0.0) throw new TemplateException("ZeroDivisionError: float floor division by zero");
            return Math.floor(x / y) == x / y ? Math.floor(x / y) : pyFloatFloorDiv(x, y);
        }
        if (a instanceof Long x && b instanceof Long y) {
            if (y == 0) throw new TemplateException("ZeroDivisionError: integer division or modulo by zero");
            if (!(x == Long.MIN_VALUE && y == -1)) return Math.floorDiv(x, y);
        }
        BigInteger y = big(b);
        if (y.signum() == 0) throw new TemplateException("ZeroDivisionError: integer division or modulo by zero");
        BigInteger[] qr = big(a).divideAndRemainder(y);
        BigInteger q = qr[0];
        if (qr[1].signum() != 0 && (qr[1].signum() != y.signum())) q = q.subtract(BigInteger.ONE);
        return normalize(q);
    }

    private static double pyFloatFloorDiv(double x, double y) {
        double mod = x % y;
        double div = (x - mod) / y;
        if (mod != 0 && ((y < 0) != (mod < 0))) div -= 1.0;
        double floordiv = Math.floor(div);
        if (div - floordiv > 0.5) floordiv += 1.0;
        return floordiv;
    }

    static Object mod(Object a, Object b) {
        if (a instanceof Double || b instanceof Double) {
            double x = toDouble(a);
            double y = toDouble(b);
            if (y == 0.0) throw new TemplateException("ZeroDivisionError: float modulo");
            double m = x % y;
            if (m != 0) {
                if ((y < 0) != (m < 0)) m += y;
            } else {
                m = Math.copySign(0.0, y);
            }
            return m;
        }
        if (a instanceof Long x && b instanceof Long y) {
            if (y == 0) throw new TemplateException("ZeroDivisionError: integer division or modulo by zero");
            if (y == -1) return 0L;
            return Math.floorMod(x, y);
        }
        BigInteger y = big(b);
        if (y.signum() == 0) throw new TemplateException("ZeroDivisionError: integer division or modulo by zero");
        BigInteger r = big(a).mod(y.abs());
        if (y.signum() < 0 && r.signum() != 0) r = r.add(y);
        return normalize(r);
    }

    static Object pow(Object a, Object b) {
        if (isIntegral(a) && isIntegral(b)) {
            BigInteger e = big(b);
            if (e.signum() >= 0) {
                if (e.bitLength() > 31 || (big(a).bitLength() * e.longValue() > 1_000_000)) {
                    BigInteger base = big(a);
                    if (base.abs().compareTo(BigInteger.ONE) <= 0) {
                        return normalize(base.signum() == 0 ? BigInteger.ZERO
                                : base.signum() > 0 || !e.testBit(0) ? BigInteger.ONE : BigInteger.ONE.negate());
                    }
                    throw new TemplateException("OverflowError: integer power result too large");
                }
                return normalize(big(a).pow(e.intValue()));
            }
            if (big(a).signum() == 0) {
                throw new TemplateException("ZeroDivisionError: 0.0 cannot be raised to a negative power");
            }
        }
        double x = toDouble(a);
        double y = toDouble(b);
        if (x == 0.0 && y < 0) throw new TemplateException("ZeroDivisionError: 0.0 cannot be raised to a negative power");
        if (x < 0 && y != Math.floor(y)) {
            throw new TemplateException("TypeError: complex results are not supported");
        }
        return Math.pow(x, y);
    }

    static Object negate(Object a) {
        if (a instanceof Double d) return -d;
        if (a instanceof Long l && l != Long.MIN_VALUE) return -l;
        return normalize(big(a).negate());
    }

    /** Python's round(x, n) for floats: round-half-even on the exact decimal value. */
    static double round(double x, int digits) {
        if (Double.isNaN(x) || Double.isInfinite(x)) return x;
        BigDecimal bd = new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN);
        return Math.copySign(bd.doubleValue(), x);
    }

    /** Compares two numbers; returns negative, zero or positive. */
    static int compare(Object a, Object b) {
        if (a instanceof Long x && b instanceof Long y) return Long.compare(x, y);
        if (a instanceof Double || b instanceof Double) {
            if (a instanceof BigInteger || b instanceof BigInteger) {
                double d = a instanceof Double x ? x : (Double) b;
                if (Double.isInfinite(d)) return (d > 0) == (a instanceof Double) ? 1 : -1;
                BigDecimal x = a instanceof Double ? new BigDecimal(d) : new BigDecimal((BigInteger) a);
                BigDecimal y = b instanceof Double ? new BigDecimal(d) : new BigDecimal((BigInteger) b);
                return x.compareTo(y);
            }
            double x = toDouble(a);
            double y = toDouble(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        return big(a).compareTo(big(b));
    }

    static boolean numericEquals(Object a, Object b) {
        if (a instanceof Double x && Double.isNaN(x)) return false;
        if (b instanceof Double y && Double.isNaN(y)) return false;
        if (a instanceof Long x && b instanceof Long y) return x.longValue() == y.longValue();
        if (a instanceof Double || b instanceof Double) {
            if (a instanceof BigInteger bi) return isExactDouble(bi, toDouble(b));
            if (b instanceof BigInteger bi) return isExactDouble(bi, toDouble(a));
            if (a instanceof Long l) return exactLongEqualsDouble(l, (Double) b);
            if (b instanceof Long l) return exactLongEqualsDouble(l, (Double) a);
            return toDouble(a) == toDouble(b);
        }
        return big(a).equals(big(b));
    }

    private static boolean exactLongEqualsDouble(long l, double d) {
        if (d != Math.floor(d) || Double.isInfinite(d)) return false;
        return new BigDecimal(d).compareTo(BigDecimal.valueOf(l)) == 0;
    }

    private static boolean isExactDouble(BigInteger b, double d) {
        if (d != Math.floor(d) || Double.isInfinite(d)) return false;
        return new BigDecimal(d).toBigInteger().equals(b);
    }
}

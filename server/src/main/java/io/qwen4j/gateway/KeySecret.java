package io.qwen4j.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * An API key's secret: {@code sk-} and 256 random bits from {@link SecureRandom} (43 base64url characters).
 * The store keeps only its SHA-256, enough for a secret of that entropy (no dictionary to try), and a short
 * prefix to recognise the key in lists.
 */
public record KeySecret(String secret, String hash, String prefix) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int PREFIX_LENGTH = 10;

    public static KeySecret generate() {
        byte[] bits = new byte[32];
        RANDOM.nextBytes(bits);
        String secret = "sk-" + Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
        return new KeySecret(secret, hash(secret), secret.substring(0, PREFIX_LENGTH));
    }

    /** Hex SHA-256 of a presented secret: what the store is searched by. */
    public static String hash(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Compares two secrets in constant time (their digests, so even the lengths do not leak). */
    public static boolean same(String a, String b) {
        return MessageDigest.isEqual(sha256(a), sha256(b));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

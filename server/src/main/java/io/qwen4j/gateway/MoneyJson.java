package io.qwen4j.gateway;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * JSON that carries money exactly: numbers with a fraction are read as {@link java.math.BigDecimal} (never
 * double), and BigDecimals are written in plain notation ({@code 0.0000000016}, not {@code 1.6E-9}). Use it
 * for any response with a cost or a balance (e.g. {@code usage.cost}). Reading refuses duplicated keys and
 * trailing bytes after the value: an admin request means exactly what it says.
 */
public final class MoneyJson {
    private MoneyJson() {
    }

    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .build();
    }
}

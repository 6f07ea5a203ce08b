package io.qwen4j.gateway;

import io.qwen4j.api.Usage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PriceTableTest {

    @Test
    void defaultsAreTheSeedPricesForTheQwen3Vl32bAlias() {
        PriceTable t = PriceTable.defaults();
        Price p = t.of("qwen/qwen3-vl-32b-instruct").orElseThrow();
        assertThat(t.currency()).isEqualTo("CNY");
        assertThat(p.input()).isEqualByComparingTo("0.0045");
        assertThat(p.output()).isEqualByComparingTo("0.014");
        assertThat(p.cachedInput()).isEqualByComparingTo("0.0045");
        assertThat(t.of("Qwen3-VL-32B-Instruct")).contains(p);
        assertThat(t.of("QWEN/Qwen3-VL-32B-INSTRUCT")).contains(p);
        assertThat(t.of("something-else")).isEmpty();
        // 1,000 in + 1,000 out = ¥0.0185
        assertThat(p.cost(Usage.of(1000, 1000))).isEqualTo(new BigDecimal("0.0185000000"));
    }

    @Test
    void readsNumbersAsDecimalsNeverDoubles() {
        // 0.1 and 0.7 are not representable as doubles; a double path would show up in the 10th place.
        PriceTable t = PriceTable.parse("{\"currency\": \"USD\", \"models\": {\"a\": {\"input\": 0.1, \"output\": 0.7}, \"*\": {\"input\": \"0\", \"output\": \"0\"}}}");
        Price a = t.of("a").orElseThrow();
        assertThat(a.cost(Usage.of(3, 3))).isEqualTo(new BigDecimal("0.0024000000"));
        assertThat(a.worstCase(1, 2)).isEqualTo(new BigDecimal("0.0015000000"));
        assertThat(t.of("anything").orElseThrow().isFree()).isTrue();
        assertThat(t.all()).hasSize(2);
    }

    @Test
    void cachedTokensArePricedAtTheCachedPrice() {
        Price p = new Price("m", "CNY", new BigDecimal("0.0045"), new BigDecimal("0.0018"), new BigDecimal("0.014"));
        assertThat(p.cost(new Usage(1000, 1000, 0))).isEqualTo(new BigDecimal("0.0018000000"));
        assertThat(p.cost(new Usage(1000, 400, 10))).isEqualTo(new BigDecimal("0.0035600000")); // 2.7 + 0.72 + 0.14 per 1,000
        assertThat(p.worstCase(1000, 0)).as("the hold assumes no cache hit").isEqualTo(new BigDecimal("0.0045000000"));
    }

    @Test
    void refusesPricesThatCouldNotBeChargedExactly() {
        assertThatThrownBy(() -> PriceTable.parse("{\"models\": {\"a\": {\"input\": \"0.00000001\", \"output\": 1}}}"))
                .hasMessageContaining("more than 7 decimal places");
        assertThatThrownBy(() -> PriceTable.parse("{\"models\": {\"a\": {\"input\": -1, \"output\": 1}}}")).hasMessageContaining("non-negative");
        assertThatThrownBy(() -> PriceTable.parse("{\"models\": {\"a\": {\"output\": 1}}}")).hasMessageContaining("'input' price is missing");
        assertThatThrownBy(() -> PriceTable.parse("{\"currency\": \"yuan\", \"models\": {}}")).hasMessageContaining("ISO 4217");
        assertThatThrownBy(() -> new Usage(1, 2, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}

package io.qwen4j.benchmark;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServingBenchmarkTest {

    @Test
    void percentilesAreNearestRank() {
        double[] v = {5, 1, 4, 2, 3};
        assertThat(ServingBenchmark.percentile(v, 50)).isEqualTo(3);
        assertThat(ServingBenchmark.percentile(v, 99)).isEqualTo(5);
        assertThat(ServingBenchmark.percentile(new double[] {7}, 99)).isEqualTo(7);
        double[] hundred = new double[100];
        for (int i = 0; i < 100; i++) hundred[i] = 100 - i;
        assertThat(ServingBenchmark.percentile(hundred, 99)).isEqualTo(99);
        assertThat(ServingBenchmark.percentile(hundred, 50)).isEqualTo(50);
    }
}

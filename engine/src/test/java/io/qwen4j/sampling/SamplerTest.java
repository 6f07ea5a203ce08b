package io.qwen4j.sampling;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {

    @Test
    void topKIsSortedLogSoftmax() {
        float[] logits = {1f, 3f, 2f, 3f, -1f};
        Logprobs.TopK top = Logprobs.topK(logits, 0, logits.length, 3);
        assertThat(top.ids()).containsExactly(1, 3, 2);
        double lse = Math.log(Math.exp(1) + 2 * Math.exp(3) + Math.exp(2) + Math.exp(-1));
        assertThat((double) top.logprobs()[0]).isCloseTo(3 - lse, within(1e-6));
        assertThat((double) top.logprobs()[2]).isCloseTo(2 - lse, within(1e-6));
        assertThat(Logprobs.argmax(logits, 0, logits.length)).isEqualTo(1);
    }

    @Test
    void seededTemperatureSamplingIsReproducibleAndFollowsTheDistribution() {
        float[] logits = {0f, (float) Math.log(3), -50f};
        Sampler a = Sampler.temperature(1f, 7), b = Sampler.temperature(1f, 7);
        int ones = 0;
        for (int i = 0; i < 4000; i++) {
            int s = a.sample(logits, 0, 3);
            assertThat(b.sample(logits, 0, 3)).isEqualTo(s);
            assertThat(s).isNotEqualTo(2);
            if (s == 1) ones++;
        }
        assertThat(ones / 4000.0).isCloseTo(0.75, within(0.03));
        assertThat(Sampler.temperature(0f, 1).sample(logits, 0, 3)).isEqualTo(1);
    }
}

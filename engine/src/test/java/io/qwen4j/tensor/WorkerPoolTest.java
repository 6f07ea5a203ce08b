package io.qwen4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolTest {

    @Test
    void everyIndexRunsExactlyOnceInEveryLoop() {
        try (WorkerPool pool = new WorkerPool(4)) {
            for (int round = 0; round < 200; round++) {
                int n = 1 + round * 7;
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                pool.parallelFor(n, 1 + round % 5, (s, e) -> {
                    for (int i = s; i < e; i++) hits.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertThat(hits.get(i)).as("round %d (n=%d): runs of index %d", round, n, i).isEqualTo(1);
            }
        }
    }

    @Test
    void aFailureInAWorkerReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(3)) {
            assertThatThrownBy(() -> pool.parallelFor(100, 1, (s, e) -> {
                if (s == 57) throw new IllegalStateException("boom");
            })).hasMessage("boom");
            int[] sum = new int[1];
            pool.parallelFor(10, 10, (s, e) -> sum[0] += e - s); // still usable
            assertThat(sum[0]).isEqualTo(10);
        }
    }
}

package io.qwen4j.model;

import io.qwen4j.engine.Completion;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GeneratedToken;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.KvCacheSizing;
import io.qwen4j.engine.Scheduler;
import io.qwen4j.engine.TokenListener;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.gguf.GgufWriter;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.qwen3vl.Qwen3VlArchitecture;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A new architecture added the way docs/development/add-architecture.md says: a model class implementing
 * {@link TextModel}, a plug-in implementing {@link ModelArchitecture}, one registry entry. The registry picks it by
 * {@code general.architecture}, and the scheduler generates with it like with any other model.
 */
class FakeArchitectureTest {

    /** "Counter": the next token is always the last one plus one (mod its vocabulary). No weights, no KV reads. */
    static final class CounterModel implements TextModel {
        static final int VOCAB = 1000;

        @Override
        public ModelShape shape() {
            return new ModelShape(8, 1, 1, 8, VOCAB, 256);
        }

        @Override
        public long weightBytesPerStep() {
            return 0;
        }

        @Override
        public StepOutput step(PagedKvCache cache, List<SequenceChunk> chunks) {
            BatchRows rows = BatchRows.reserve(cache, chunks);
            int[] tokenOfRow = new int[rows.count()];
            for (int ci = 0; ci < chunks.size(); ci++) {
                for (int i = 0; i < chunks.get(ci).size(); i++) tokenOfRow[rows.firstRow(ci) + i] = chunks.get(ci).token(i);
            }
            int[] wanted = rows.logitRows();
            float[] logits = new float[wanted.length * VOCAB];
            for (int j = 0; j < wanted.length; j++) logits[j * VOCAB + (tokenOfRow[wanted[j]] + 1) % VOCAB] = 1f;
            return rows.split(logits, VOCAB);
        }
    }

    static final class CounterArchitecture implements ModelArchitecture {
        @Override
        public List<String> names() {
            return List.of("counter");
        }

        @Override
        public TextModel load(GgufFile gguf, WorkerPool pool) {
            return new CounterModel();
        }

        @Override
        public ChatFormat chatFormat() {
            return new ChatFormat(null, null, null);
        }
    }

    /** The built-in list plus the newcomer's line. */
    static final ModelArchitectures REGISTRY = new ModelArchitectures(List.of(new Qwen3VlArchitecture(), new CounterArchitecture()));

    static GgufFile ggufOf(Path dir, String architecture) throws Exception {
        Path file = dir.resolve(architecture + ".gguf");
        new GgufWriter().putString("general.architecture", architecture).write(file);
        return GgufFile.open(file);
    }

    @Test
    void theRegistryPicksTheArchitectureByGeneralArchitecture(@TempDir Path dir) throws Exception {
        try (GgufFile counter = ggufOf(dir, "counter"); GgufFile unknown = ggufOf(dir, "mamba")) {
            assertThat(REGISTRY.of(counter)).isInstanceOf(CounterArchitecture.class);
            assertThat(REGISTRY.byName("qwen3vl")).isInstanceOf(Qwen3VlArchitecture.class);
            assertThat(REGISTRY.byName("qwen3")).isInstanceOf(Qwen3VlArchitecture.class);
            assertThatThrownBy(() -> REGISTRY.of(unknown)).isInstanceOf(GgufFormatException.class)
                    .hasMessage("architecture 'mamba' is not supported (supported: qwen3vl, qwen3, counter)");
            assertThatThrownBy(() -> ModelArchitectures.BUILT_IN.of(counter)).isInstanceOf(GgufFormatException.class)
                    .hasMessage("architecture 'counter' is not supported (supported: qwen3vl, qwen3)");
        }
    }

    @Test
    void theSchedulerGeneratesWithTheNewArchitecture(@TempDir Path dir) throws Exception {
        try (GgufFile gguf = ggufOf(dir, "counter"); WorkerPool pool = new WorkerPool(1);
             GgufFile vocab = GgufFile.open(TestData.path("tokenizer/qwen3-vocab.gguf"))) {
            TextModel model = REGISTRY.of(gguf).load(gguf, pool);
            EngineConfig config = EngineConfig.builder(64).parallel(2).maxQueued(4).stepTokenBudget(64).kvStorage(PagedKvCache.Storage.F16).build();
            KvCacheSizing.check(model.shape(), config, 1L << 30);
            try (Scheduler scheduler = new Scheduler(model, model.newKvCache(config.parallel() * config.contextSize(), config.kvStorage()),
                    Qwen3Tokenizer.fromGguf(vocab), config)) {
                List<Integer> ids = new ArrayList<>();
                CompletableFuture<Completion> done = new CompletableFuture<>();
                scheduler.submit(GenerationRequest.builder(new int[] {40, 41, 42}, 5).ignoreEos(true).build(), new TokenListener() {
                    @Override
                    public void onToken(GeneratedToken token) {
                        ids.add(token.id());
                    }

                    @Override
                    public void onFinish(Completion completion) {
                        done.complete(completion);
                    }

                    @Override
                    public void onError(RuntimeException error) {
                        done.completeExceptionally(error);
                    }
                });
                assertThat(done.get(30, TimeUnit.SECONDS).reason()).isInstanceOf(FinishReason.MaxTokens.class);
                assertThat(ids).containsExactly(43, 44, 45, 46, 47);
            }
        }
    }
}

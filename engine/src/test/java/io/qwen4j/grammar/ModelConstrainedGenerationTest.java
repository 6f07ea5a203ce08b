package io.qwen4j.grammar;

import io.qwen4j.engine.Completion;
import io.qwen4j.engine.ConstraintMask;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GeneratedToken;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Scheduler;
import io.qwen4j.engine.TokenListener;
import io.qwen4j.gguf.GgufFile;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ModelArchitectures;
import io.qwen4j.model.ModelStep;
import io.qwen4j.model.TextModel;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.tensor.WorkerPool;
import io.qwen4j.testing.TestData;
import io.qwen4j.tokenizer.Qwen3Tokenizer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Constrained generation with a real model: the tiny random-weight Qwen3-VL fixture (vocabulary 4122), whose
 * unconstrained output is gibberish, sampled at temperature 1 through the {@link Scheduler} (8 sequences per
 * step) under the JSON-schema constraint of ≥ 60 real-world and OpenAI-style fixture schemas × 2 seeds. Every
 * sequence that ends — the constraint completed, or end-of-generation (only in the mask when the document can
 * end) — must parse and validate under the independent networknt validator.
 *
 * <p>Schemas: every OpenAI-style fixture, then JSONSchemaBench fixtures round-robin over its ten categories, in
 * file order, skipping those the compiler refuses (counted by keyword), those networknt cannot load, and those
 * whose smallest valid fixture instance already needs more than {@value #MAX_SHORTEST_TOKENS} tokens.
 *
 * <p>The random model's logits are large (standard deviation ≈ 9, range ≈ ±35: temperature 1 is almost greedy),
 * and it has no reason to close an unbounded string, array or object, so a sequence may run to
 * {@code max_tokens}. Such a sequence (and only such a one) is run again, same seed, with the
 * {@code StructuredOutputsTest} trick at this model's scale: a logit bias of +100 on the tokens made of
 * {@code "}, {@code }}, {@code ]} and whitespace that contain a {@code "} (they end a string), +60 on those
 * with only {@code }} / {@code ]} (weaker, since inside a string they are content), -100 on whitespace-only
 * tokens (the grammar allows a line break and indentation between JSON tokens). The bias changes which allowed token
 * is likely, never what is allowed. Sequences still cut after the biased rerun (in practice: strings under a
 * {@code pattern} that needs a separator the model never picks) are counted, printed, and must stay few.
 *
 * <p>A number beyond double range (say {@code 5E400}) is a valid JSON Schema {@code number}, but networknt's
 * default parse makes it infinity and rejects it; such an output is re-validated with numbers parsed as
 * BigDecimal, and counted and printed separately.
 */
@Tag("slow")
class ModelConstrainedGenerationTest {
    private static final long[] SEEDS = {1, 2};
    private static final int MAX_TOKENS = 400;
    private static final int TARGET_SCHEMAS = 64;
    private static final int MAX_CUT = 6;
    /** Schemas whose smallest valid instance needs more tokens than this leave too little room in max_tokens. */
    private static final int MAX_SHORTEST_TOKENS = 150;
    private static final float QUOTE_BIAS = 100f;
    private static final float CLOSER_BIAS = 60f;
    private static final float BLANK_BIAS = 100f;
    /** Schemas networknt cannot load (draft-4 style ids; see testdata/schemas/README.md). */
    private static final Set<String> VALIDATOR_CANNOT_LOAD = Set.of("Github_easy__o66157", "Github_hard__o14404", "Github_hard__o84331",
            "Github_medium__o60375", "Github_medium__o66137", "Github_ultra__o41389");

    static WorkerPool pool;
    static GgufFile gguf;
    static TextModel model;
    static Qwen3Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        pool = new WorkerPool(2);
        gguf = GgufFile.open(TestData.path("models/qwen3vl-tiny-Q8_0.gguf"));
        model = ModelArchitectures.BUILT_IN.of(gguf).load(gguf, pool);
        tok = Qwen3Tokenizer.fromGguf(gguf);
    }

    @AfterAll
    static void close() {
        if (gguf != null) gguf.close();
        if (pool != null) pool.close();
    }

    record Case(String name, String schemaText, CompiledGrammar grammar, SchemaValidator validator) {
    }

    /** One sequence's outcome. */
    static final class Run implements TokenListener {
        final Case c;
        final long seed;
        final boolean biased;
        final StringBuilder text = new StringBuilder();
        final CompletableFuture<Completion> done = new CompletableFuture<>();

        Run(Case c, long seed, boolean biased) {
            this.c = c;
            this.seed = seed;
            this.biased = biased;
        }

        @Override
        public void onToken(GeneratedToken token) {
            synchronized (text) {
                text.append(token.text());
            }
        }

        @Override
        public void onFinish(Completion completion) {
            synchronized (text) {
                text.append(completion.tail());
            }
            done.complete(completion);
        }

        @Override
        public void onError(RuntimeException error) {
            done.completeExceptionally(error);
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }

    @Test
    void everyFinishedConstrainedCompletionOfTheRandomModelValidates() throws Exception {
        long t0 = System.nanoTime();
        ConstraintCompiler compiler = new ConstraintCompiler(tok.vocabulary(), GrammarFixtures.QWEN3_TOOL_CALL.open(),
                GrammarFixtures.QWEN3_TOOL_CALL.close());
        Map<String, Integer> refusals = new TreeMap<>();
        List<Case> cases = pickSchemas(compiler, refusals);
        assertThat(cases).hasSizeGreaterThanOrEqualTo(60);

        Map<Integer, Float> closerBias = closerBias();

        int[] prompt = tok.encode("Give me the data as JSON.", false);
        EngineConfig config = EngineConfig.builder(prompt.length + MAX_TOKENS).parallel(8).maxQueued(10_000).stepTokenBudget(256).kvStorage(PagedKvCache.Storage.F32).build();
        PagedKvCache cache = model.newKvCache(config.parallel() * config.contextSize(), config.kvStorage());
        List<Run> first = new ArrayList<>();
        List<Run> reruns = new ArrayList<>();
        java.util.concurrent.atomic.AtomicLong modelNanos = new java.util.concurrent.atomic.AtomicLong();
        ModelStep timed = (kv, chunks) -> {
            long t = System.nanoTime();
            try {
                return model.step(kv, chunks);
            } finally {
                modelNanos.addAndGet(System.nanoTime() - t);
            }
        };
        long steps;
        try (Scheduler scheduler = new Scheduler(timed, cache, tok, model.shape().vocab(), config)) {
            for (Case c : cases) for (long seed : SEEDS) first.add(new Run(c, seed, false));
            generate(scheduler, prompt, first, Map.of());
            for (Run r : first) if (r.done.get().reason() instanceof FinishReason.MaxTokens) reruns.add(new Run(r.c, r.seed, true));
            generate(scheduler, prompt, reruns, closerBias);
            steps = scheduler.steps();
        }

        int finished = 0, finishedBiased = 0, eos = 0, complete = 0;
        List<String> cut = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        List<String> beyondDouble = new ArrayList<>();
        List<Run> all = new ArrayList<>(first);
        all.addAll(reruns);
        for (Run r : all) {
            Completion end = r.done.get();
            String text = r.text();
            switch (end.reason()) {
                case FinishReason.MaxTokens _ -> {
                    if (r.biased) cut.add(r.c.name() + " seed " + r.seed + ": " + abbreviate(text));
                    continue;
                }
                case FinishReason.EndOfGeneration _ -> eos++;
                case FinishReason.ConstraintComplete _ -> complete++;
                default -> throw new AssertionError(r.c.name() + ": unexpected end " + end);
            }
            finished++;
            if (r.biased) finishedBiased++;
            String err = r.c.validator().errors(text);
            if (err != null && SchemaValidator.hasNumberBeyondDouble(text) && r.c.validator().errorsLossless(text) == null) {
                // Valid JSON Schema, but a number overflows double, which the validator's default parse needs.
                beyondDouble.add(r.c.name() + " seed " + r.seed + ": " + err);
                err = null;
            }
            if (err != null) invalid.add(r.c.name() + " seed " + r.seed + (r.biased ? " (biased)" : "") + ": " + err + "\n" + text);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("model-constrained generation: schemas=%d seeds=%d sequences=%d finished=%d (unbiased %d, closer-biased rerun %d;"
                        + " eos %d, constraint complete %d) cut=%d invalid=%d (valid only with numbers parsed losslessly: %d) refused=%s steps=%d model=%d ms time=%d ms%n",
                cases.size(), SEEDS.length, cases.size() * SEEDS.length, finished, finished - finishedBiased, finishedBiased, eos, complete,
                cut.size(), invalid.size(), beyondDouble.size(), refusals, steps, modelNanos.get() / 1_000_000, ms);
        cut.forEach(s -> System.out.println("CUT " + s));
        beyondDouble.forEach(s -> System.out.println("BEYOND DOUBLE " + s));
        invalid.stream().limit(20).forEach(s -> System.out.println("INVALID " + s));
        assertThat(invalid).isEmpty();
        assertThat(cut).hasSizeLessThanOrEqualTo(MAX_CUT);
        assertThat(finished).isEqualTo(cases.size() * SEEDS.length - cut.size());
    }

    /**
     * +8 on the tokens made of {@code "}, {@code }}, {@code ]} and whitespace with at least one of the three
     * (they close a string, object or array), -8 on whitespace-only tokens (the grammar allows any run of
     * whitespace between JSON tokens, which a random model happily produces).
     */
    private static Map<Integer, Float> closerBias() {
        Map<Integer, Float> bias = new HashMap<>();
        int closers = 0, blanks = 0;
        for (int id = 0; id < model.shape().vocab(); id++) {
            byte[] b = tok.tokenBytes(id);
            if (b.length == 0 || tok.isEndOfGeneration(id)) continue;
            boolean closer = false, blank = true;
            for (byte x : b) {
                boolean ws = x == ' ' || x == '\t' || x == '\n' || x == '\r';
                boolean cl = x == '"' || x == '}' || x == ']';
                closer |= cl;
                blank &= ws;
                if (!ws && !cl) {
                    closer = false;
                    blank = false;
                    break;
                }
            }
            if (closer) {
                boolean quote = false;
                for (byte x : b) quote |= x == '"';
                bias.put(id, quote ? QUOTE_BIAS : CLOSER_BIAS);
                closers++;
            } else if (blank) {
                bias.put(id, -BLANK_BIAS);
                blanks++;
            }
        }
        assertThat(closers).isPositive();
        assertThat(blanks).isPositive();
        return bias;
    }

    private static void generate(Scheduler scheduler, int[] prompt, List<Run> runs, Map<Integer, Float> bias) throws Exception {
        if (runs.isEmpty()) return;
        List<GenerationRequest> requests = new ArrayList<>();
        for (Run r : runs) {
            SamplingParams sampling = new SamplingParams(1.0f, 0, 1, 0, 0, 1f, 0f, 0f, bias, r.seed);
            requests.add(GenerationRequest.builder(prompt, MAX_TOKENS).sampling(sampling)
                    .constraint(new ConstraintMask(r.c.grammar().newConstraint())).build());
        }
        scheduler.submitAll(requests, List.copyOf(runs));
        for (Run r : runs) r.done.get(120, TimeUnit.SECONDS);
    }

    /**
     * All OpenAI-style schemas the compiler supports, then the JSONSchemaBench ones round-robin over their
     * categories (each category in file order) up to {@link #TARGET_SCHEMAS}; refused schemas are skipped and
     * counted by keyword.
     */
    private static List<Case> pickSchemas(ConstraintCompiler compiler, Map<String, Integer> refusals) throws IOException {
        List<Case> out = new ArrayList<>();
        for (Path p : list("schemas/openai")) {
            Case c = compile(compiler, p, refusals);
            if (c != null) out.add(c);
        }
        Map<String, List<Path>> byCategory = new LinkedHashMap<>();
        for (Path p : list("schemas/bench")) {
            String name = p.getFileName().toString();
            byCategory.computeIfAbsent(name.substring(0, name.indexOf("__")), k -> new ArrayList<>()).add(p);
        }
        Map<String, Integer> next = new HashMap<>();
        boolean any = true;
        while (out.size() < TARGET_SCHEMAS && any) {
            any = false;
            for (Map.Entry<String, List<Path>> e : byCategory.entrySet()) {
                if (out.size() >= TARGET_SCHEMAS) break;
                List<Path> files = e.getValue();
                int i = next.getOrDefault(e.getKey(), 0);
                while (i < files.size()) {
                    Case c = compile(compiler, files.get(i++), refusals);
                    if (c != null) {
                        out.add(c);
                        break;
                    }
                }
                next.put(e.getKey(), i);
                any |= i < files.size();
            }
        }
        return out;
    }

    private static Case compile(ConstraintCompiler compiler, Path p, Map<String, Integer> refusals) throws IOException {
        String name = p.getFileName().toString().replace(".json", "");
        if (VALIDATOR_CANNOT_LOAD.contains(name)) return null;
        if (shortestValidTokens(p) > MAX_SHORTEST_TOKENS) {
            refusals.merge("(too long: smallest fixture instance > " + MAX_SHORTEST_TOKENS + " tokens)", 1, Integer::sum);
            return null;
        }
        String text = Files.readString(p);
        try {
            return new Case(name, text, compiler.jsonSchema(text), new SchemaValidator(text));
        } catch (UnsupportedSchemaException e) {
            refusals.merge(e.keyword(), 1, Integer::sum);
            return null;
        }
    }

    /** Tokens of the compact form of the schema's smallest valid fixture instance. */
    private static int shortestValidTokens(Path schema) throws IOException {
        Path f = Path.of(schema.toString().replace(".json", ".valid.jsonl"));
        int best = Integer.MAX_VALUE;
        if (!Files.exists(f)) return best;
        for (String l : Files.readAllLines(f)) {
            if (l.isBlank()) continue;
            best = Math.min(best, tok.encode(JsonTexts.compact(JsonTexts.read(l).get("instance")), false).length);
        }
        return best;
    }

    private static List<Path> list(String dir) throws IOException {
        try (Stream<Path> s = Files.list(TestData.path(dir))) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 160 ? s : s.substring(0, 160) + "…";
    }
}

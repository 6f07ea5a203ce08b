package io.qwen4j.local;

import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ChatCompletionRequest;
import io.qwen4j.api.CompletionRequest;
import io.qwen4j.api.GenerationListener;
import io.qwen4j.api.GenerationOptions;
import io.qwen4j.api.GenerationStream;
import io.qwen4j.api.ModelCapabilities;
import io.qwen4j.api.ModelCapabilities.Feature;
import io.qwen4j.api.ModelCard;
import io.qwen4j.api.TokenizingBackend;
import io.qwen4j.engine.BuildInfo;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.engine.EngineOverloadedException;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Handle;
import io.qwen4j.engine.KvCacheSizing;
import io.qwen4j.engine.Scheduler;
import io.qwen4j.engine.TokenListener;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.grammar.JsonSchemaOptions;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ImagePromptLayout;
import io.qwen4j.model.ImageTokens;
import io.qwen4j.model.TextModel;
import io.qwen4j.sampling.TokenMask;
import io.qwen4j.tensor.WorkerPool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The local backend: OpenAI requests → chat template ({@link TemplateMessages}, {@link ChatPrompt}) → token ids →
 * the engine's {@link Scheduler} ({@link GenerationRequests}), and the engine's tokens back as OpenAI deltas
 * ({@link ChoiceAdapter}, one {@link GenerationRun} per request). With a {@link VisionTower}, image parts are read
 * and encoded on the request's thread ({@link ImagePrompt}) before the request reaches the engine.
 */
public final class LocalBackend implements ChatBackend {
    /** Parameters that act on this backend ({@code supported_parameters} of the model card). */
    static final List<String> SUPPORTED_PARAMETERS = List.of("max_tokens", "max_completion_tokens", "temperature", "top_p",
            "top_k", "min_p", "top_a", "frequency_penalty", "presence_penalty", "repetition_penalty", "seed", "stop",
            "logit_bias", "logprobs", "top_logprobs", "n", "stream", "stream_options", "verbosity", "include_reasoning",
            "reasoning", "min_tokens", "ignore_eos", "stop_token_ids", "skip_special_tokens", "return_tokens_as_token_ids",
            "chat_template_kwargs", "add_generation_prompt",
            "response_format", "structured_outputs", "tools", "tool_choice", "parallel_tool_calls");

    /**
     * Tools (Qwen's tool-call format), structured outputs (one grammar per output, so not with tool calls), verbosity
     * as a system instruction, logprobs; images when a vision tower is loaded.
     */
    private static final ModelCapabilities CAPABILITIES = ModelCapabilities.of(Feature.TOOLS, Feature.STRUCTURED_OUTPUTS,
            Feature.VERBOSITY, Feature.LOGPROBS);

    private final LocalModel model;
    private final VisionTower vision; // null: text only
    private final ImagePrompt images;
    private final WorkerPool pool;
    private final Scheduler engine;
    private final int vocab;
    private final String fingerprint;
    private final long created = System.currentTimeMillis() / 1000;
    private final SecureRandom seeds = new SecureRandom();
    private final StructuredOutput structuredOutput;
    private final CompletionBudget budget;
    private final LocalTokenizer tokenizer;

    private LocalBackend(LocalModel model, VisionTower vision, ImageTokens imageTokens, WorkerPool pool, Scheduler engine, int vocab,
                         String fingerprint, JsonSchemaOptions json) {
        this.model = model;
        this.vision = vision;
        this.images = new ImagePrompt(vision, imageTokens);
        this.pool = pool;
        this.engine = engine;
        this.vocab = vocab;
        this.fingerprint = fingerprint;
        this.structuredOutput = new StructuredOutput(model.tokenizer().vocabulary(), model.chatFormat().toolCall(), json);
        this.budget = new CompletionBudget(engine.contextSize());
        this.tokenizer = new LocalTokenizer(model, vision, images, engine.contextSize());
    }

    /**
     * Loads the model's weights and starts the engine; refuses (IllegalStateException, with the numbers) a KV
     * cache the machine cannot hold.
     */
    public static LocalBackend start(LocalModel model, EngineConfig config, int threads) throws GgufFormatException {
        return start(model, null, config, threads);
    }

    /**
     * As {@link #start(LocalModel, EngineConfig, int)}, reading images with {@code vision} (null: text only); refuses
     * (IllegalArgumentException, GgufFormatException) a tower that does not fit the model. The backend closes the tower.
     */
    public static LocalBackend start(LocalModel model, VisionTower vision, EngineConfig config, int threads) throws GgufFormatException {
        return start(model, vision, config, threads, JsonSchemaOptions.DEFAULT);
    }

    /** As {@link #start(LocalModel, VisionTower, EngineConfig, int)}, generating structured outputs within {@code json}'s bounds. */
    public static LocalBackend start(LocalModel model, VisionTower vision, EngineConfig config, int threads, JsonSchemaOptions json)
            throws GgufFormatException {
        WorkerPool pool = new WorkerPool(threads);
        try {
            TextModel text = model.architecture().load(model.gguf(), pool);
            ImageTokens imageTokens = null;
            if (vision != null) {
                vision.checkPairs(text.shape());
                imageTokens = ImageTokens.from(model.gguf());
            }
            KvCacheSizing.check(text.shape(), config, KvCacheSizing.availableMemory(model.fileSize()));
            PagedKvCache cache = text.newKvCache(config.parallel() * config.contextSize(), config.kvStorage());
            Scheduler engine = new Scheduler(text, cache, model.tokenizer(), config);
            return new LocalBackend(model, vision, imageTokens, pool, engine, text.shape().vocab(), fingerprint(model, config), json);
        } catch (RuntimeException | GgufFormatException e) {
            pool.close();
            throw e;
        }
    }

    private static String fingerprint(LocalModel model, EngineConfig config) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String id = "qwen4j-" + BuildInfo.current().id() + "|" + model.fileName() + "|" + model.fileSize() + "|" + config.kvStorage();
            return "fp_" + HexFormat.of().formatHex(sha.digest(id.getBytes(StandardCharsets.UTF_8))).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Scheduler engine() {
        return engine;
    }

    @Override
    public String systemFingerprint() {
        return fingerprint;
    }

    @Override
    public List<ModelCard> models() {
        int ctx = engine.contextSize();
        // Images come with the vision tower (--mmproj).
        ModelCapabilities capabilities = CAPABILITIES.with(Feature.IMAGES, vision != null);
        List<ModelCard> cards = new ArrayList<>();
        for (String name : model.names()) {
            cards.add(new ModelCard(name, created, "qwen4j", ctx, ctx - 1, capabilities, SUPPORTED_PARAMETERS, "Qwen3"));
        }
        return cards;
    }

    @Override
    public Optional<TokenizingBackend> tokenizer() {
        return Optional.of(tokenizer);
    }

    private void checkModel(String name) {
        if (!model.names().contains(name)) throw ApiException.modelNotFound(name);
    }

    @Override
    public GenerationStream chat(ChatCompletionRequest request, GenerationListener listener) {
        checkModel(request.model());
        checkLogitBias(request.options());
        TemplateMessages chat = TemplateMessages.of(request.messages(), request.verbosity(), vision);
        // Tools are rendered even with tool_choice "none" (as OpenAI and vLLM do); the mask then bans the call token.
        ChatPrompt.Rendered prompt = model.renderChat(chat.json(), request.tools().tools(), request.chatTemplateKwargs(), request.addGenerationPrompt());
        Supplier<TokenMask> masks = structuredOutput.masks(request.outputFormat(), request.tools());
        boolean thinking = ReasoningSplitter.promptOpensReasoning(model.chatFormat().reasoning(), prompt.text());
        // Images are measured from their headers: context and credit are checked (onAdmit) before any decoding.
        List<VisionTower.Fetched> fetched = images.fetch(chat.images());
        int promptTokens = images.expandedLength(prompt.tokens(), fetched);
        int maxTokens = budget.maxTokens(request.options(), promptTokens, null, "messages");
        GenerationOptions o = request.options();
        listener.onAdmit(promptTokens, maxTokens * o.n());
        ImagePromptLayout layout = images.layout(prompt.tokens(), fetched);
        GenerationRun run = new GenerationRun(listener, promptTokens, 1, o.n());
        List<GenerationRequest> jobs = new ArrayList<>();
        List<TokenListener> listeners = new ArrayList<>();
        long seed = o.seed() != null ? o.seed() : seeds.nextLong();
        for (int i = 0; i < o.n(); i++) {
            GenerationRequest job = GenerationRequests.of(prompt.tokens(), o, maxTokens, request.logprobs(), seed + i,
                    masks == null ? null : afterReasoning(masks.get(), thinking));
            jobs.add(layout == null ? job : job.withLayout(layout));
            listeners.add(new ChoiceAdapter(run, model.tokenizer(), i, request.logprobs(), o.returnTokensAsTokenIds(),
                    new ReasoningSplitter(model.chatFormat().reasoning(), thinking), request.includeReasoning(),
                    request.tools().callsPossible() ? new ToolCallParser(model.chatFormat().toolCall()) : null));
        }
        return submit(run, jobs, listeners);
    }

    @Override
    public GenerationStream complete(CompletionRequest request, GenerationListener listener) {
        checkModel(request.model());
        checkLogitBias(request.options());
        List<int[]> prompts = new ArrayList<>();
        for (Object p : request.prompts()) prompts.add(promptIds(p));
        GenerationOptions o = request.options();
        int promptTokens = 0;
        for (int[] p : prompts) promptTokens += p.length;
        GenerationRun run = new GenerationRun(listener, promptTokens, prompts.size(), o.n());
        long seed = o.seed() != null ? o.seed() : seeds.nextLong();
        List<GenerationRequest> jobs = new ArrayList<>();
        List<TokenListener> listeners = new ArrayList<>();
        int choice = 0;
        long maxCompletion = 0;
        for (int[] ids : prompts) {
            int maxTokens = budget.maxTokens(o, ids.length, CompletionRequest.DEFAULT_MAX_TOKENS, "prompt");
            for (int i = 0; i < o.n(); i++, choice++) {
                jobs.add(GenerationRequests.of(ids, o, maxTokens, request.logprobs(), seed + choice, null));
                listeners.add(new ChoiceAdapter(run, model.tokenizer(), choice, request.logprobs(), o.returnTokensAsTokenIds(), null, false, null));
                maxCompletion += maxTokens;
            }
        }
        listener.onAdmit(promptTokens, (int) Math.min(Integer.MAX_VALUE, maxCompletion));
        return submit(run, jobs, listeners);
    }

    /** A thinking model's constraint starts after its reasoning: the answer is what the schema describes. */
    private TokenMask afterReasoning(TokenMask mask, boolean thinking) {
        if (!thinking) return mask;
        OptionalInt end = model.tokenizer().vocabulary().idOf(model.chatFormat().reasoning().close());
        return end.isEmpty() ? mask : new ConstraintAfterReasoning(mask, end.getAsInt(), vocab);
    }

    /** A bias on a token the model does not have is a mistake worth a 400, as OpenAI answers it. */
    private void checkLogitBias(GenerationOptions o) {
        for (int id : o.logitBias().keySet()) {
            if (id < 0 || id >= vocab) {
                throw ApiException.invalid("logit_bias", "'logit_bias' names token " + id + ", outside the vocabulary (0 to " + (vocab - 1) + ")");
            }
        }
    }

    /** A completion prompt's token ids: its text tokenized, or its ids checked against the vocabulary. */
    private int[] promptIds(Object prompt) {
        if (prompt instanceof String text) {
            // As vLLM: special-token text in a raw prompt is recognised (the caller writes the whole prompt).
            int[] ids = model.tokenize(text, true);
            if (ids.length == 0) throw ApiException.invalid("prompt", "the prompt is empty");
            return ids;
        }
        int[] ids = (int[]) prompt;
        for (int id : ids) {
            if (id >= vocab) throw ApiException.invalid("prompt", "token id " + id + " is outside the vocabulary (0 to " + (vocab - 1) + ")");
        }
        return ids;
    }

    private GenerationStream submit(GenerationRun run, List<GenerationRequest> jobs, List<TokenListener> listeners) {
        List<Handle> handles;
        try {
            handles = engine.submitAll(jobs, listeners);
        } catch (EngineOverloadedException e) {
            throw ApiException.overloaded(e.getMessage(), e.retryAfterSeconds());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
        run.started(handles);
        return run;
    }

    @Override
    public void close() {
        engine.close();
        pool.close();
        if (vision != null) vision.close();
    }
}

package io.qwen4j.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.qwen4j.api.ApiException;
import io.qwen4j.api.ChatBackend;
import io.qwen4j.api.ChatCompletionRequest;
import io.qwen4j.api.ChoiceDelta;
import io.qwen4j.api.ChoiceEnd;
import io.qwen4j.api.CompletionRequest;
import io.qwen4j.api.GenerationListener;
import io.qwen4j.api.GenerationOptions;
import io.qwen4j.api.GenerationStream;
import io.qwen4j.api.ModelCard;
import io.qwen4j.api.TokenLogprob;
import io.qwen4j.api.TokenizingBackend;
import io.qwen4j.api.ToolCallDelta;
import io.qwen4j.api.Usage;
import io.qwen4j.engine.Completion;
import io.qwen4j.engine.EngineConfig;
import io.qwen4j.engine.EngineOverloadedException;
import io.qwen4j.engine.FinishReason;
import io.qwen4j.engine.GeneratedToken;
import io.qwen4j.engine.GenerationRequest;
import io.qwen4j.engine.Handle;
import io.qwen4j.engine.KvCacheSizing;
import io.qwen4j.engine.Scheduler;
import io.qwen4j.engine.TokenListener;
import io.qwen4j.gguf.GgufFormatException;
import io.qwen4j.kv.PagedKvCache;
import io.qwen4j.model.ImageEmbeddings;
import io.qwen4j.model.ImagePromptLayout;
import io.qwen4j.model.ImageTokens;
import io.qwen4j.model.TextModel;
import io.qwen4j.sampling.SamplingParams;
import io.qwen4j.sampling.TokenMask;
import io.qwen4j.tensor.WorkerPool;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Supplier;

/**
 * The local backend: OpenAI requests → chat template → token ids → the engine's {@link Scheduler}, and the
 * engine's tokens back as OpenAI deltas (reasoning split from the answer, logprobs as token strings). With a
 * {@link VisionTower}, image parts are read and encoded on the request's thread, and each template-rendered
 * {@code <|image_pad|>} becomes the image's rows ({@link ImagePromptLayout}) before the request reaches the engine.
 */
public final class LocalBackend implements ChatBackend, TokenizingBackend {
    /** Parameters that act on this backend ({@code supported_parameters} of the model card). */
    static final List<String> SUPPORTED_PARAMETERS = List.of("max_tokens", "max_completion_tokens", "temperature", "top_p",
            "top_k", "min_p", "top_a", "frequency_penalty", "presence_penalty", "repetition_penalty", "seed", "stop",
            "logit_bias", "logprobs", "top_logprobs", "n", "stream", "stream_options", "verbosity", "include_reasoning",
            "reasoning", "min_tokens", "ignore_eos", "stop_token_ids", "skip_special_tokens", "return_tokens_as_token_ids",
            "chat_template_kwargs", "add_generation_prompt",
            "response_format", "structured_outputs", "tools", "tool_choice", "parallel_tool_calls");

    private final LocalModel model;
    private final VisionTower vision; // null: text only
    private final ImageTokens imageTokens; // null: text only
    private final WorkerPool pool;
    private final Scheduler engine;
    private final int vocab;
    private final String fingerprint;
    private final long created = System.currentTimeMillis() / 1000;
    private final SecureRandom seeds = new SecureRandom();
    private final StructuredOutput structuredOutput;

    private LocalBackend(LocalModel model, VisionTower vision, ImageTokens imageTokens, WorkerPool pool, Scheduler engine, int vocab,
                         String fingerprint) {
        this.model = model;
        this.vision = vision;
        this.imageTokens = imageTokens;
        this.pool = pool;
        this.engine = engine;
        this.vocab = vocab;
        this.fingerprint = fingerprint;
        this.structuredOutput = new StructuredOutput(model.tokenizer().vocabulary(), model.chatFormat().toolCall());
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
            return new LocalBackend(model, vision, imageTokens, pool, engine, text.shape().vocab(), fingerprint(model, config));
        } catch (RuntimeException | GgufFormatException e) {
            pool.close();
            throw e;
        }
    }

    private static String fingerprint(LocalModel model, EngineConfig config) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            String id = "qwen4j-0.1|" + model.fileName() + "|" + model.fileSize() + "|" + config.kvStorage();
            return "fp_" + HexFormat.of().formatHex(sha.digest(id.getBytes(StandardCharsets.UTF_8))).substring(0, 10);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Scheduler engine() {
        return engine;
    }

    public LocalModel localModel() {
        return model;
    }

    @Override
    public String systemFingerprint() {
        return fingerprint;
    }

    @Override
    public List<ModelCard> models() {
        int ctx = engine.contextSize();
        List<ModelCard> cards = new ArrayList<>();
        for (String name : model.names()) {
            // Images come with the vision tower (--mmproj).
            List<String> input = vision != null ? List.of("text", "image") : List.of("text");
            cards.add(new ModelCard(name, created, "qwen4j", ctx, ctx - 1, input, List.of("text"), SUPPORTED_PARAMETERS, null));
        }
        return cards;
    }

    private void checkModel(String name) {
        if (!model.names().contains(name)) throw ApiException.modelNotFound(name);
    }

    // ---- chat

    @Override
    public GenerationStream chat(ChatCompletionRequest request, GenerationListener listener) {
        checkModel(request.model());
        List<VisionTower.Part> parts = new ArrayList<>();
        JsonNode messages = prepareMessages(request.messages(), request.verbosity(), parts);
        // Tools are rendered even with tool_choice "none" (as OpenAI and vLLM do); the mask then bans the call token.
        ChatPrompt.Rendered prompt = model.renderChat(messages, request.tools().tools(), request.chatTemplateKwargs(), request.addGenerationPrompt());
        Supplier<TokenMask> masks = structuredOutput.masks(request.outputFormat(), request.tools());
        boolean thinking = ReasoningSplitter.promptOpensReasoning(model.chatFormat().reasoning(), prompt.text());
        List<VisionTower.Image> images = parts.isEmpty() ? List.of() : vision.read(parts);
        // Image tokens count as prompt tokens (context, credit and usage), as OpenAI and vLLM count them.
        int promptTokens = expandedLength(prompt.tokens(), images);
        int maxTokens = maxTokens(request.options(), promptTokens, null, "messages");
        GenerationOptions o = request.options();
        listener.onAdmit(promptTokens, maxTokens * o.n());
        ImagePromptLayout layout = images.isEmpty() ? null : layout(prompt.tokens(), images);
        Run run = new Run(listener, promptTokens, 1, o.n());
        List<GenerationRequest> jobs = new ArrayList<>();
        List<TokenListener> listeners = new ArrayList<>();
        long seed = o.seed() != null ? o.seed() : seeds.nextLong();
        for (int i = 0; i < o.n(); i++) {
            GenerationRequest job = generationRequest(prompt.tokens(), o, maxTokens, request.logprobs(), seed + i,
                    masks == null ? null : masks.get());
            jobs.add(layout == null ? job : job.withLayout(layout));
            ChoiceAdapter adapter = new ChoiceAdapter(run, i, request.logprobs(), o.returnTokensAsTokenIds(),
                    new ReasoningSplitter(model.chatFormat().reasoning(), thinking), request.includeReasoning());
            if (request.tools().callsPossible()) adapter.toolCalls = new ToolCallParser(model.chatFormat().toolCall());
            listeners.add(adapter);
        }
        return submit(run, jobs, listeners);
    }

    /** The prompt's length once each rendered {@code <|image_pad|>} is its image's run; refuses a template that lost images. */
    private int expandedLength(int[] ids, List<VisionTower.Image> images) {
        if (images.isEmpty()) return ids.length;
        int pads = 0;
        for (int id : ids) if (id == imageTokens.imagePad()) pads++;
        if (pads != images.size()) {
            throw ApiException.invalid("messages", "the chat template rendered " + pads + " image placeholders for the " + images.size()
                    + " images of these messages");
        }
        long n = ids.length - pads;
        for (VisionTower.Image im : images) n += im.tokens();
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** Encodes the images (the tower's thread, one batch) and lays them out in the prompt. */
    private ImagePromptLayout layout(int[] ids, List<VisionTower.Image> images) {
        List<ImageEmbeddings> rows;
        try {
            rows = vision.encode(images);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("interrupted while encoding the images");
        } catch (ApiException e) {
            throw e;
        } catch (RuntimeException e) {
            // After onAdmit: an ApiException releases the reservation on its way out.
            throw ApiException.internal("image encoding failed: " + e.getMessage());
        }
        return ImagePromptLayout.expand(ids, rows, imageTokens, 0);
    }

    /**
     * Checks content parts, maps the {@code developer} role to {@code system}, and applies {@code verbosity} as a
     * system instruction. Image parts are collected into {@code images} (in the order the template renders them)
     * and become {@code {"type": "image"}} for the template: it only places their tokens, and never sees the data.
     */
    private JsonNode prepareMessages(JsonNode messages, String verbosity, List<VisionTower.Part> images) {
        if (messages == null || !messages.isArray()) return messages; // the template's checks answer
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            if (!m.isObject()) throw ApiException.invalid("messages[" + i + "]", "messages[" + i + "] must be an object");
            ObjectNode copy = JsonNodeFactory.instance.objectNode().setAll((ObjectNode) m); // shallow: content parts are replaced, not edited
            if ("developer".equals(copy.path("role").asText(null))) copy.put("role", "system");
            JsonNode content = copy.get("content");
            if (content != null && content.isArray()) copy.set("content", checkParts(i, copy.path("role").asText(""), content, images));
            out.add(copy);
        }
        String instruction = verbosity == null ? null : ChatCompletionRequest.VERBOSITY_INSTRUCTIONS.get(verbosity);
        if (instruction != null) {
            JsonNode first = out.get(0);
            if ("system".equals(first.path("role").asText(null)) && first.path("content").isTextual()) {
                ((ObjectNode) first).put("content", first.get("content").textValue() + "\n\n" + instruction);
            } else if ("system".equals(first.path("role").asText(null)) && first.path("content").isArray()) {
                ((ArrayNode) first.get("content")).addObject().put("type", "text").put("text", "\n\n" + instruction);
            } else {
                ObjectNode system = JsonNodeFactory.instance.objectNode().put("role", "system").put("content", instruction);
                out.insert(0, system);
            }
        }
        return out;
    }

    private ArrayNode checkParts(int i, String role, JsonNode parts, List<VisionTower.Part> images) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (int j = 0; j < parts.size(); j++) {
            JsonNode part = parts.get(j);
            String param = "messages[" + i + "].content[" + j + "]";
            if (!part.isObject() || !part.path("type").isTextual()) {
                throw ApiException.invalid(param, param + " must be an object with a 'type'");
            }
            switch (part.get("type").textValue()) {
                case "text" -> {
                    if (!part.path("text").isTextual()) throw ApiException.invalid(param + ".text", param + ".text must be a string");
                    out.add(part);
                }
                case "image_url", "image", "input_image" -> {
                    if (vision == null) {
                        throw ApiException.invalid(param, param + " is an image, but this model has no vision tower loaded (start the server with --mmproj FILE.gguf)");
                    }
                    // Qwen3-VL's template places images of user and tool messages only, and would drop others silently.
                    if (!role.equals("user") && !role.equals("tool")) {
                        throw ApiException.invalid(param, param + " is an image in a '" + role + "' message; images are read in user and tool messages only");
                    }
                    if (images.size() >= vision.options().maxImagesPerRequest()) {
                        throw ApiException.invalid(param, param + " is one image too many: at most " + vision.options().maxImagesPerRequest()
                                + " images per request (--max-images-per-request)");
                    }
                    images.add(new VisionTower.Part(param, ImageSource.of(part, param, vision.options().maxImageBytes())));
                    out.addObject().put("type", "image");
                }
                default -> throw ApiException.invalid(param, param + " has type '" + part.get("type").textValue()
                        + "', which this model cannot read (text and image parts only)");
            }
        }
        return out;
    }

    // ---- completions

    @Override
    public GenerationStream complete(CompletionRequest request, GenerationListener listener) {
        checkModel(request.model());
        List<int[]> prompts = new ArrayList<>();
        for (Object p : request.prompts()) {
            int[] ids;
            if (p instanceof String text) {
                // As vLLM: special-token text in a raw prompt is recognised (the caller writes the whole prompt).
                ids = model.tokenize(text, true);
                if (ids.length == 0) throw ApiException.invalid("prompt", "the prompt is empty");
            } else {
                ids = (int[]) p;
                for (int id : ids) {
                    if (id >= vocab) throw ApiException.invalid("prompt", "token id " + id + " is outside the vocabulary (0 to " + (vocab - 1) + ")");
                }
            }
            prompts.add(ids);
        }
        GenerationOptions o = request.options();
        int promptTokens = 0;
        for (int[] p : prompts) promptTokens += p.length;
        Run run = new Run(listener, promptTokens, prompts.size(), o.n());
        long seed = o.seed() != null ? o.seed() : seeds.nextLong();
        List<GenerationRequest> jobs = new ArrayList<>();
        List<TokenListener> listeners = new ArrayList<>();
        int choice = 0;
        long maxCompletion = 0;
        for (int[] ids : prompts) {
            int maxTokens = maxTokens(o, ids.length, CompletionRequest.DEFAULT_MAX_TOKENS, "prompt");
            for (int i = 0; i < o.n(); i++, choice++) {
                jobs.add(generationRequest(ids, o, maxTokens, request.logprobs(), seed + choice, null));
                listeners.add(new ChoiceAdapter(run, choice, request.logprobs(), o.returnTokensAsTokenIds(), null, false));
                maxCompletion += maxTokens;
            }
        }
        listener.onAdmit(promptTokens, (int) Math.min(Integer.MAX_VALUE, maxCompletion));
        return submit(run, jobs, listeners);
    }

    // ---- shared

    /**
     * The completion budget: what was asked, else all the context left (chat) or the endpoint's default;
     * asking for more than the context holds is a 400 with the numbers, as OpenAI words it.
     */
    private int maxTokens(GenerationOptions o, int promptTokens, Integer endpointDefault, String promptParam) {
        int ctx = engine.contextSize();
        if (o.maxTokens() == null) {
            int room = ctx - promptTokens;
            if (room < 1) throw contextExceeded(promptTokens, 1, promptParam);
            return endpointDefault == null ? room : Math.min(endpointDefault, room);
        }
        if ((long) promptTokens + o.maxTokens() > ctx) throw contextExceeded(promptTokens, o.maxTokens(), promptParam);
        return o.maxTokens();
    }

    private ApiException contextExceeded(int promptTokens, int maxTokens, String param) {
        int ctx = engine.contextSize();
        return new ApiException(400, "invalid_request_error", param, "context_length_exceeded", String.format(
                "This model's maximum context length is %d tokens. However, you requested %d tokens (%d in the %s, %d in the completion). "
                        + "Please reduce the length of the %s or completion.",
                ctx, (long) promptTokens + maxTokens, promptTokens, param.equals("messages") ? "messages" : "prompt", maxTokens,
                param.equals("messages") ? "messages" : "prompt"));
    }

    private static GenerationRequest generationRequest(int[] prompt, GenerationOptions o, int maxTokens, int logprobs, long seed, TokenMask mask) {
        SamplingParams sampling = new SamplingParams(
                o.temperature() == null ? 1f : o.temperature().floatValue(),
                o.topK() == null ? 0 : o.topK(),
                o.topP() == null ? 1 : o.topP(),
                o.minP() == null ? 0 : o.minP(),
                o.topA() == null ? 0 : o.topA(),
                o.repetitionPenalty() == null ? 1f : o.repetitionPenalty().floatValue(),
                o.frequencyPenalty() == null ? 0f : o.frequencyPenalty().floatValue(),
                o.presencePenalty() == null ? 0f : o.presencePenalty().floatValue(),
                o.logitBias(), seed);
        // A constrained output ends when its grammar says so: min_tokens does not apply.
        int minTokens = o.minTokens() == null || mask != null ? 0 : Math.min(o.minTokens(), maxTokens);
        return new GenerationRequest(prompt, sampling, maxTokens, minTokens, o.stop(), new HashSet<>(o.stopTokenIds()),
                o.ignoreEos(), logprobs, o.skipSpecialTokens(), mask);
    }

    private GenerationStream submit(Run run, List<GenerationRequest> jobs, List<TokenListener> listeners) {
        List<Handle> handles;
        try {
            handles = engine.submitAll(jobs, listeners);
        } catch (EngineOverloadedException e) {
            throw ApiException.overloaded(e.getMessage(), e.retryAfterSeconds());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(null, e.getMessage());
        }
        run.handles = handles;
        return run;
    }

    /**
     * One request's choices: sums their usage and reports the end once all have ended. Each prompt counts once
     * however many choices continue it, and so do its cached tokens: those every one of its choices reused.
     */
    private static final class Run implements GenerationStream {
        final GenerationListener listener;
        final int promptTokens, choicesPerPrompt;
        final int[] cachedByPrompt; // -1 until a choice of the prompt ends
        volatile List<Handle> handles = List.of();
        int open, completionTokens, reasoningTokens;
        boolean failed;

        /** Choice i continues prompt i / choicesPerPrompt. */
        Run(GenerationListener listener, int promptTokens, int prompts, int choicesPerPrompt) {
            this.listener = listener;
            this.promptTokens = promptTokens;
            this.choicesPerPrompt = choicesPerPrompt;
            this.cachedByPrompt = new int[prompts];
            Arrays.fill(cachedByPrompt, -1);
            this.open = prompts * choicesPerPrompt;
        }

        @Override
        public void cancel() {
            for (Handle h : handles) h.cancel();
        }

        synchronized void ended(int choice, ChoiceEnd end, int tokens, int reasoning, int cached) {
            completionTokens += tokens;
            reasoningTokens += reasoning;
            int prompt = choice / choicesPerPrompt;
            cachedByPrompt[prompt] = cachedByPrompt[prompt] < 0 ? cached : Math.min(cachedByPrompt[prompt], cached);
            if (failed) return;
            listener.onChoiceEnd(choice, end);
            if (--open == 0) listener.onComplete(usage());
        }

        synchronized void failed(RuntimeException e) {
            if (failed) return;
            failed = true;
            cancel();
            listener.onError(ApiException.internal("generation failed: " + e.getMessage()), usage());
        }

        Usage usage() {
            int cached = 0;
            for (int c : cachedByPrompt) cached += Math.max(0, c);
            return new Usage(promptTokens, cached, completionTokens, reasoningTokens);
        }
    }

    /** Turns one sequence's engine events into OpenAI deltas. */
    private final class ChoiceAdapter implements TokenListener {
        final Run run;
        final int index, logprobs;
        final boolean tokenIds, includeReasoning;
        final ReasoningSplitter splitter; // null: completions, no reasoning split
        ToolCallParser toolCalls; // null: no tool call possible, the answer is all content
        int reasoningTokens;

        ChoiceAdapter(Run run, int index, int logprobs, boolean tokenIds, ReasoningSplitter splitter, boolean includeReasoning) {
            this.run = run;
            this.index = index;
            this.logprobs = logprobs;
            this.tokenIds = tokenIds;
            this.splitter = splitter;
            this.includeReasoning = includeReasoning;
        }

        @Override
        public void onToken(GeneratedToken token) {
            List<TokenLogprob> lps = List.of();
            if (logprobs >= 0 && !token.ending()) {
                List<TokenLogprob> top = new ArrayList<>();
                if (token.top() != null) {
                    for (int k = 0; k < token.top().size(); k++) top.add(entry(token.top().ids()[k], token.top().logprobs()[k], List.of()));
                }
                lps = List.of(entry(token.id(), token.logprob(), top));
            }
            deliver(token.text(), lps, true);
        }

        private void deliver(String text, List<TokenLogprob> lps, boolean isToken) {
            String content = text, reasoning = "";
            if (splitter != null) {
                ReasoningSplitter.Parts parts = splitter.push(text);
                content = parts.content();
                reasoning = parts.reasoning();
                if (isToken && parts.inReasoning()) reasoningTokens++;
            }
            emit(content, reasoning, lps);
        }

        private void emit(String content, String reasoning, List<TokenLogprob> lps) {
            List<ToolCallDelta> calls = List.of();
            if (toolCalls != null) {
                ToolCallParser.Parts parts = toolCalls.push(content);
                content = parts.content();
                calls = parts.calls();
            }
            send(new ChoiceDelta(content, includeReasoning ? reasoning : "", lps, calls));
        }

        private void send(ChoiceDelta d) {
            if (!d.isEmpty()) run.listener.onDelta(index, d);
        }

        @Override
        public void onFinish(Completion c) {
            if (!c.tail().isEmpty()) deliver(c.tail(), List.of(), false);
            if (splitter != null) {
                ReasoningSplitter.Parts rest = splitter.finish();
                emit(rest.content(), rest.reasoning(), List.of());
            }
            String finish = c.reason().openAiName();
            if (toolCalls != null) {
                ToolCallParser.Parts rest = toolCalls.finish();
                send(new ChoiceDelta(rest.content(), "", List.of(), rest.calls()));
                if (toolCalls.calls() > 0 && c.reason() == FinishReason.STOP) finish = "tool_calls";
            }
            run.ended(index, new ChoiceEnd(finish, c.nativeReason(), c.stopReason()), c.completionTokens(), reasoningTokens, c.cachedTokens());
        }

        @Override
        public void onError(RuntimeException error) {
            run.failed(error);
        }

        private TokenLogprob entry(int id, float logprob, List<TokenLogprob> top) {
            byte[] bytes = model.tokenizer().tokenBytes(id);
            String text = tokenIds ? "token_id:" + id : model.tokenizer().decode(new int[] {id});
            // JSON has no -Infinity: OpenAI reports impossible tokens as -9999.
            double lp = Float.isInfinite(logprob) || Float.isNaN(logprob) ? -9999.0 : logprob;
            return new TokenLogprob(text, id, lp, bytes, top);
        }
    }

    // ---- tokenizer endpoints

    @Override
    public int[] tokenize(String prompt, boolean parseSpecial) {
        return model.tokenize(prompt, parseSpecial);
    }

    @Override
    public int[] tokenizeChat(JsonNode messages, JsonNode tools, JsonNode templateKwargs, boolean addGenerationPrompt) {
        List<VisionTower.Part> parts = new ArrayList<>();
        JsonNode prepared = prepareMessages(messages, null, parts);
        int[] ids = model.renderChat(prepared, tools, templateKwargs, addGenerationPrompt).tokens();
        if (parts.isEmpty()) return ids;
        // The prompt as the model sees it: each image's pad run, as the HF processor's input_ids (no encoding needed).
        List<VisionTower.Image> images = vision.read(parts);
        int[] out = new int[expandedLength(ids, images)];
        int n = 0, image = 0;
        for (int id : ids) {
            if (id != imageTokens.imagePad()) {
                out[n++] = id;
                continue;
            }
            for (int k = images.get(image++).tokens(); k > 0; k--) out[n++] = id;
        }
        return out;
    }

    @Override
    public String detokenize(int[] ids) {
        return model.detokenize(ids);
    }

    @Override
    public int vocabularySize() {
        return model.vocabularySize();
    }

    @Override
    public int maxModelLen() {
        return engine.contextSize();
    }

    @Override
    public void close() {
        engine.close();
        pool.close();
        if (vision != null) vision.close();
    }
}

package io.qwen4j.local;

import io.qwen4j.api.ChoiceDelta;
import io.qwen4j.api.ChoiceEnd;
import io.qwen4j.api.TokenLogprob;
import io.qwen4j.api.ToolCallDelta;
import io.qwen4j.engine.Completion;
import io.qwen4j.engine.GeneratedToken;
import io.qwen4j.engine.TokenListener;
import io.qwen4j.tokenizer.Qwen3Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one sequence's engine events into OpenAI deltas: reasoning split from the answer, tool calls parsed out
 * of it, logprobs as token strings.
 */
final class ChoiceAdapter implements TokenListener {
    private final GenerationRun run;
    private final Qwen3Tokenizer tokenizer;
    private final int index, logprobs;
    private final boolean tokenIds, includeReasoning;
    private final ReasoningSplitter splitter; // null: completions, no reasoning split
    private final ToolCallParser toolCalls; // null: no tool call possible, the answer is all content
    private int reasoningTokens;
    private int tokensNotYetSent; // generated, their text still held back (stop strings, UTF-8, tags)

    /**
     * @param logprobs  -1: none; else alternatives per token
     * @param tokenIds  logprob tokens as {@code token_id:N}
     * @param splitter  the reasoning split (chat), or null
     * @param toolCalls the tool-call parser when a call is possible, or null
     */
    ChoiceAdapter(GenerationRun run, Qwen3Tokenizer tokenizer, int index, int logprobs, boolean tokenIds, ReasoningSplitter splitter,
                  boolean includeReasoning, ToolCallParser toolCalls) {
        this.run = run;
        this.tokenizer = tokenizer;
        this.index = index;
        this.logprobs = logprobs;
        this.tokenIds = tokenIds;
        this.splitter = splitter;
        this.includeReasoning = includeReasoning;
        this.toolCalls = toolCalls;
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
        tokensNotYetSent++;
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
        if (d.isEmpty()) return;
        run.listener.onDelta(index, d.withTokens(tokensNotYetSent));
        tokensNotYetSent = 0;
    }

    @Override
    public void onFinish(Completion c) {
        if (!c.tail().isEmpty()) deliver(c.tail(), List.of(), false);
        if (splitter != null) {
            ReasoningSplitter.Parts rest = splitter.finish();
            emit(rest.content(), rest.reasoning(), List.of());
        }
        if (toolCalls != null) {
            ToolCallParser.Parts rest = toolCalls.finish();
            send(new ChoiceDelta(rest.content(), "", List.of(), rest.calls()));
        }
        ChoiceEnd end = ChoiceEnding.of(c.reason(), toolCalls != null && toolCalls.calls() > 0);
        run.ended(index, end, c.completionTokens(), reasoningTokens, c.cachedTokens());
    }

    @Override
    public void onError(RuntimeException error) {
        run.failed(error);
    }

    private TokenLogprob entry(int id, float logprob, List<TokenLogprob> top) {
        byte[] bytes = tokenizer.tokenBytes(id);
        String text = tokenIds ? "token_id:" + id : tokenizer.decode(new int[] {id});
        // JSON has no -Infinity: OpenAI reports impossible tokens as -9999.
        double lp = Float.isInfinite(logprob) || Float.isNaN(logprob) ? -9999.0 : logprob;
        return new TokenLogprob(text, id, lp, bytes, top);
    }
}

package io.qwen4j.template;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;

/**
 * A compiled Jinja2 chat template that renders byte-for-byte like Hugging Face transformers does
 * (Jinja2's {@code ImmutableSandboxedEnvironment} with {@code trim_blocks}, {@code lstrip_blocks},
 * loop controls, {@code {% generation %}}, {@code raise_exception} and {@code strftime_now}).
 *
 * <p>Compile once, render many times; rendering is thread-safe.
 */
public final class ChatTemplate {
    private final List<Node> body;

    private ChatTemplate(List<Node> body) {
        this.body = body;
    }

    /**
     * Parses template source.
     *
     * @throws TemplateSyntaxException if the source is not a valid template
     */
    public static ChatTemplate compile(String source) {
        try {
            List<Token> tokens = TemplateLexer.tokenize(source, true, true, false);
            return new ChatTemplate(TemplateParser.parse(tokens));
        } catch (StackOverflowError e) {
            throw new TemplateSyntaxException("template nesting too deep", 0);
        } catch (TemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new TemplateSyntaxException("invalid template: " + e, 0);
        }
    }

    /** Renders with the system clock for {@code strftime_now}. */
    public String render(Map<String, ?> variables) {
        return render(variables, Clock.systemDefaultZone());
    }

    /**
     * Renders with {@code variables} as the template's variables (messages, tools, add_generation_prompt, ...).
     * Values may be plain Java objects ({@link JsonValues#fromJava} rules) or values from {@link JsonValues#parse}.
     * {@code strftime_now} reads the local date-time of {@code clock}.
     *
     * @throws TemplateRaisedException when the template calls {@code raise_exception(message)}
     * @throws TemplateException for any other error Jinja2/Python would raise, and for exceeded budgets
     */
    public String render(Map<String, ?> variables, Clock clock) {
        return render(variables, LocalDateTime.now(clock));
    }

    /** Renders with {@code strftime_now} frozen at {@code now}. */
    public String render(Map<String, ?> variables, LocalDateTime now) {
        @SuppressWarnings("unchecked")
        Map<String, Object> vars = (Map<String, Object>) JsonValues.fromJava(variables);
        RenderContext ctx = new RenderContext(now);
        Scope globals = new Scope(null, BuiltinGlobals.GLOBALS);
        Scope top = new Scope(new Scope(globals, vars));
        StringBuilder out = new StringBuilder(4096);
        try {
            ctx.interpreter.exec(body, top, out);
        } catch (StackOverflowError e) {
            throw new TemplateException("RecursionError: maximum recursion depth exceeded");
        } catch (TemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            // Defensive: an engine bug or an exotic caller value must still surface as a template error.
            throw new TemplateException("internal template error: " + e, e);
        }
        return out.toString();
    }
}

package io.qwen4j.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.LocalDateTime;
import java.util.Map;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Hostile or broken templates must fail fast with a TemplateException: no hang, no StackOverflowError. */
@Timeout(60)
class HostileTemplateTest {
    static final LocalDateTime NOW = LocalDateTime.of(2025, 3, 7, 9, 5, 2);

    static String render(String template) {
        return ChatTemplate.compile(template).render(Map.of(), NOW);
    }

    @Test
    void unterminatedTagsAreSyntaxErrors() {
        for (String src : new String[] {"{% if x", "{% if x %}no end", "{{ x", "{# never closed", "{% for %}", "{{ 'abc }}",
                                        "{% endif %}", "{{ ) }}", "{% raw %}x", "{% if %}{% endif %}", "{{ a b }}", "{% set %}"}) {
            assertThatThrownBy(() -> render(src)).as(src).isInstanceOf(TemplateSyntaxException.class);
        }
    }

    @Test
    void deeplyNestedExpressionsFailCleanly() {
        int n = 100_000;
        String parens = "{{ " + "(".repeat(n) + "1" + ")".repeat(n) + " }}";
        String lists = "{{ " + "[".repeat(n) + "]".repeat(n) + " }}";
        String nots = "{{ " + "not ".repeat(n) + "x }}";
        String negs = "{{ " + "-".repeat(n) + "1 }}";
        String ifs = "{% if x %}".repeat(n) + "{% endif %}".repeat(n);
        for (String src : new String[] {parens, lists, nots, negs, ifs}) {
            assertThatThrownBy(() -> render(src)).isInstanceOf(TemplateException.class);
        }
    }

    @Test
    void longFlatExpressionsEitherRenderOrFailCleanly() {
        String sum = "{{ " + "1 + ".repeat(200_000) + "1 }}";
        String attrs = "{{ x" + ".a".repeat(200_000) + " }}";
        for (String src : new String[] {sum, attrs}) {
            try {
                render(src);
            } catch (TemplateException e) {
                assertThat(e).isNotNull();
            }
        }
    }

    @Test
    void hugeRangesAreRefused() {
        assertThatThrownBy(() -> render("{% for i in range(10**9) %}{% endfor %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("Range too big");
        assertThat(render("{{ range(100000)|length }}")).isEqualTo("100000");
    }

    @Tag("slow")
    @Test
    void iterationBudgetStopsNestedLoops() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("iteration budget");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void outputAndStringBudgetsHold() {
        assertThatThrownBy(() -> render("{% set s = 'x' * 1000000 %}{% for i in range(100000) %}{{ s }}{% endfor %}"))
                .isInstanceOf(TemplateException.class).hasMessageContaining("exceeded");
        assertThatThrownBy(() -> render("{% set ns = namespace(s='xx') %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"))
                .isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ 'x' * 10**12 }}")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ [1] * 10**12 }}")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ 2 ** 100000000 }}")).isInstanceOf(TemplateException.class);
    }

    @Test
    void infiniteRecursionFailsCleanly() {
        assertThatThrownBy(() -> render("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}"))
                .isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{% for x in [[1]] recursive %}{{ loop(x) }}{% endfor %}"))
                .isInstanceOf(TemplateException.class);
    }

    @Test
    void garbageInputNeverEscapesAsAnotherException() {
        java.util.Random random = new java.util.Random(42);
        String alphabet = "{}%#-+()[]'\"\\|.:,=~*/ abxyz01\n\tifsetforendmacro";
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(60);
            for (int k = 0; k < len; k++) sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            String src = random.nextBoolean() ? "{{ " + sb + " }}" : "{% " + sb + " %}" + sb;
            try {
                render(src);
            } catch (TemplateException expected) {
                // fine
            } catch (RuntimeException other) {
                throw new AssertionError("seed 42 input " + i + " escaped as " + other.getClass().getSimpleName() + ": " + src, other);
            }
        }
    }
}

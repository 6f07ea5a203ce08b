package io.qwen4j.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDateTime;
import java.util.Map;

import org.junit.jupiter.api.Test;

/**
 * Focused semantics checks. Every expected string here is what Python Jinja2 3.1.6 renders for the
 * same template in transformers' environment (sandboxed, trim_blocks, lstrip_blocks, loopcontrols,
 * tojson = json.dumps), clock frozen at 2025-03-07 09:05:02.
 */
class TemplateSemanticsTest {
    static final LocalDateTime NOW = LocalDateTime.of(2025, 3, 7, 9, 5, 2);

    static String render(String template, String jsonVariables) {
        return ChatTemplate.compile(template).render(JsonValues.parseObject(jsonVariables), NOW);
    }

    static void assertRenders(String template, String expected) {
        assertThat(render(template, "{}")).as(template).isEqualTo(expected);
    }

    static void assertRenders(String template, String jsonVariables, String expected) {
        assertThat(render(template, jsonVariables)).as(template).isEqualTo(expected);
    }

    static void assertRaises(String template) {
        assertThatThrownBy(() -> render(template, "{\"messages\": []}")).as(template)
                .isInstanceOf(TemplateException.class)
                .isNotInstanceOf(TemplateRaisedException.class);
    }

    @Test
    void whitespaceControl() {
        assertRenders("a\n  {% if true %}\n    x\n  {% endif %}\nb",
                "a\n    x\nb");
        assertRenders("  {%- if true -%}\n    x\n  {%- endif -%}  \nb",
                "xb");
        assertRenders("{% for i in [1,2] %}\n  - {{ i }}\n{% endfor %}\nend",
                "  - 1\n  - 2\nend");
        assertRenders("  {# comment #}\nx {# inline #} y\n  {#- strip -#}  z",
                "x  yz");
        assertRenders("  {%+ if true %}kept{% endif %}",
                "  kept");
        assertRenders("{% if true +%}\nno trim\n{% endif %}",
                "\nno trim\n");
        assertRenders("line1   \n   {{ \"var\" }}   \n  {% set x = 1 %}   \nafter",
                "line1   \n   var   \n   \nafter");
        assertRenders("{{ \"a\" }}\n{{- \"b\" -}}\n   {{ \"c\" }}",
                "abc");
        assertRenders("one\r\ntwo\rthree\n{% if true %}\r\nyes\r\n{% endif %}\r\n",
                "one\ntwo\nthree\nyes\n");
        assertRenders("keep one\n\n",
                "keep one\n");
        assertRenders("{% raw %}{{ not a var }}{% endraw %}",
                "{{ not a var }}");
        assertRenders("a {%- if true %} b {% endif -%} c",
                "a b c");
        assertRenders("{{ text }}", "{\"text\": \"a\\r\\nb  \\n\"}",
                "a\r\nb  \n");
    }

    @Test
    void printingUsesPythonStrAndRepr() {
        assertRenders("{{ [1, 'a', None, True, 1.5, {'k': 'v'}, ('t',), (1, 2), []] }}",
                "[1, 'a', None, True, 1.5, {'k': 'v'}, ('t',), (1, 2), []]");
        assertRenders("{{ [\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\there', 'nl\\n', '\\u200b', '\\x7f', '\\u2028', 'é', '\ud83d\ude00'] }}",
                "[\"it's\", 'say \"hi\"', 'both \\' \"', 'tab\\there', 'nl\\n', '\\u200b', '\\x7f', '\\u2028', 'é', '\ud83d\ude00']");
        assertRenders("{{ none }} {{ true }} {{ false }} {{ x }}", "{\"x\": null}",
                "None True False None");
        assertRenders("{{ content }}", "{\"content\": [{\"type\": \"text\", \"text\": \"What is in this image?\"}]}",
                "[{'type': 'text', 'text': 'What is in this image?'}]");
        assertRenders("{{ {'a': 1}.items() }}",
                "dict_items([('a', 1)])");
        assertRenders("{{ ns }}",
                "");
    }

    @Test
    void floatRepr() {
        assertRenders("{{ 1e-7 }} {{ 1e16 }} {{ 1e15 }} {{ 0.1 + 0.2 }} {{ 12.5 }} {{ 1.0 }} {{ -0.0 }} {{ 3.0 * 2 }}",
                "1e-07 1e+16 1000000000000000.0 0.30000000000000004 12.5 1.0 -0.0 6.0");
        assertRenders("{{ 1/3 }} {{ 5e-324 }} {{ 1.7976931348623157e308 }} {{ 1e300 * 1e300 }} {{ 0.0001 }} {{ 0.00001 }} {{ 123456789.123456789 }}",
                "0.3333333333333333 5e-324 1.7976931348623157e+308 inf 0.0001 1e-05 123456789.12345679");
        assertRenders("{{ x }} {{ y }}", "{\"x\": 0.0, \"y\": 2.5e-05}",
                "0.0 2.5e-05");
    }

    @Test
    void arithmeticFollowsPython() {
        assertRenders("{{ 1/2 }} {{ 7//2 }} {{ -7//2 }} {{ 7%3 }} {{ -7%3 }} {{ 2**10 }} {{ 2**-1 }} {{ 7.5//2 }} {{ -7.5%2 }}",
                "0.5 3 -4 1 2 1024 0.5 3.0 0.5");
        assertRenders("{{ 'ab' * 3 }} {{ 3 * 'ab' }} {{ [1] * 3 }} {{ [1, 2] + [3] }} {{ (1,) + (2,) }} {{ 'a' ~ 1 ~ none ~ true }}",
                "ababab ababab [1, 1, 1] [1, 2, 3] (1, 2) a1NoneTrue");
        assertRenders("{{ 2 ** 64 + 1 }} {{ 9223372036854775807 + 1 }} {{ -2 ** 2 }} {{ 1 + 2 * 3 ** 2 }} {{ True + 1 }}",
                "18446744073709551617 9223372036854775808 4 19 2");
        assertRenders("{{ 0 or 'd' }} {{ 1 and 'e' }} {{ none or [] }} {{ not [] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }} {{ 1 == 1.0 }} {{ (1, 2) == [1, 2] }}",
                "d e [] True True False True False");
        assertRenders("{{ 'a' in 'abc' }} {{ 'x' not in 'abc' }} {{ 1 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ {1: 'a', true: 'b', 1.0: 'c'} }}",
                "True True True True {1: 'c'}");
        assertRenders("{{ '%s-%d-%05.2f-%r' % ('a', 3, 3.14159, 'q') }} {{ '%(a)s' % {'a': 1} }} {{ '%x %o %e %g' % (255, 8, 12345.678, 0.0001) }}",
                "a-3-03.14-'q' 1 ff 10 1.234568e+04 0.0001");
        assertRenders("{{ '{} {}'.format(1, 'b') }} {{ '{0:>5}|{1:<4}|{2:^7}'.format('a', 'b', 'c') }} {{ '{:.2f} {:,} {:08.3f} {:+d} {:x}'.format(3.14159, 1234567, -3.5, 5, 255) }}",
                "1 b     a|b   |   c    3.14 1,234,567 -003.500 +5 ff");
    }

    @Test
    void slicingAndIndexing() {
        assertRenders("{{ 'abc'[1] }} {{ 'abc'[-1] }} {{ 'abcdef'[1:4] }} {{ 'abcdef'[::-1] }} {{ 'abcdef'[::2] }} {{ [1,2,3,4,5][-2:] }} {{ [1,2,3,4,5][5:1:-2] }}",
                "b c bcd fedcba ace [4, 5] [5, 3]");
        assertRenders("{{ [1,2,3][10] }}|{{ 'abc'[5:] }}|{{ [1,2,3][-10:] }}|{{ (1,2,3)[1:] }}|{{ [1, 2].0 }}",
                "||[1, 2, 3]|(2, 3)|1");
        assertRenders("{{ s[0] }}{{ s[1:] }}|{{ s|length }}|{{ s[::-1] }}", "{\"s\": \"\ud83d\ude00é\ud835\udc9cx\"}",
                "\ud83d\ude00é\ud835\udc9cx|4|x\ud835\udc9cé\ud83d\ude00");
        assertRenders("{{ messages[0].role }}|{{ messages[-1]['content'] }}|{{ messages[5] is defined }}", "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"assistant\", \"content\": \"b\"}]}",
                "user|b|False");
    }

    @Test
    void attributeAndItemLookup() {
        assertRenders("{{ {'items': 5}['items'] }} {{ {'keys': 1}.keys()|list }} {{ d.content is defined }} {{ d.get('role') }} {{ d.get('x', 'dflt') }}", "{\"d\": {\"role\": \"user\"}}",
                "5 ['keys'] False user dflt");
        assertRenders("{{ d.a.b[1].c }} {{ d['a']['b'][0] }} {{ none.attr is defined }}", "{\"d\": {\"a\": {\"b\": [1, {\"c\": \"deep\"}]}}}",
                "deep 1 False");
    }

    @Test
    void scoping() {
        assertRenders("{% set x = 0 %}{% for i in range(3) %}{{ x }}{% set x = i %}{% endfor %}{{ x }}",
                "0000");
        assertRenders("{% set x = 0 %}{% for i in range(3) %}{% if i == 1 %}{% set x = 5 %}{% endif %}{{ x }}{% endfor %}{{ x }}",
                "0500");
        assertRenders("{% set x = 1 %}{% if true %}{% set x = 2 %}{% endif %}{{ x }}",
                "2");
        assertRenders("{% for i in range(2) %}{% for j in range(2) %}{% set y = j %}{% endfor %}{{ y }}{% endfor %}",
                "");
        assertRenders("{% set ns = namespace(a=1, b=\"x\") %}{% for i in range(3) %}{% set ns.a = ns.a + i %}{% endfor %}{{ ns.a }}{{ ns.b }}{{ ns.c }}",
                "4x");
        assertRenders("{% set x = 'outer' %}{% macro show() %}{{ x }}{% endmacro %}{% for x in ['loop'] %}{{ show() }}{% endfor %}{% set x = 'changed' %}{{ show() }}",
                "outerchanged");
        assertRenders("{% set x = 0 %}{% macro m() %}{{ x }}{% set x = 2 %}{{ x }}{% endmacro %}{{ m() }}{{ x }}",
                "020");
        assertRenders("{% set s %}block {{ 1 + 1 }}{% endset %}{{ s }}|{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set t = 1, 2 %}{{ t }}",
                "block 2|12|(1, 2)");
    }

    @Test
    void loops() {
        assertRenders("{% for i in range(5) if i is odd %}{{ loop.index }}/{{ loop.length }}:{{ i }}{% if not loop.last %},{% endif %}{% endfor %}",
                "1/2:1,2/2:3");
        assertRenders("{% for i in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }}-{{ loop.revindex }}-{{ loop.first }}|{% endfor %}",
                "-2-3-True|1-3-2-False|2--1-False|");
        assertRenders("{% for i in [] %}x{% else %}empty{% endfor %} {% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}",
                "empty 02");
        assertRenders("{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %} {% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %} {% for c in 'ab' %}{{ c }}{% endfor %}",
                "1234 x=1;y=2; ab");
        assertRenders("{% for i in range(3) %}{% set outer = loop %}{% for j in range(2) %}{{ outer.index }}{{ loop.index }} {% endfor %}{% endfor %}",
                "11 12 21 22 31 32 ");
    }

    @Test
    void macros() {
        assertRenders("{% macro m(a, b=2, c='z') %}[{{ a }}{{ b }}{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 3) }}{{ m(1, c='q') }}{{ m() }}",
                "[12z][13z][12q][2z]");
        assertRenders("{% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, x=3) }}",
                "(1, 2){'x': 3}");
        assertRenders("{% macro outer() %}<{{ caller() }}>{% endmacro %}{% call outer() %}inner{% endcall %}",
                "<inner>");
        assertRenders("{% macro f(n) %}{% if n > 0 %}{{ n }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(5) }}",
                "54321");
    }

    @Test
    void markupFromSafe() {
        assertRenders("{{ \"a\" + \"b\"|safe }} {{ (\"<a>\"|safe) + \"<b>\" }} {{ \"<b>\" + (\"<a>\"|safe) }} {{ (\"x\"|safe) ~ \"<y>\" }} {{ \"<x>\"|e }}",
                "ab <a>&lt;b&gt; &lt;b&gt;<a> x<y> &lt;x&gt;");
        assertRenders("{{ \"Use the function '\"|safe + name + \"' to: \" + tool|tojson }}", "{\"name\": \"get_weather\", \"tool\": {\"q\": \"a \\\"b\\\" & <c>\"}}",
                "Use the function 'get_weather&#39; to: {&#34;q&#34;: &#34;a \\&#34;b\\&#34; &amp; &lt;c&gt;&#34;}");
    }

    @Test
    void tojsonLikeTransformers() {
        assertRenders("{{ {'a': 1, 'b': [1, 2]}|tojson }} {{ {'a': 1, 'b': [1, 2]}|tojson(indent=2) }} {{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}",
                "{\"a\": 1, \"b\": [1, 2]} {\n  \"a\": 1,\n  \"b\": [\n    1,\n    2\n  ]\n} {\"a\": 2, \"b\": 1}");
        assertRenders("{{ 'é<&>\\''|tojson }} {{ 'é\ud83d\ude00'|tojson(ensure_ascii=true) }} {{ [1.0, 1e-7, none, true]|tojson }} {{ {'a': 1}|tojson(separators=(',', ':')) }}",
                "\"é<&>'\" \"\\u00e9\\ud83d\\ude00\" [1.0, 1e-07, null, true] {\"a\":1}");
        assertRenders("{{ {1: 2, none: 3, 1.5: 5}|tojson }} {{ [[], {}]|tojson(indent=2) }} {{ \"\\u0001\\u001f\\t\\n\"|tojson }} {{ (1, 2)|tojson }} {{ {'a': []}|tojson(indent='\\t') }}",
                "{\"1\": 2, \"null\": 3, \"1.5\": 5} [\n  [],\n  {}\n] \"\\u0001\\u001f\\t\\n\" [1, 2] {\n\t\"a\": []\n}");
        assertRenders("{{ x|tojson }}", "{\"x\": {\"f\": 0.0, \"i\": 1, \"n\": null, \"s\": \"line\\nbreak \u2028 \\\"q\\\"\"}}",
                "{\"f\": 0.0, \"i\": 1, \"n\": null, \"s\": \"line\\nbreak \u2028 \\\"q\\\"\"}");
    }

    @Test
    void lazyFilters() {
        assertRenders("{{ [1,2,3]|map('string')|join('-') }} {{ [{'a': 1}, {'b': 2}]|map(attribute='a', default='z')|list }} {{ [1,2,3,4]|select('odd')|list }} {{ [1,2,3,4]|reject('even')|list }}",
                "1-2-3 [1, 'z'] [1, 3] [1, 3]");
        assertRenders("{{ [{'a': 1}, {'a': 0}]|selectattr('a')|list }} {{ [{'a': 1}, {'a': 0}]|rejectattr('a')|list }} {{ tools|selectattr('type', 'equalto', 'x')|list|length }}", "{\"tools\": [{\"type\": \"x\"}, {\"type\": \"y\"}]}",
                "[{'a': 1}] [{'a': 0}] 1");
        assertRenders("{% set g = [1, 2]|map(\"string\") %}{{ g|list }}{{ g|list }}",
                "['1', '2'][]");
        assertRenders("{{ none|selectattr('a')|list }} {{ []|map('upper')|list }}",
                "[] []");
    }

    @Test
    void otherFilters() {
        assertRenders("{{ [3,1,2]|sort }} {{ [3,1,2]|sort(reverse=true) }} {{ ['b','A','c']|sort }} {{ [{'n': 2}, {'n': 1}]|sort(attribute='n') }}",
                "[1, 2, 3] [3, 2, 1] ['A', 'b', 'c'] [{'n': 1}, {'n': 2}]");
        assertRenders("{{ {'b': 1, 'a': 2}|dictsort }} {{ {'b': 1, 'a': 2}|items|list }} {{ [1,2,2,3,1]|unique|list }} {{ [3,1,2]|min }} {{ [3,1,2]|max }}",
                "[('a', 2), ('b', 1)] [('b', 1), ('a', 2)] [1, 2, 3] 1 3");
        assertRenders("{{ [1,2,3]|sum }} {{ [1,2,3]|first }} {{ [1,2,3]|last }} {{ -3|abs }} {{ 2.5|round }} {{ 3.14159|round(2) }} {{ '42'|int }} {{ '3.7'|int }} {{ 'x'|int(5) }} {{ '3.5'|float }}",
                "6 1 3 3 2.0 3.14 42 3 5 3.5");
        assertRenders("{{ 'abc'|length }} {{ 'hello'|upper }} {{ 'HeLLo'|lower }} {{ 'hello world'|capitalize }} {{ 'a-b c'|title }} {{ '  x '|trim }} {{ 'xxhixx'|trim('x') }} {{ 'Hello'|replace('l', 'L') }}",
                "3 HELLO hello Hello world A-B C x hi HeLLo");
        assertRenders("{{ \"line1\\nline2\\n\\nline3\"|indent(2) }}|{{ \"line1\\nline2\\n\\nline3\"|indent(2, true, true) }}",
                "line1\n  line2\n\n  line3|  line1\n  line2\n  \n  line3");
        assertRenders("{{ undefined_var|default('d') }} {{ none|default('d') }} {{ none|default('d', true) }} {{ ''|d('e', true) }} {{ [1, 2]|string }} {{ none|string }}",
                "d None d e [1, 2] None");
    }

    @Test
    void tests() {
        assertRenders("{{ x is defined }} {{ x is none }} {{ y is defined }} {{ 1 is number }} {{ true is number }} {{ 1 is integer }} {{ 1.0 is float }} {{ true is boolean }} {{ 1 is boolean }}", "{\"x\": null}",
                "True True False True True True True True False");
        assertRenders("{{ 'a' is string }} {{ {} is mapping }} {{ [] is iterable }} {{ 'a' is iterable }} {{ 1 is iterable }} {{ {} is sequence }} {{ y is iterable }} {{ 3 is odd }} {{ 9 is divisibleby 3 }}",
                "True True True True False True True True True");
        assertRenders("{{ true is true }} {{ 1 is true }} {{ false is false }} {{ 1 is eq 1 }} {{ 2 is gt 1 }} {{ 2 is in [1, 2] }} {{ 'upper' is filter }} {{ 'odd' is test }} {{ 'abc' is lower }}",
                "True False True True True True True True True");
    }

    @Test
    void stringMethods() {
        assertRenders("{{ ' a b  c '.split() }} {{ 'a,b,,c'.split(',') }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '  x  '.strip() }} {{ 'xxaxx'.strip('x') }} {{ 'abc'.startswith(('x', 'a')) }}",
                "['a', 'b', 'c'] ['a', 'b', '', 'c'] ['a', 'b,c'] ['a,b', 'c'] x a True");
        assertRenders("{{ 'Hello World'.title() }} {{ 'hello'.capitalize() }} {{ 'ab'.center(6, '*') }} {{ '5'.zfill(3) }} {{ 'abcabc'.find('c') }} {{ 'abcabc'.rfind('c') }} {{ 'a\\nb\\r\\nc'.splitlines() }} {{ 'aaa'.replace('a', 'b', 2) }}",
                "Hello World Hello **ab** 005 2 5 ['a', 'b', 'c'] bba");
        assertRenders("{{ content.split('</think>')[-1].lstrip('\\n') }}|{{ content.endswith('done') }}", "{\"content\": \"<think>\\nhmm\\n</think>\\n\\nAnswer done\"}",
                "Answer done|True");
        assertRenders("{{ '<｜hy_eos{}｜>'.format(tk) }}", "{\"tk\": \"\"}",
                "<｜hy_eos｜>");
    }

    @Test
    void unknownFilterDeferredInsideIf() {
        assertRenders("{% if false %}{{ x|from_json }}{% endif %}ok {{ 'a' if true else x|from_json }} {{ (y is nosuchtest) if false }}",
                "ok a ");
        assertRenders("{% for m in [] %}{% if m %}{{ m|from_json }}{% endif %}{% endfor %}fine",
                "fine");
    }

    @Test
    void globals() {
        assertRenders("{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %j %p %I %y %-d') }} {{ strftime_now('%d %b %Y') }}",
                "2025-03-07 09:05:02 Fri Friday Mar March 066 AM 09 25 7 07 Mar 2025");
        assertRenders("{{ dict(a=1, b=2) }} {{ range(3)|list }} {{ range(1, 10, 3)|list }} {{ range(5, 0, -2)|list }} {{ namespace(x=1).x }}",
                "{'a': 1, 'b': 2} [0, 1, 2] [1, 4, 7] [5, 3, 1] 1");
    }

    @Test
    void pythonErrorsRaise() {
        assertRaises("{{ 'a' + 1 }}");
        assertRaises("{{ 'a' + [1] }}");
        assertRaises("{{ 1 + 'a' }}");
        assertRaises("{{ undefined_var + 1 }}");
        assertRaises("{{ undefined_var.x }}");
        assertRaises("{{ undefined_var[0] }}");
        assertRaises("{{ undefined_var() }}");
        assertRaises("{% for x in none %}{% endfor %}");
        assertRaises("{{ 1 / 0 }}");
        assertRaises("{{ 1 // 0 }}");
        assertRaises("{{ 1 % 0 }}");
        assertRaises("{{ x|nosuchfilter }}");
        assertRaises("{{ x is nosuchtest }}");
        assertRaises("{{ 5() }}");
        assertRaises("{{ none|length }}");
        assertRaises("{{ [1]|map(attribute='a')|tojson }}");
        assertRaises("{{ undefined_var|tojson }}");
        assertRaises("{{ namespace()|tojson }}");
        assertRaises("{{ 1 < 'a' }}");
        assertRaises("{{ undefined_var < 1 }}");
        assertRaises("{{ 'abc'.index('z') }}");
        assertRaises("{% set x = 1 %}{% set x.y = 2 %}");
        assertRaises("{% for a, b in [1, 2] %}{% endfor %}");
        assertRaises("{{ 'a' * 'b' }}");
        assertRaises("{{ -'a' }}");
        assertRaises("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}");
        assertRaises("{{ [3, 'a']|sort }}");
        assertRaises("{{ 1 in 5 }}");
        assertRaises("{{ 1 in 'abc' }}");
        assertRaises("{{ '{}{}'.format(1) }}");
        assertRaises("{{ '%d' % 'x' }}");
        assertRaises("{{ messages[0].role }}");
    }

    @Test
    void unknownFiltersAndTests() {
        assertRaises("{{ x|nosuchfilter }}");
        assertRaises("{{ x is nosuchtest }}");
        assertRaises("{% for m in [1] %}{% if m %}{{ m|from_json }}{% endif %}{% endfor %}");
        assertRaises("{% if true %}{% for m in [1] %}{{ m|from_json }}{% endfor %}{% endif %}");
        assertRaises("{% macro f() %}{{ 1|nope }}{% endmacro %}");
        assertRaises("{{ 'a' if x|from_json else 'b' }}");
        assertRaises("{{ x|from_json if true }}");
    }

    @Test
    void sandboxRefusesMutation() {
        assertRaises("{{ [1].append(2) }}");
        assertRaises("{{ {}.update({}) }}");
        assertRaises("{{ {'a': 1}.pop('a') }}");
        assertRaises("{% set l = [] %}{% do l.append(1) %}");
        assertRaises("{{ ''.__class__.__mro__ }}");
        assertRaises("{{ [1, 2].sort() }}");
        assertRaises("{{ {'a': 1}.setdefault('b', 2) }}");
        assertRaises("{{ [1].extend([2]) }}");
    }
    @Test
    void unknownFilterIsACompileErrorOutsideIf() {
        assertThatThrownBy(() -> ChatTemplate.compile("{{ x|nosuchfilter }}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> ChatTemplate.compile("{{ x is nosuchtest }}")).isInstanceOf(TemplateSyntaxException.class);
        assertThatThrownBy(() -> ChatTemplate.compile("{% if true %}{% for m in [1] %}{{ m|from_json }}{% endfor %}{% endif %}"))
                .isInstanceOf(TemplateSyntaxException.class);
        // inside an if of the same frame it compiles and fails only when evaluated
        ChatTemplate t = ChatTemplate.compile("{% for m in ms %}{% if m %}{{ m|from_json }}{% endif %}{% endfor %}");
        assertThat(t.render(Map.of("ms", java.util.List.of("")), NOW)).isEmpty();
        assertThatThrownBy(() -> t.render(Map.of("ms", java.util.List.of("{}")), NOW))
                .isInstanceOf(TemplateException.class).hasMessageContaining("from_json");
    }

    @Test
    void slicingIsAPlainPythonSubscript() {
        // x[a:b] bypasses Jinja2's undefined fallback: slicing None or a dict raises, indexing does not.
        assertThatThrownBy(() -> render("{{ c[1:] }}", "{\"c\": null}")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ c[1:] }}", "{\"c\": {}}")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> render("{{ missing[1:] }}", "{}")).isInstanceOf(TemplateException.class);
        assertRenders("{{ c[1] }}|{{ c['k'] }}", "{\"c\": null}", "|");
    }

    @Test
    void raiseExceptionCarriesTheTemplateMessageVerbatim() {
        assertThatThrownBy(() -> render("{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}", "{}"))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("Conversation roles must alternate user/assistant/user/assistant/...");
        assertThatThrownBy(() -> render("{% if x %}{{ raise_exception('Bad: ' ~ x ~ ' \"q\"') }}{% endif %}", "{\"x\": 1.0}"))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("Bad: 1.0 \"q\"");
    }

    @Test
    void unboundedMacroRecursionFailsCleanly() {
        // NousResearch Hermes tool_use recurses into strings ("strings are iterable") until Python gives up.
        assertThatThrownBy(() -> render("{% macro f(x) %}{% for c in x %}{{ f(c) }}{% endfor %}{% endmacro %}{{ f('a') }}", "{}"))
                .isInstanceOf(TemplateException.class)
                .hasMessageContaining("recursion");
        // legitimate depth still works
        assertRenders("{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{% else %}done{% endif %}{% endmacro %}{{ f(100) }}", "done");
    }

    @Test
    void macroRecursionLimitHoldsOnASmallThreadStack() throws Exception {
        Throwable[] result = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                render("{% macro f(x) %}{{ f(x) }}{% endmacro %}{{ f(1) }}", "{}");
            } catch (Throwable e) {
                result[0] = e;
            }
        }, "small-stack", 128 * 1024);
        t.start();
        t.join();
        assertThat(result[0]).isInstanceOf(TemplateException.class);
    }

    @Test
    void jsonValuesKeepPythonSemantics() {
        Object v = JsonValues.parse("{\"b\": 1, \"a\": 0.0, \"n\": null, \"big\": 123456789012345678901234567890, \"e\": 1e-7}");
        assertThat(v).isInstanceOf(Map.class);
        assertThat(new java.util.ArrayList<Object>(((Map<?, ?>) v).keySet())).containsExactly("b", "a", "n", "big", "e");
        assertThat(((Map<?, ?>) v).get("b")).isEqualTo(1L);
        assertThat(((Map<?, ?>) v).get("a")).isEqualTo(0.0);
        assertRenders("{{ b }} {{ a }} {{ n is defined }} {{ n is none }} {{ big + 1 }} {{ e }} {{ missing is defined }}",
                "{\"b\": 1, \"a\": 0.0, \"n\": null, \"big\": 123456789012345678901234567890, \"e\": 1e-7}",
                "1 0.0 True True 123456789012345678901234567891 1e-07 False");
        assertThatThrownBy(() -> JsonValues.parse("{\"a\": }")).isInstanceOf(TemplateException.class);
        assertThatThrownBy(() -> JsonValues.parse("[1, 2] x")).isInstanceOf(TemplateException.class);
    }

    @Test
    void plainJavaValuesAreConverted() {
        java.util.Map<String, Object> message = new java.util.LinkedHashMap<>();
        message.put("role", "user");
        message.put("count", 3);
        message.put("ratio", 0.5f);
        message.put("tags", new String[] {"x", "y"});
        Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("messages", java.util.List.of(message));
        vars.put("tools", null);
        String out = ChatTemplate.compile("{{ messages[0] }}|{{ messages[0].count + 1 }}|{{ tools is none }}|{{ messages|tojson }}")
                .render(vars, NOW);
        assertThat(out).isEqualTo("{'role': 'user', 'count': 3, 'ratio': 0.5, 'tags': ['x', 'y']}|4|True|"
                + "[{\"role\": \"user\", \"count\": 3, \"ratio\": 0.5, \"tags\": [\"x\", \"y\"]}]");
    }

    @Test
    void renderingIsThreadSafe() throws Exception {
        ChatTemplate t = ChatTemplate.compile(
                "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + m|length %}{{ m }}{% endfor %}={{ ns.n }}");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            java.util.List<java.util.concurrent.Future<String>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int k = i;
                futures.add(pool.submit(() -> t.render(Map.of("messages", java.util.List.of("a".repeat(k % 7), "bb")), NOW)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).isEqualTo("a".repeat(i % 7) + "bb=" + (i % 7 + 2));
            }
        } finally {
            pool.shutdownNow();
        }
    }
}

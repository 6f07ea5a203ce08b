package io.qwen4j.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every (template, scenario) pair of testdata/templates: the rendering must equal Python Jinja2's
 * byte-for-byte, or raise where Jinja2 raised (with the same message for raise_exception).
 */
class ChatTemplateFixturesTest {
    static final LocalDateTime FROZEN_NOW = LocalDateTime.of(2025, 3, 7, 9, 5, 2);
    private static final Map<String, ChatTemplate> COMPILED = new ConcurrentHashMap<>();

    static Path fixtures() {
        String dir = System.getProperty("qwen4j.testdata");
        Path base = dir != null ? Path.of(dir) : Path.of("../testdata");
        return base.resolve("templates");
    }

    static String read(Path p) {
        try {
            return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static Stream<String> cases() throws IOException {
        try (Stream<Path> files = Files.list(fixtures().resolve("expected"))) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(names).hasSize(1071);
            return names.stream();
        }
    }

    static ChatTemplate template(String name) {
        return COMPILED.computeIfAbsent(name, n -> ChatTemplate.compile(read(fixtures().resolve("templates/" + n + ".jinja"))));
    }

    static String render(String template, String scenario) {
        Map<String, Object> vars = JsonValues.parseObject(read(fixtures().resolve("scenarios/" + scenario + ".json")));
        return template(template).render(vars, FROZEN_NOW);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rendersLikeJinja2(String file) {
        boolean error = file.endsWith(".error");
        String stem = file.substring(0, file.lastIndexOf('.'));
        int sep = stem.indexOf("__");
        String template = stem.substring(0, sep);
        String scenario = stem.substring(sep + 2);
        String expected = read(fixtures().resolve("expected/" + file));
        if (!error) {
            assertThat(render(template, scenario)).isEqualTo(expected);
            return;
        }
        Throwable thrown = catchThrowable(() -> render(template, scenario));
        assertThat(thrown).as("expected an error: %s", expected).isInstanceOf(TemplateException.class);
        if (expected.contains("raised_by: raise_exception")) {
            String message = expected.substring(expected.indexOf("message: ") + "message: ".length());
            if (message.endsWith("\n")) message = message.substring(0, message.length() - 1);
            assertThat(thrown).isInstanceOf(TemplateRaisedException.class).hasMessage(message);
        } else {
            assertThat(thrown).isNotInstanceOf(TemplateRaisedException.class);
        }
    }

    @org.junit.jupiter.api.Test
    void qwen3VlTemplateFailsOnNullAssistantContentLikeJinja2() {
        assertThatThrownBy(() -> render("Qwen-Qwen3-VL-Instruct", "assistant_content_null"))
                .isInstanceOf(TemplateException.class);
    }
}

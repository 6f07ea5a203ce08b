package io.qwen4j.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class CommandsTest {

    private record Run(int exitCode, byte[] stdout, String stderr) {
    }

    private static Path testdata(String relative) {
        return Path.of(System.getProperty("qwen4j.testdata", "../testdata")).resolve(relative);
    }

    private static synchronized Run run(String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = new CommandLine(new Qwen4jCommand()).execute(args);
            return new Run(code, o.toByteArray(), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Tag("slow")
    @Test
    void benchWithConcurrencyRunsTheServingLoadTest() throws Exception {
        Run r = run("bench", "--model", testdata("models/qwen3vl-tiny-Q8_0.gguf").toString(), "--concurrency", "1,4",
                "--prompt", "16", "--gen", "6", "--threads", "2", "--json");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
        assertThat(j.get("prompt_tokens").asInt()).isEqualTo(16);
        assertThat(j.get("levels")).hasSize(2);
        com.fasterxml.jackson.databind.JsonNode one = j.get("levels").get(0), four = j.get("levels").get(1);
        assertThat(one.get("concurrency").asInt()).isEqualTo(1);
        assertThat(one.get("decode_vs_one_stream").asDouble()).isEqualTo(1.0);
        assertThat(four.get("output_tokens").asInt()).isEqualTo(24);
        // Four streams of 6 tokens in far fewer than 24 steps: they were batched.
        assertThat(four.get("steps").asInt()).isLessThan(12);
        for (String field : new String[] {"decode_tokens_per_s", "ttft_p50_ms", "ttft_p99_ms", "tpot_p50_ms", "tpot_p99_ms"}) {
            assertThat(four.get(field).asDouble()).as(field).isPositive();
        }
        assertThat(four.get("ttft_p99_ms").asDouble()).isGreaterThanOrEqualTo(four.get("ttft_p50_ms").asDouble());
    }

    @Tag("slow")
    @Test
    void benchWithUrlLoadTestsARunningServerOverHttp() throws Exception {
        io.qwen4j.local.LocalModel model = io.qwen4j.local.LocalModel.load(testdata("models/qwen3vl-tiny-Q8_0.gguf"), null, java.util.List.of("tiny"));
        io.qwen4j.local.LocalBackend backend = io.qwen4j.local.LocalBackend.start(model, null,
                io.qwen4j.engine.EngineConfig.builder(256).parallel(4).maxQueued(8).stepTokenBudget(512).kvStorage(io.qwen4j.kv.PagedKvCache.Storage.F16).build(), 2);
        io.qwen4j.web.ApiServer server = new io.qwen4j.web.ApiServer(backend, io.qwen4j.web.ApiServer.Options.defaults()).start("127.0.0.1", 0);
        try {
            Run r = run("bench", "--url", "http://127.0.0.1:" + server.port(), "--concurrency", "1,4", "--prompt", "16", "--gen", "6", "--json");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
            assertThat(j.get("model").asText()).isEqualTo("tiny");
            assertThat(j.get("levels")).hasSize(2);
            com.fasterxml.jackson.databind.JsonNode four = j.get("levels").get(1);
            // Every stream generated exactly --gen tokens (ignore_eos), as the server billed them.
            assertThat(four.get("output_tokens").asInt()).isEqualTo(24);
            assertThat(four.get("ttft_p50_ms").asDouble()).isPositive();
            assertThat(four.get("tpot_p50_ms").asDouble()).isPositive();
        } finally {
            server.close();
            backend.close();
            model.close();
        }
        Run noConcurrency = run("bench", "--url", "http://127.0.0.1:1");
        assertThat(noConcurrency.exitCode()).isEqualTo(2);
        assertThat(noConcurrency.stderr()).contains("--url needs --concurrency");
    }

    @Tag("slow")
    @Test
    void benchWithPrefixCacheTimesAFollowUpTurnCachedAndComputed() throws Exception {
        Run r = run("bench", "--model", testdata("models/qwen3vl-tiny-Q8_0.gguf").toString(), "--prefix-cache",
                "--prompt", "200", "--gen", "8", "--threads", "2", "--json");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stdout());
        // 200 + 16 + 8 reply + 16: turn one's KV holds 200 + 16 + 7 tokens, 13 full blocks of 16.
        assertThat(j.get("follow_up_tokens").asInt()).isEqualTo(240);
        assertThat(j.get("cached_tokens").asInt()).isEqualTo(208);
        for (String field : new String[] {"first_turn_ttft_ms", "uncached_ttft_ms", "cached_ttft_ms", "speedup"}) {
            assertThat(j.get(field).asDouble()).as(field).isPositive();
        }
        assertThat(run("bench", "--model", "x.gguf", "--prefix-cache", "--concurrency", "1").exitCode()).isNotZero();
    }

    @Test
    void tokenizePrintsOneJsonArray() {
        String vocab = testdata("tokenizer/qwen3-vocab.gguf").toString();
        String chat = "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"; // corpus entry, ids from llama.cpp and HF
        Run plain = run("tokenize", "--model", vocab, chat);
        assertThat(plain.exitCode()).isZero();
        assertThat(new String(plain.stdout(), StandardCharsets.UTF_8))
                .isEqualTo("[27,91,318,4906,91,29,872,198,13048,27,91,318,6213,91,397,27,91,318,4906,91,29,77091,198]\n");
        Run special = run("tokenize", "--model", vocab, "--special", chat);
        assertThat(new String(special.stdout(), StandardCharsets.UTF_8)).isEqualTo("[151644,872,198,13048,151645,198,151644,77091,198]\n");
    }

    @Test
    void templateWritesExactlyTheRenderedBytes() throws Exception {
        Run r = run("template", "--template", testdata("templates/templates/Qwen-Qwen3-VL-Instruct.jinja").toString(),
                "--context", testdata("templates/scenarios/unicode.json").toString());
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo(Files.readAllBytes(testdata("templates/expected/Qwen-Qwen3-VL-Instruct__unicode.txt")));
    }

    @Test
    void templateErrorsExitOneWithTheMessageOnStderr() throws Exception {
        Run r = run("template", "--template", testdata("templates/templates/Qwen-Qwen3-VL-Instruct.jinja").toString(),
                "--context", testdata("templates/scenarios/assistant_content_null.json").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).isNotBlank();

        Run raised = run("template", "--template", testdata("templates/templates/Apertus-8B-Instruct.jinja").toString(),
                "--context", testdata("templates/scenarios/parts_text_image.json").toString());
        assertThat(raised.exitCode()).isEqualTo(1);
        String expected = Files.readString(testdata("templates/expected/Apertus-8B-Instruct__parts_text_image.error"));
        assertThat(expected).contains("raised_by: raise_exception");
        String message = expected.substring(expected.indexOf("message: ") + 9).stripTrailing();
        assertThat(raised.stderr()).contains(message);
    }

    @Test
    void serveRefusesAContextItCannotHold() {
        String model = testdata("models/qwen3vl-tiny-F32.gguf").toString();
        Run tooLong = run("serve", "--model", model, "--ctx-size", "100000", "--port", "0");
        assertThat(tooLong.exitCode()).isEqualTo(1);
        assertThat(tooLong.stderr()).contains("--ctx-size 100000 exceeds the model's context length 4096");
        Run noSlot = run("serve", "--model", model, "--parallel", "0", "--port", "0");
        assertThat(noSlot.exitCode()).isEqualTo(1);
        assertThat(noSlot.stderr()).contains("--parallel must be >= 1: 0");
        Run badType = run("serve", "--model", model, "--kv-cache-type", "q4", "--port", "0");
        assertThat(badType.exitCode()).isEqualTo(2);
        assertThat(badType.stderr()).contains("--kv-cache-type must be f16, bf16 or f32");
    }

    @Test
    void serveRefusesAnMmprojThatIsNotTheModelsVisionTower() {
        String model = testdata("models/qwen3vl-tiny-F32.gguf").toString();
        Run notMmproj = run("serve", "--model", model, "--mmproj", model, "--port", "0");
        assertThat(notMmproj.exitCode()).isEqualTo(1);
        assertThat(notMmproj.stderr()).contains("--mmproj").contains("not a vision projector (mmproj) file: general.architecture is 'qwen3vl', expected 'clip'");
        Run missing = run("serve", "--model", model, "--mmproj", "no-such-mmproj.gguf", "--port", "0");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("--mmproj no-such-mmproj.gguf");
    }

    @Test
    void serveNamesTheEnginesSettingsByTheirFlags() {
        assertThat(ServeCommand.inFlagNames("lower contextSize (at most 12 fits at this parallel), parallel, or use kvStorage f16/bf16"))
                .isEqualTo("lower --ctx-size (at most 12 fits at this --parallel), --parallel, or use --kv-cache-type f16/bf16");
        assertThat(ServeCommand.inFlagNames("maxQueued must be >= 0: -1; stepTokenBudget must be >= 1"))
                .isEqualTo("--max-queue must be >= 0: -1; --batch-tokens must be >= 1");
    }

    @Test
    void versionNamesTheBuild() {
        Run v = run("--version");
        assertThat(v.exitCode()).isZero();
        assertThat(new String(v.stdout(), StandardCharsets.UTF_8)).startsWith("qwen4j " + io.qwen4j.engine.BuildInfo.current().version() + " (commit ");
    }
}

package io.qwen4j;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.qwen4j.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * The package rules inside the engine module (Maven keeps the engine from seeing the server or the app):
 * dependencies point down the stack — kernels and GGUF at the bottom, the model above them, the scheduler on
 * top — and the engine speaks no JSON requests and no HTTP. Derived from the code's imports; each rule is one
 * test so that a failure names the rule and ArchUnit lists the offending classes.
 */
class EngineArchitectureTest {
    static JavaClasses engine;

    @BeforeAll
    static void importMainClasses() throws Exception {
        // This module's main classes only (not the tests, which may use anything).
        engine = new ClassFileImporter().importPath(Path.of(GgufFile.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }

    /** Classes in {@code io.qwen4j.<pkg>} use no qwen4j package other than their own and {@code allowed}. */
    static ArchRule mayOnlyUse(String pkg, String... allowed) {
        String[] own = Stream.concat(Stream.of(pkg), Arrays.stream(allowed)).map(p -> "io.qwen4j." + p + "..").toArray(String[]::new);
        return noClasses().that().resideInAPackage("io.qwen4j." + pkg + "..")
                .should().dependOnClassesThat(resideInAPackage("io.qwen4j..").and(not(resideInAnyPackage(own))))
                .as("io.qwen4j.%s uses no qwen4j package but %s".formatted(pkg, allowed.length == 0 ? "itself" : String.join(", ", allowed)));
    }

    @Test
    void ggufDependsOnNoOtherPackage() {
        mayOnlyUse("gguf").check(engine);
    }

    @Test
    void tensorKernelsDependOnlyOnGguf() {
        mayOnlyUse("tensor", "gguf").check(engine);
    }

    @Test
    void tokenizerDependsOnlyOnGguf() {
        mayOnlyUse("tokenizer", "gguf").check(engine);
    }

    @Test
    void kvCacheDependsOnlyOnTensor() {
        mayOnlyUse("kv", "tensor").check(engine);
    }

    @Test
    void jinjaTemplateEngineDependsOnNoOtherPackage() {
        mayOnlyUse("template").check(engine);
    }

    @Test
    void imageDecodingDependsOnNoOtherPackage() {
        mayOnlyUse("image").check(engine);
    }

    @Test
    void grammarEngineDependsOnlyOnTokenizer() {
        mayOnlyUse("grammar", "tokenizer").check(engine);
    }

    @Test
    void modelDoesNotDependOnSchedulerSamplingGrammarOrSynth() {
        noClasses().that().resideInAPackage("io.qwen4j.model..")
                .should().dependOnClassesThat().resideInAnyPackage("io.qwen4j.engine..", "io.qwen4j.sampling..", "io.qwen4j.grammar..",
                        "io.qwen4j.synth..")
                .check(engine);
    }

    /** {@code synth} writes synthetic models for tests and benchmarks; nothing that runs a model needs it. */
    @Test
    void runtimePackagesDoNotDependOnSynth() {
        noClasses().that().resideInAPackage("io.qwen4j..").and().resideOutsideOfPackage("io.qwen4j.synth..")
                .should().dependOnClassesThat().resideInAPackage("io.qwen4j.synth..")
                .check(engine);
    }

    @Test
    void engineUsesNoJson() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("com.fasterxml.jackson..")
                .as("no engine class depends on Jackson (the engine knows no JSON requests)")
                .check(engine);
    }

    @Test
    void engineUsesNoHttp() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("java.net.http..", "com.sun.net.httpserver..", "io.javalin..",
                        "org.eclipse.jetty..", "jakarta.servlet..")
                .as("no engine class depends on an HTTP client or server")
                .check(engine);
    }

    @Test
    void enginePackagesAreFreeOfCycles() {
        slices().matching("io.qwen4j.(*)..").should().beFreeOfCycles().check(engine);
    }
}

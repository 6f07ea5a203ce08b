package io.qwen4j;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import io.qwen4j.api.ChatBackend;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The package rules inside the server module: {@code api} (the protocol) and {@code store} (the database) stand
 * alone; {@code gateway} (keys, prices, limits) sits on them; {@code local} runs the engine behind the api's
 * backend interface; {@code web} is the only HTTP layer. Each rule is one test, so a failure names the rule and
 * ArchUnit lists the offending classes and lines.
 */
class ServerArchitectureTest {
    /** The qwen4j packages of the engine module, which the server sees as a library. */
    static final String[] ENGINE = {"io.qwen4j.gguf..", "io.qwen4j.tensor..", "io.qwen4j.tokenizer..", "io.qwen4j.template..",
            "io.qwen4j.image..", "io.qwen4j.model..", "io.qwen4j.kv..", "io.qwen4j.sampling..", "io.qwen4j.grammar..",
            "io.qwen4j.engine..", "io.qwen4j.synth.."};
    /** Serving HTTP. Jetty's client (and the http/util pieces it shares) is an outbound HTTP client, not this. */
    static final String[] HTTP_SERVER = {"io.javalin..", "org.eclipse.jetty.server..", "org.eclipse.jetty.ee10..", "jakarta.servlet.."};

    static JavaClasses server;

    @BeforeAll
    static void importMainClasses() throws Exception {
        // This module's main classes only (not the tests, not the engine's classes).
        server = new ClassFileImporter().importPath(Path.of(ChatBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }

    /** Classes in {@code io.qwen4j.<pkg>} use no qwen4j package but their own. */
    static ArchRule standsAlone(String pkg) {
        return noClasses().that().resideInAPackage("io.qwen4j." + pkg + "..")
                .should().dependOnClassesThat(resideInAPackage("io.qwen4j..").and(not(resideInAPackage("io.qwen4j." + pkg + ".."))))
                .as("io.qwen4j.%s imports no other qwen4j package".formatted(pkg));
    }

    @Test
    void apiImportsNoOtherQwen4jPackage() {
        standsAlone("api").check(server);
    }

    @Test
    void storeImportsNoOtherQwen4jPackage() {
        standsAlone("store").check(server);
    }

    @Test
    void gatewayDoesNotImportLocalOrWeb() {
        noClasses().that().resideInAPackage("io.qwen4j.gateway..")
                .should().dependOnClassesThat().resideInAnyPackage("io.qwen4j.local..", "io.qwen4j.web..")
                .check(server);
    }

    @Test
    void localDoesNotImportWebOrGateway() {
        noClasses().that().resideInAPackage("io.qwen4j.local..")
                .should().dependOnClassesThat().resideInAnyPackage("io.qwen4j.web..", "io.qwen4j.gateway..")
                .check(server);
    }

    /** The HTTP layer reaches a model only through the api's backend interface, never the local engine itself. */
    @Test
    void webReachesBackendsOnlyThroughTheApi() {
        noClasses().that().resideInAPackage("io.qwen4j.web..")
                .should().dependOnClassesThat(resideInAPackage("io.qwen4j.local..").or(resideInAnyPackage(ENGINE)))
                .as("io.qwen4j.web imports neither io.qwen4j.local nor an engine package")
                .check(server);
    }

    /** Serving HTTP only in {@code web}: no other package imports Javalin, Jetty's server or the servlet API. */
    @Test
    void onlyWebServesHttp() {
        noClasses().that().resideInAPackage("io.qwen4j..").and().resideOutsideOfPackage("io.qwen4j.web..")
                .should().dependOnClassesThat().resideInAnyPackage(HTTP_SERVER)
                .as("only io.qwen4j.web imports Javalin, Jetty's server or the servlet API")
                .check(server);
    }

    /** Outbound HTTP (image URLs) is the local backend's: nothing else uses Jetty's client. */
    @Test
    void onlyTheLocalBackendFetchesOverHttp() {
        noClasses().that().resideInAPackage("io.qwen4j..").and().resideOutsideOfPackage("io.qwen4j.local..")
                .should().dependOnClassesThat().resideInAnyPackage("org.eclipse.jetty.client..", "java.net.http..")
                .as("only io.qwen4j.local fetches over HTTP")
                .check(server);
    }

    @Test
    void serverPackagesAreFreeOfCycles() {
        slices().matching("io.qwen4j.(*)..").should().beFreeOfCycles().check(server);
    }
}

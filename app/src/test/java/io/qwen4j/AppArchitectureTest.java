package io.qwen4j;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.qwen4j.hub.ModelCache;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * The package rules inside the app module: {@code cli} wires everything together and may use every package;
 * {@code hub} (the model download cache) stands alone, so that it can serve any command or module.
 */
class AppArchitectureTest {
    static JavaClasses app;

    @BeforeAll
    static void importMainClasses() throws Exception {
        app = new ClassFileImporter().importPath(Path.of(ModelCache.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
    }

    @Test
    void hubImportsNoOtherQwen4jPackage() {
        noClasses().that().resideInAPackage("io.qwen4j.hub..")
                .should().dependOnClassesThat(resideInAPackage("io.qwen4j..").and(not(resideInAPackage("io.qwen4j.hub.."))))
                .as("io.qwen4j.hub imports no other qwen4j package")
                .check(app);
    }

    @Test
    void appPackagesAreFreeOfCycles() {
        slices().matching("io.qwen4j.(*)..").should().beFreeOfCycles().check(app);
    }
}

package dev.consent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ResolvedModule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * consent-core's module descriptor as the compiler and the JVM enforce it: these tests run inside
 * {@code dev.consent.core} on the module path; every package but {@code dev.consent.internal} is exported to
 * everyone; {@code dev.consent.internal} is exported to {@code dev.consent.jdbc} alone, so a consumer module that
 * imports it does not compile while a module named {@code dev.consent.jdbc} does; and signing a receipt without
 * nimbus-jose-jwt fails with the library's message, while nimbus-jose-jwt on the class path or on the module path
 * works.
 */
class ModuleBoundaryTest {
    private static final String CORE = "dev.consent.core";
    private static final String INTERNAL = "dev.consent.internal";
    private static final String NIMBUS = "com.nimbusds.jose.jwt";
    private static final String SEP = File.pathSeparator;

    @Test
    void theTestsRunInsideTheNamedModule() {
        assertThat(ConsentService.class.getModule().isNamed())
                .as("consent-core's tests run on the module path (patched into the module)").isTrue();
        assertThat(ConsentService.class.getModule().getName()).isEqualTo(CORE);
    }

    @Test
    void everyPackageButInternalIsExportedAndInternalOnlyToConsentJdbc() {
        ModuleDescriptor d = mainDescriptor();
        Set<String> everyone = d.exports().stream().filter(e -> !e.isQualified()).map(Exports::source)
                .collect(Collectors.toSet());
        Set<String> api = d.packages().stream().filter(p -> !p.equals(INTERNAL)).collect(Collectors.toSet());
        assertThat(api).contains("dev.consent", "dev.consent.store");
        assertThat(everyone).as("a new package is either API (exported) or internal").isEqualTo(api);
        assertThat(d.exports()).filteredOn(Exports::isQualified).singleElement().satisfies(e -> {
            assertThat(e.source()).isEqualTo(INTERNAL);
            assertThat(e.targets()).containsExactly("dev.consent.jdbc");
        });
        assertThat(d.isOpen()).isFalse();
        assertThat(d.opens()).isEmpty();
    }

    @Test
    void requiresItsRuntimeDependenciesAndNimbusOnlyStatically() {
        Map<String, Set<Requires.Modifier>> requires = mainDescriptor().requires().stream()
                .filter(r -> !r.name().equals("java.base"))
                .collect(Collectors.toMap(Requires::name, Requires::modifiers));
        assertThat(requires).isEqualTo(Map.of(
                "com.fasterxml.jackson.databind", Set.of(),
                "com.fasterxml.jackson.core", Set.of(Requires.Modifier.TRANSITIVE),
                "com.github.benmanes.caffeine", Set.of(),
                "org.slf4j", Set.of(),
                "java.sql", Set.of(),
                NIMBUS, Set.of(Requires.Modifier.STATIC)));
    }

    @Test
    void aConsumerModuleCannotImportInternalButConsentJdbcCan(@TempDir Path dir) throws IOException {
        String api = "import dev.consent.ConsentService; public class Use { ConsentService service; }";
        String internal = "import dev.consent.internal.Checks; "
                + "public class Use { String id = Checks.text(\"id\", \"a\", 10); }";

        assertThat(javac(dir.resolve("api"), "shop.app", api)).as("the control: the API compiles").isEmpty();
        assertThat(javac(dir.resolve("internal"), "shop.app", internal))
                .contains("package " + INTERNAL + " is not visible")
                .contains("does not export it to module shop.app");
        assertThat(javac(dir.resolve("jdbc"), "dev.consent.jdbc", internal)).isEmpty();
    }

    @Test
    void receiptsNeedNimbusOnTheClassPathOrResolvedOnTheModulePath(@TempDir Path dir) throws Exception {
        String main = "import dev.consent.receipt.ReceiptSigner; import java.security.KeyPairGenerator; "
                + "import java.security.spec.ECGenParameterSpec; public class Use { "
                + "public static void main(String[] args) throws Exception { "
                + "KeyPairGenerator g = KeyPairGenerator.getInstance(\"EC\"); "
                + "g.initialize(new ECGenParameterSpec(\"secp256r1\")); "
                + "try { System.out.print(\"signed by \" + ReceiptSigner.es256(\"k1\", g.generateKeyPair()).keyId()); } "
                + "catch (IllegalStateException e) { System.out.print(e.getMessage()); } } }";
        Path out = dir.resolve("app");
        assertThat(javac(out, "shop.app", main)).isEmpty();
        String withoutNimbus = modulePath(false);
        String nimbus = location(NIMBUS).toString();

        String classes = out.resolve("classes").toString();
        String missing = "signing and verifying consent receipts needs com.nimbusds:nimbus-jose-jwt";
        String app = "shop.app/shop.app.Use";

        assertThat(java(out, "--module-path", classes + SEP + withoutNimbus, "-m", app)).startsWith(missing);
        assertThat(java(out, "--module-path", classes + SEP + withoutNimbus, "--class-path", nimbus, "-m", app))
                .isEqualTo("signed by k1");
        assertThat(java(out, "--module-path", classes + SEP + withoutNimbus + SEP + nimbus, "--add-modules", NIMBUS,
                "-m", app)).isEqualTo("signed by k1");
        // everything on the class path, as most applications run
        assertThat(java(out, "--class-path", classes + SEP + withoutNimbus, "shop.app.Use")).startsWith(missing);
        assertThat(java(out, "--class-path", classes + SEP + withoutNimbus + SEP + nimbus, "shop.app.Use"))
                .isEqualTo("signed by k1");
    }

    /** The descriptor of the main classes, as a module-path user's JVM reads it (without the patched-in tests). */
    private static ModuleDescriptor mainDescriptor() {
        return ModuleFinder.of(location(CORE)).find(CORE).orElseThrow().descriptor();
    }

    private static Path location(String module) {
        ResolvedModule m = ModuleLayer.boot().configuration().findModule(module).orElseThrow(
                () -> new AssertionError(module + " is not in the boot layer: the tests do not run on the module path"));
        return Path.of(m.reference().location().orElseThrow());
    }

    /** consent-core and the modules it depends on, as the test JVM resolved them; nimbus-jose-jwt only if asked. */
    private static String modulePath(boolean withNimbus) {
        return ModuleLayer.boot().configuration().modules().stream()
                .filter(m -> m.reference().location().map(u -> u.getScheme().equals("file")).orElse(false))
                .filter(m -> withNimbus || !m.name().equals(NIMBUS))
                .map(m -> Path.of(m.reference().location().orElseThrow()).toString())
                .collect(Collectors.joining(SEP));
    }

    /**
     * Compiles module {@code name} with the one class {@code Use} in package {@code name}; returns javac's errors, or
     * nothing when it compiled.
     */
    private static String javac(Path dir, String name, String use) throws IOException {
        Path src = dir.resolve("src");
        Path pkg = src.resolve(name.replace('.', '/'));
        Files.createDirectories(pkg);
        Files.writeString(src.resolve("module-info.java"), "module " + name + " { requires " + CORE + "; }");
        Files.writeString(pkg.resolve("Use.java"), "package " + name + "; " + use);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = ToolProvider.findFirst("javac").orElseThrow().run(
                new PrintStream(OutputStream.nullOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8),
                "-d", dir.resolve("classes").toString(), "--module-path", modulePath(true),
                src.resolve("module-info.java").toString(), pkg.resolve("Use.java").toString());
        return exit == 0 ? "" : err.toString(StandardCharsets.UTF_8);
    }

    /** Runs a new JVM with these arguments; returns what it printed on its standard output. */
    private static String java(Path dir, String... arguments) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(arguments));
        Path stderr = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("the JVM's exit code; it wrote %s", Files.readString(stderr)).isZero();
        return printed;
    }
}

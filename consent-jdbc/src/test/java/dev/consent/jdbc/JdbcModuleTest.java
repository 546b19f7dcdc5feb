package dev.consent.jdbc;

import dev.consent.store.ConsentStore;
import org.junit.jupiter.api.Test;

import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * consent-jdbc's module as the JVM enforces it: these tests run inside {@code dev.consent.jdbc} on the module path;
 * it exports {@code dev.consent.jdbc} alone and opens nothing; consent-core exports {@code dev.consent.internal} to it
 * and to no other module. (That the schema migrations load from inside the named module, {@link SchemaInitializerTest}
 * shows by running here.)
 */
class JdbcModuleTest {
    private static final String JDBC = "dev.consent.jdbc";

    @Test
    void exportsItsOnePackageAndOpensNothing() {
        Module jdbc = JdbcStore.class.getModule();
        assertThat(jdbc.isNamed()).as("consent-jdbc's tests run on the module path").isTrue();
        assertThat(jdbc.getName()).isEqualTo(JDBC);
        ModuleDescriptor d = mainDescriptor();
        assertThat(d.exports()).extracting(Exports::source).containsExactly(JDBC);
        assertThat(d.exports()).noneMatch(Exports::isQualified);
        assertThat(d.isOpen()).isFalse();
        assertThat(d.opens()).isEmpty();
    }

    @Test
    void readsConsentCoreInternalsWhichNoOtherModuleCan() {
        Module core = ConsentStore.class.getModule();
        assertThat(core.getName()).isEqualTo("dev.consent.core");
        assertThat(core.isExported("dev.consent.internal", JdbcStore.class.getModule())).isTrue();
        assertThat(core.isExported("dev.consent.internal")).isFalse();
        assertThat(core.isExported("dev.consent.internal", Test.class.getModule()))
                .as("not to the class path, where JUnit is").isFalse();
        assertThat(core.isExported("dev.consent.store")).isTrue();
    }

    @Test
    void requiresNoDriverButReadsPgjdbcWhenPresent() {
        Map<String, Set<Requires.Modifier>> requires = mainDescriptor().requires().stream()
                .filter(r -> !r.name().equals("java.base"))
                .collect(Collectors.toMap(Requires::name, Requires::modifiers));
        assertThat(requires).isEqualTo(Map.of(
                "dev.consent.core", Set.of(Requires.Modifier.TRANSITIVE),
                "java.sql", Set.of(Requires.Modifier.TRANSITIVE),
                "com.fasterxml.jackson.databind", Set.of(),
                "org.slf4j", Set.of(),
                "org.postgresql.jdbc", Set.of(Requires.Modifier.STATIC)));
    }

    /** The descriptor of the main classes, as a module-path user's JVM reads it (without the patched-in tests). */
    private static ModuleDescriptor mainDescriptor() {
        Path location = Path.of(ModuleLayer.boot().configuration().findModule(JDBC).orElseThrow().reference()
                .location().orElseThrow());
        return ModuleFinder.of(location).find(JDBC).orElseThrow().descriptor();
    }
}

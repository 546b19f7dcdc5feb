package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.sql.SQLException;
import java.time.Clock;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@link SchemaInitializer#verify}: a complete schema passes, a partial or absent one fails naming what is missing. */
class SchemaVerifyTest {

    @ParameterizedTest
    @EnumSource(Database.class)
    void aCompleteSchemaPasses(Database dialect) {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        try {
            JdbcStore.builder(ds).tablePrefix(prefix).build();
            assertThatCode(() -> SchemaInitializer.verify(ds, prefix)).doesNotThrowAnyException();
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void aSchemaOfAnOlderVersionFailsNamingTheMissingMigrations(Database dialect) throws SQLException {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        try {
            // the schema as an older version of the library left it: up to V10, without receipts and undated items
            new SchemaInitializer(ds, Dialect.of(dialect), prefix, Clock.systemUTC(),
                    SchemaInitializer.MIGRATIONS.subList(0, 6)).migrate();
            assertThatThrownBy(() -> SchemaInitializer.verify(ds, prefix))
                    .isInstanceOfSatisfying(SchemaInitializer.IncompatibleSchemaException.class, e -> {
                        assertThat(e.tablePrefix()).isEqualTo(prefix);
                        assertThat(e.missingMigrations()).startsWith("V11__receipts", "V13__undated_items")
                                .containsExactlyElementsOf(SchemaInitializer.requiredMigrations().subList(6,
                                        SchemaInitializer.MIGRATIONS.size()));
                    })
                    .hasMessageContaining("lacks the migrations V11__receipts, V13__undated_items")
                    .hasMessageContaining("records [V1, V2, V3, V4, V9, V10]")
                    .hasMessageContaining("dev/consent/jdbc/schema/" + Dialect.of(dialect).schemaDirectory() + "/");
        } finally {
            Databases.dropTables(ds, prefix);
        }
    }

    @ParameterizedTest
    @EnumSource(Database.class)
    void noSchemaAtAllFailsSayingSo(Database dialect) {
        DataSource ds = Databases.shared(dialect);
        String prefix = Databases.freshPrefix();
        assertThatThrownBy(() -> SchemaInitializer.verify(ds, prefix))
                .isInstanceOfSatisfying(SchemaInitializer.IncompatibleSchemaException.class, e -> assertThat(
                        e.missingMigrations()).containsExactlyElementsOf(SchemaInitializer.requiredMigrations()))
                .hasMessageContaining("there is no table " + prefix + "schema_version");
    }

    @Test
    void aPrefixThatIsNoIdentifierIsRefusedBeforeAnySql() {
        DataSource ds = Databases.shared(Database.H2);
        assertThatThrownBy(() -> SchemaInitializer.verify(ds, "x; DROP TABLE y"))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("tablePrefix");
        assertThatThrownBy(() -> SchemaInitializer.verify(null, "consent_"))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("dataSource");
    }

    @Test
    void theRequiredMigrationsAreTheInitializersOwnInOrder() {
        assertThat(SchemaInitializer.requiredMigrations()).startsWith("V1__consent", "V2__checkpoints")
                .hasSize(SchemaInitializer.MIGRATIONS.size());
    }
}

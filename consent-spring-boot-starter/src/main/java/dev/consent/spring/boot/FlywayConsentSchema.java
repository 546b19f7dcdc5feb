package dev.consent.spring.boot;

import dev.consent.jdbc.SchemaInitializer;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * Applies consent-jdbc's migrations with a Flyway instance of their own ({@code consent.jdbc.schema=flyway}), on the
 * application's DataSource but apart from the application's Flyway: the library's location
 * ({@code classpath:dev/consent/jdbc/schema/<database>}), its own history table, {@code ${prefix}} as a placeholder.
 * The application's migrations, history and version numbers are never read or touched.
 *
 * <p>A schema that already holds other tables (the application's) but not this history table is baselined at version 0,
 * so every library migration still runs; they are idempotent, so a schema the library's initialiser created before is
 * taken over without harm. Out-of-order application is allowed, so that a migration a later library version inserts
 * below the newest applied one still runs; versions newer than this library knows (a newer node migrated first) are
 * accepted. Only loaded when Flyway is on the class path.
 */
final class FlywayConsentSchema {
    private FlywayConsentSchema() {
    }

    /** Migrates, then records the applied migrations in the library's history; returns them as {@code V<n>__<name>}. */
    static List<String> migrate(DataSource dataSource, String prefix, String historyTable, ClassLoader classLoader) {
        String directory = ConsentSchemaTool.schemaDirectory(dataSource);
        Flyway flyway = Flyway.configure(classLoader).dataSource(dataSource)
                .locations("classpath:dev/consent/jdbc/schema/" + directory).table(historyTable)
                .placeholders(Map.of("prefix", prefix)).baselineOnMigrate(true).baselineVersion("0")
                .outOfOrder(true).cleanDisabled(true).load();
        try {
            flyway.migrate();
        } catch (FlywayException e) {
            throw new ConsentConfigurationException("consent.jdbc.schema", "is flyway, and Flyway failed to apply "
                    + "consent-jdbc's migrations from dev/consent/jdbc/schema/" + directory + " (history table "
                    + historyTable + "): " + e.getMessage(), "Fix the cause above; for PostgreSQL and MariaDB the "
                    + "application needs Flyway's database module (flyway-database-postgresql, flyway-mysql)", e);
        }
        Set<String> known = Set.copyOf(SchemaInitializer.requiredMigrations());
        List<String> applied = Arrays.stream(flyway.info().applied())
                .filter(m -> m.getVersion() != null && (m.getState() == MigrationState.SUCCESS
                        || m.getState() == MigrationState.OUT_OF_ORDER))
                .map(FlywayConsentSchema::name).filter(known::contains).collect(Collectors.toList());
        ConsentSchemaTool.recordApplied(dataSource, directory, prefix, applied);
        return applied;
    }

    private static String name(MigrationInfo m) {
        return "V" + m.getVersion().getVersion() + "__" + m.getScript().replaceFirst("^V[0-9]+__", "")
                .replaceFirst("\\.sql$", "");
    }
}

package dev.consent.spring.boot;

import dev.consent.jdbc.SchemaInitializer;
import liquibase.Contexts;
import liquibase.LabelExpression;
import liquibase.Liquibase;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;

/**
 * Applies consent-jdbc's migrations with Liquibase ({@code consent.jdbc.schema=liquibase}), through the changelog this
 * starter ships ({@value #CHANGELOG}): one change set per library migration, each running the library's SQL file for
 * the database ({@code dev/consent/jdbc/schema/<database>/V<n>__<name>.sql}) with {@code ${prefix}} as a changelog
 * parameter. Its own history and lock tables ({@code <history-table>} and {@code <history-table>_lock}) keep it apart
 * from the application's Liquibase changelog, which is never read or touched. Only loaded when Liquibase is on the
 * class path.
 */
final class LiquibaseConsentSchema {
    /** The starter's changelog of consent-jdbc's migrations. */
    static final String CHANGELOG = "dev/consent/spring/boot/liquibase/consent-changelog.xml";

    private LiquibaseConsentSchema() {
    }

    /** Updates, then records the migrations in the library's history; returns them as {@code V<n>__<name>}. */
    @SuppressWarnings("deprecation") // Liquibase#update(Contexts, LabelExpression): the API 4.x keeps for embedding
    static List<String> migrate(DataSource dataSource, String prefix, String historyTable, ClassLoader classLoader) {
        String directory = ConsentSchemaTool.schemaDirectory(dataSource);
        try (Connection c = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            database.setDatabaseChangeLogTableName(historyTable);
            database.setDatabaseChangeLogLockTableName(historyTable + "_lock");
            Liquibase liquibase = new Liquibase(CHANGELOG, new ClassLoaderResourceAccessor(classLoader), database);
            liquibase.setChangeLogParameter("prefix", prefix);
            liquibase.setChangeLogParameter("consentSchemaDirectory", directory);
            liquibase.update(new Contexts(), new LabelExpression());
        } catch (LiquibaseException | SQLException e) {
            throw new ConsentConfigurationException("consent.jdbc.schema", "is liquibase, and Liquibase failed to "
                    + "apply consent-jdbc's migrations from dev/consent/jdbc/schema/" + directory + " (changelog "
                    + CHANGELOG + ", history table " + historyTable + "): " + e.getMessage(), "Fix the cause above", e);
        }
        // the update applied every change set of the changelog, which lists every migration this version needs
        List<String> applied = SchemaInitializer.requiredMigrations();
        ConsentSchemaTool.recordApplied(dataSource, directory, prefix, applied);
        return applied;
    }
}

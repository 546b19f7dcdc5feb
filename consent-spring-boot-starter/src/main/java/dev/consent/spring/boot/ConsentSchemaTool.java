package dev.consent.spring.boot;

import dev.consent.InvalidValueException;
import dev.consent.jdbc.SchemaInitializer;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * What the Flyway and Liquibase runs of consent-jdbc's migrations share: the migrations' directory for the database
 * behind a DataSource, and the library's own migration history ({@code <prefix>schema_version}), which
 * {@link SchemaInitializer#verify(DataSource, String)} reads.
 *
 * <p>A tool that applied the library's migrations records them there too, so that the library's history stays the one
 * record of its schema whichever tool applied it: {@code verify} checks it at start-up, and a later switch to
 * {@code consent.jdbc.schema=create} applies nothing twice.
 */
final class ConsentSchemaTool {
    /** The rule of {@code JdbcStoreBuilder.tablePrefix}: the prefix is written into the migrations' SQL. */
    private static final Pattern TABLE_PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,20}");
    /** A plain, unquoted table name, the same on every supported database. */
    private static final Pattern TABLE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,59}");

    private ConsentSchemaTool() {
    }

    /**
     * Checks the names a tool writes into SQL before it runs: the table prefix, by the store's rule, and the history
     * table.
     *
     * @throws InvalidValueException naming the setting, its value and the rule
     */
    static void checkNames(String prefix, String historyTable) {
        if (prefix == null || !TABLE_PREFIX.matcher(prefix).matches()) {
            throw new InvalidValueException("tablePrefix", prefix, "must match [a-z][a-z0-9_]{0,20}: a lower-case "
                    + "letter, then at most 20 lower-case letters, digits or underscores");
        }
        if (!TABLE_NAME.matcher(historyTable).matches()) {
            throw new InvalidValueException("historyTable", historyTable, "must match [a-z][a-z0-9_]{0,59}: a "
                    + "lower-case letter, then at most 59 lower-case letters, digits or underscores");
        }
    }

    /** The directory under {@code dev/consent/jdbc/schema/} that holds this database's migrations. */
    static String schemaDirectory(DataSource dataSource) {
        String product;
        try (Connection c = dataSource.getConnection()) {
            product = c.getMetaData().getDatabaseProductName();
        } catch (SQLException e) {
            throw new ConsentConfigurationException("spring.datasource", "cannot be reached to migrate the consent "
                    + "schema (" + e.getMessage() + ")", "Check the database URL and credentials", e);
        }
        String p = product.toLowerCase(Locale.ROOT);
        if (p.contains("postgresql")) {
            return "postgresql";
        }
        if (p.equals("h2")) {
            return "h2";
        }
        if (p.contains("mariadb")) {
            return "mariadb";
        }
        throw new ConsentConfigurationException("spring.datasource", "is a " + product + " database, for which "
                + "consent-jdbc ships no migrations (it supports PostgreSQL, MariaDB and H2)",
                "Use a supported database, or consent.store=in-memory for tests and demos");
    }

    /**
     * Records in {@code <prefix>schema_version} the library migrations a tool has applied, creating that table (as the
     * library's initialiser does) when it is missing; versions already recorded are kept as they are.
     *
     * @param applied the applied migrations as {@code V<version>__<name>}
     */
    static void recordApplied(DataSource dataSource, String directory, String prefix, List<String> applied) {
        String instantType = directory.equals("mariadb") ? "DATETIME(6)" : "TIMESTAMP(6) WITH TIME ZONE";
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(true);
            try {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE TABLE IF NOT EXISTS " + prefix + "schema_version (version INTEGER NOT NULL, "
                            + "description VARCHAR(200) NOT NULL, applied_at " + instantType + " NOT NULL, CONSTRAINT "
                            + prefix + "schema_version_pk PRIMARY KEY (version))");
                }
                Set<Integer> recorded = new HashSet<>();
                try (Statement s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT version FROM " + prefix + "schema_version")) {
                    while (rs.next()) {
                        recorded.add(rs.getInt(1));
                    }
                }
                for (String migration : applied) {
                    int separator = migration.indexOf("__");
                    int version = Integer.parseInt(migration.substring(1, separator));
                    if (recorded.contains(version)) {
                        continue;
                    }
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "schema_version "
                            + "(version, description, applied_at) VALUES (?, ?, CURRENT_TIMESTAMP)")) {
                        ps.setInt(1, version);
                        ps.setString(2, migration.substring(separator + 2));
                        ps.executeUpdate();
                    }
                }
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new ConsentConfigurationException("consent.jdbc.schema", "applied consent-jdbc's migrations, but "
                    + "recording them in " + prefix + "schema_version failed (" + e.getMessage() + ")",
                    "Check that the application's database user may create and write that table", e);
        }
    }
}

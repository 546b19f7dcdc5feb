package dev.consent.jdbc;

import dev.consent.ConsentException;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Creates and migrates the store's tables: records applied migrations in {@code <prefix>schema_version}
 * and applies the missing ones in version order.
 *
 * <p>Safe when several nodes start at once, in two layers. First, initializers take turns: a JVM-local lock
 * per database and prefix, and on PostgreSQL and MariaDB a session-level database lock (an advisory lock,
 * {@code GET_LOCK}) that other nodes wait for, up to a minute. Second, every migration is written
 * idempotently ({@code IF NOT EXISTS}, an insert that ignores an existing row) and each initializer runs every
 * statement of a migration it does not see recorded, tolerating by SQLState the "already exists" races a
 * database can still report (PostgreSQL fails a concurrent {@code CREATE ... IF NOT EXISTS} with 42P07 or a
 * unique violation in its catalog); a version row another node recorded first is a unique violation meaning
 * the same. The second layer covers H2 across JVMs and DDL run by other tools at the same time. Future
 * migrations must keep both properties (e.g. {@code ADD COLUMN IF NOT EXISTS}).
 *
 * <p>The lock is needed, not just nice: H2 2.3 fails two concurrent {@code CREATE INDEX IF NOT EXISTS} of one
 * index with a general error (50000, "object already exists") instead of a duplicate-object state.
 *
 * <p>Public for one purpose: {@link #verify(DataSource, String)}, the check for applications that manage the schema
 * themselves ({@link JdbcStoreBuilder#createSchema(boolean) createSchema(false)}) that their database holds every
 * migration this version of the library needs. Creating and migrating stays with {@link JdbcStoreBuilder#build()}.
 */
public final class SchemaInitializer {
    private static final Logger LOG = LoggerFactory.getLogger(SchemaInitializer.class);

    /** Every migration, in order. A new one is appended here and as {@code V<n>__<name>.sql} per dialect. */
    static final List<Migration> MIGRATIONS = List.of(new Migration(1, "consent"), new Migration(2, "checkpoints"),
            new Migration(3, "retention_rights"), new Migration(4, "change_feed_stamps"),
            new Migration(9, "processing_log"), new Migration(10, "outbox"), new Migration(11, "receipts"),
            new Migration(13, "undated_items"), new Migration(14, "email"),
            new Migration(16, "feed_positions_at_commit"), new Migration(17, "items_fillfactor"));

    /**
     * SQLStates that mean "that object already exists": PostgreSQL duplicate_table and duplicate_object,
     * and the SQL-standard states H2 and MySQL use for a table or an index that exists.
     */
    private static final Set<String> ALREADY_EXISTS = Set.of("42P07", "42710", "42S01", "42S11");
    /**
     * SQLStates of "no such table": PostgreSQL's undefined_table, and the SQL-standard state H2 and MariaDB use (with
     * H2's variants that add candidates or say the database is empty).
     */
    private static final Set<String> NO_SUCH_TABLE = Set.of("42P01", "42S02", "42S03", "42S04");
    /** The rule of {@link JdbcStoreBuilder#tablePrefix(String)}: the prefix is written into SQL, so it is checked. */
    private static final Pattern TABLE_PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,20}");
    private static final int LOCK_TIMEOUT_SECONDS = 60;
    /** One monitor per database URL and prefix, so initializers in one JVM never race each other. */
    private static final Map<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();

    record Migration(int version, String name) {
        String fileName() {
            return "V" + version + "__" + name;
        }

        String resource(Dialect dialect) {
            return "/dev/consent/jdbc/schema/" + dialect.schemaDirectory() + "/V" + version + "__" + name + ".sql";
        }
    }

    private final DataSource dataSource;
    private final Dialect dialect;
    private final String prefix;
    private final Clock clock;
    private final List<Migration> migrations;

    SchemaInitializer(DataSource dataSource, Dialect dialect, String prefix, Clock clock) {
        this(dataSource, dialect, prefix, clock, MIGRATIONS);
    }

    /** With another list of migrations: tests use it to prove that later migrations are applied in order. */
    SchemaInitializer(DataSource dataSource, Dialect dialect, String prefix, Clock clock,
            List<Migration> migrations) {
        this.dataSource = dataSource;
        this.dialect = dialect;
        this.prefix = prefix;
        this.clock = clock;
        this.migrations = migrations.stream().sorted(Comparator.comparingInt(Migration::version)).toList();
    }

    /**
     * The migrations this version of the library needs, oldest first, each named as its files are
     * ({@code V<version>__<name>}, e.g. {@code V1__consent}).
     *
     * @return the names of the required migrations, oldest first
     */
    public static List<String> requiredMigrations() {
        return MIGRATIONS.stream().map(Migration::fileName).toList();
    }

    /**
     * Checks that the schema under {@code tablePrefix} holds every migration this version of the library needs, as
     * its migration history ({@code <prefix>schema_version}) records them; changes nothing. Versions newer than this
     * library knows are accepted (a newer node migrated first). Use it where the application manages the schema
     * itself (Flyway, Liquibase, a DBA): at start-up, before the first store call, so that a missing migration fails
     * there with its name instead of as an unknown table or column later.
     *
     * @param dataSource the data source the store uses
     * @param tablePrefix the table prefix the store uses
     * @throws IncompatibleSchemaException naming the missing migrations, or saying that there is no migration history
     *     at all under that prefix
     * @throws InvalidValueException when {@code dataSource} is missing or {@code tablePrefix} breaks the rule of
     *     {@link JdbcStoreBuilder#tablePrefix(String)}
     * @throws StoreException when the database cannot be reached or the history cannot be read for another reason
     */
    public static void verify(DataSource dataSource, String tablePrefix) {
        if (dataSource == null) {
            throw new InvalidValueException("dataSource", null, "is required");
        }
        if (tablePrefix == null || !TABLE_PREFIX.matcher(tablePrefix).matches()) {
            throw new InvalidValueException("tablePrefix", tablePrefix, "must match [a-z][a-z0-9_]{0,20}: a lower-case "
                    + "letter, then at most 20 lower-case letters, digits or underscores");
        }
        String directory;
        Set<Integer> recorded;
        try (Connection c = dataSource.getConnection()) {
            directory = schemaDirectoryOf(c);
            try {
                recorded = recordedVersions(c, tablePrefix);
            } catch (SQLException e) {
                if (!NO_SUCH_TABLE.contains(e.getSQLState())) {
                    throw e;
                }
                throw new IncompatibleSchemaException(tablePrefix, requiredMigrations(), "there is no table "
                        + tablePrefix + "schema_version, so no consent schema under the prefix " + tablePrefix + ". "
                        + howToApply(directory));
            }
        } catch (SQLException e) {
            throw new StoreException("verifySchema", e);
        }
        List<String> missing = MIGRATIONS.stream().filter(m -> !recorded.contains(m.version()))
                .map(Migration::fileName).toList();
        if (!missing.isEmpty()) {
            throw new IncompatibleSchemaException(tablePrefix, missing, "the consent schema under the prefix "
                    + tablePrefix + " lacks the migrations " + String.join(", ", missing) + " that this version of "
                    + "consent-jdbc needs (" + tablePrefix + "schema_version records " + (recorded.isEmpty() ? "none"
                    : recorded.stream().map(v -> "V" + v).toList()) + "). " + howToApply(directory));
        }
    }

    private static String schemaDirectoryOf(Connection c) throws SQLException {
        try {
            return Dialect.of(Database.of(c.getMetaData().getDatabaseProductName(),
                    c.getMetaData().getDatabaseProductVersion())).schemaDirectory();
        } catch (InvalidValueException unsupported) {
            return "<database>";
        }
    }

    private static String howToApply(String directory) {
        return "Apply the migrations from consent-jdbc's dev/consent/jdbc/schema/" + directory + "/ with the tool that manages "
                + "the schema, or let the store create its schema (JdbcStoreBuilder.createSchema(true)).";
    }

    /**
     * The schema under a table prefix lacks migrations this version of the library needs: {@link #verify} found
     * them missing from the migration history, or found no history at all. Names the prefix and the missing
     * migrations ({@code V<version>__<name>}, oldest first).
     */
    public static final class IncompatibleSchemaException extends ConsentException {
        private static final long serialVersionUID = 1L;
        /** The table prefix of the schema checked. */
        private final String tablePrefix;
        /** The missing migrations, oldest first. */
        private final List<String> missing;

        IncompatibleSchemaException(String tablePrefix, List<String> missing, String message) {
            super(message);
            this.tablePrefix = tablePrefix;
            this.missing = List.copyOf(missing);
        }

        /**
         * The table prefix of the schema checked.
         *
         * @return the table prefix
         */
        public String tablePrefix() {
            return tablePrefix;
        }

        /**
         * The missing migrations, oldest first.
         *
         * @return the names of the missing migrations, as {@code V<version>__<name>}; never empty
         */
        public List<String> missingMigrations() {
            return missing;
        }
    }

    /** Brings the schema up to the newest migration; returns the versions this call applied. */
    List<Integer> migrate() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            String url = c.getMetaData().getURL();
            Object jvmLock = JVM_LOCKS.computeIfAbsent(url + " " + prefix, k -> new Object());
            synchronized (jvmLock) {
                boolean autoCommit = c.getAutoCommit();
                // DDL commits implicitly on MariaDB and H2 anyway; running each statement on its own makes every
                // database behave alike and lets a tolerated failure not poison a surrounding transaction.
                c.setAutoCommit(true);
                String lockName = "consent_schema_" + prefix;
                dialect.lockSchema(c, lockName, LOCK_TIMEOUT_SECONDS);
                try {
                    return migrate(c);
                } finally {
                    try {
                        dialect.unlockSchema(c, lockName);
                    } finally {
                        c.setAutoCommit(autoCommit);
                    }
                }
            }
        }
    }

    private List<Integer> migrate(Connection c) throws SQLException {
        List<Integer> appliedNow = new ArrayList<>();
        tolerateExisting(c, "CREATE TABLE IF NOT EXISTS " + prefix + "schema_version ("
                + "version INTEGER NOT NULL, description VARCHAR(200) NOT NULL, applied_at "
                + dialect.instantColumnType() + " NOT NULL, CONSTRAINT " + prefix
                + "schema_version_pk PRIMARY KEY (version))");
        Set<Integer> recorded = recordedVersions(c, prefix);
        for (Migration m : migrations) {
            if (recorded.contains(m.version())) {
                continue;
            }
            for (String statement : statements(load(m))) {
                tolerateExisting(c, statement);
            }
            if (record(c, m)) {
                appliedNow.add(m.version());
                LOG.info("consent schema {}: applied migration V{}__{} ({})", prefix, m.version(), m.name(), dialect);
            }
        }
        int newest = migrations.get(migrations.size() - 1).version();
        recorded.stream().filter(v -> v > newest).findAny().ifPresent(v -> LOG.info(
                "consent schema {} is at version {}, newer than this library knows ({}); using it as is",
                prefix, v, newest));
        return appliedNow;
    }

    private static Set<Integer> recordedVersions(Connection c, String prefix) throws SQLException {
        Set<Integer> versions = new TreeSet<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version FROM " + prefix + "schema_version")) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
        }
        return versions;
    }

    /** Records a migration; false when another node recorded it first. */
    private boolean record(Connection c, Migration m) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix
                + "schema_version (version, description, applied_at) VALUES (?, ?, ?)")) {
            ps.setInt(1, m.version());
            ps.setString(2, m.name());
            dialect.setInstant(ps, 3, clock.instant().truncatedTo(ChronoUnit.MICROS));
            ps.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (SqlStates.isUniqueViolation(e)) {
                return false;
            }
            throw e;
        }
    }

    private static void tolerateExisting(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            if (!SqlStates.isUniqueViolation(e) && !ALREADY_EXISTS.contains(e.getSQLState())) {
                throw new SQLException("schema statement failed: " + sql, e.getSQLState(), e.getErrorCode(), e);
            }
            LOG.debug("consent schema: a concurrent initializer created it first ({}): {}", e.getSQLState(), sql);
        }
    }

    /** The migration's SQL for this dialect with {@code ${prefix}} substituted. */
    String load(Migration m) {
        String resource = m.resource(dialect);
        try (InputStream in = SchemaInitializer.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("consent-jdbc is missing its schema resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${prefix}", prefix);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read schema resource " + resource, e);
        }
    }

    /**
     * Splits a migration into statements: {@code --} comment lines are dropped and a statement ends with a
     * line that ends in a semicolon. The files are written to that rule (no semicolons inside statements).
     */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (trimmed.endsWith(";")) {
                current.append(trimmed, 0, trimmed.length() - 1);
                out.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(trimmed).append('\n');
            }
        }
        if (!current.toString().isBlank()) {
            throw new IllegalStateException("schema script ends without a semicolon: " + current);
        }
        return out;
    }
}

package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.time.Clock;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Configures a {@link JdbcStore}. Nothing is checked or touched until {@link #build()}, which validates
 * everything, detects the database when none was named, and creates or migrates the tables unless told not
 * to. Not thread-safe; the store it builds is.
 */
public final class JdbcStoreBuilder {
    private static final Pattern TABLE_PREFIX = Pattern.compile("[a-z][a-z0-9_]{0,20}");

    private final DataSource dataSource;
    private String tablePrefix = "consent_";
    private Database database;
    private boolean createSchema = true;
    private boolean changeNotifications = true;
    private ConnectionBinding connectionBinding;

    JdbcStoreBuilder(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The prefix of every table name: a lower-case letter, then up to 20 lower-case letters, digits or
     * underscores. Default {@code consent_}. Several stores can share a database under different prefixes.
     *
     * @param prefix the table prefix; checked by {@link #build()}
     * @return this builder
     */
    public JdbcStoreBuilder tablePrefix(String prefix) {
        this.tablePrefix = prefix;
        return this;
    }

    /**
     * The database. By default it is detected from the product name the driver reports, which costs one
     * connection in {@link #build()}.
     *
     * @param database the database the data source connects to
     * @return this builder
     */
    public JdbcStoreBuilder database(Database database) {
        this.database = database;
        return this;
    }

    /**
     * Whether {@link #build()} creates the tables and applies missing migrations (default {@code true}).
     * Turn it off when the schema is managed by Flyway or Liquibase with the files under
     * {@code dev/consent/jdbc/schema/<dialect>/}, or when the application's database user may not run DDL.
     *
     * @param create {@code true} to create and migrate the schema in {@link #build()}
     * @return this builder
     */
    public JdbcStoreBuilder createSchema(boolean create) {
        this.createSchema = create;
        return this;
    }

    /**
     * PostgreSQL only: whether appends and links send a notification on commit and {@link JdbcStore#onChanges}
     * listens for them (default {@code true}). Turn it off where LISTEN cannot work, e.g. behind PgBouncer in
     * transaction pooling mode; other nodes' caches then learn of changes by polling alone. Use the same setting
     * on every node: a node that does not notify leaves the others to their polling.
     *
     * @param on {@code true} to send and listen for change notifications
     * @return this builder
     */
    public JdbcStoreBuilder changeNotifications(boolean on) {
        this.changeNotifications = on;
        return this;
    }

    /**
     * Where the store finds the host's transaction on the current thread, e.g. one a transaction manager opened on the
     * same data source: while it answers a connection, the store's operations run on it and commit or roll back with
     * it. Default: none, so only {@link JdbcStore#join} joins a host's transaction, and otherwise every operation
     * commits its own.
     *
     * @param binding how to find the current thread's transaction on the data source
     * @return this builder
     */
    public JdbcStoreBuilder connectionBinding(ConnectionBinding binding) {
        this.connectionBinding = binding;
        return this;
    }

    /**
     * Validates the configuration and builds the store.
     *
     * @return the store, with its schema created and migrated when {@link #createSchema(boolean)} is on
     * @throws InvalidValueException when a setting breaks its rule or the database is not a supported one
     * @throws StoreException when the database cannot be reached to detect the database or create the schema
     */
    public JdbcStore build() {
        if (dataSource == null) {
            throw new InvalidValueException("dataSource", null, "is required");
        }
        if (tablePrefix == null || !TABLE_PREFIX.matcher(tablePrefix).matches()) {
            throw new InvalidValueException("tablePrefix", tablePrefix,
                    "must match [a-z][a-z0-9_]{0,20}: a lower-case letter, then at most 20 lower-case letters, "
                            + "digits or underscores");
        }
        Database chosen = database != null ? database : detect(dataSource);
        Dialect customization = Dialect.of(chosen);
        if (createSchema) {
            try {
                // applied_at in schema_version is operational metadata, not ledger time; the wall clock is right.
                new SchemaInitializer(dataSource, customization, tablePrefix, Clock.systemUTC()).migrate();
            } catch (SQLException e) {
                throw new StoreException("createSchema", e);
            }
        }
        return new JdbcStore(dataSource, customization, tablePrefix, changeNotifications,
                connectionBinding);
    }

    private static Database detect(DataSource dataSource) {
        DatabaseMetaData metaData;
        String product;
        String version;
        try (Connection c = dataSource.getConnection()) {
            metaData = c.getMetaData();
            product = metaData.getDatabaseProductName();
            version = metaData.getDatabaseProductVersion();
        } catch (SQLException e) {
            throw Sql.failure("detect database", e);
        }
        return Database.of(product, version);
    }
}

package dev.consent.jdbc;

import dev.consent.store.ConsentStore;
import dev.consent.store.ConsentStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * The store contract of consent-core, run against {@link JdbcStore} on one database. The tables are created once per
 * test class under their own prefix (creating them for every test would spend most of the time on DDL), emptied
 * after every test, and dropped at the end; the contract relies on positions only relative to each other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcStoreContract extends ConsentStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected ConsentStore createStore() {
        JdbcStore built = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        // detected, not configured: the contract also proves that detection picks the right dialect
        if (built.database() != dialect()) {
            throw new AssertionError("detected " + built.database() + " on " + dialect());
        }
        return built;
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code TRUNCATE TABLE} on H2 and PostgreSQL, with {@code RESTART IDENTITY} or {@code CONTINUE IDENTITY}; on
     * MariaDB, whose {@code TRUNCATE} always restarts {@code AUTO_INCREMENT}, a {@code DELETE} of every row when
     * positions are to continue. Restarted positions also set the last position handed out back to 0.
     */
    @Override
    protected void truncateChangeFeed(boolean restartPositions) throws SQLException {
        String table = prefix + "changes";
        String sql = dialect() == Database.MARIADB
                ? (restartPositions ? "TRUNCATE TABLE " + table : "DELETE FROM " + table)
                : "TRUNCATE TABLE " + table + (restartPositions ? " RESTART IDENTITY" : " CONTINUE IDENTITY");
        Databases.execute(Databases.shared(dialect()), sql);
        if (restartPositions) {
            Databases.execute(Databases.shared(dialect()), "UPDATE " + prefix + "feed_lock SET last_position = 0");
        }
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix,
                    List.of("events", "heads", "links", "changes", "checkpoints"));
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

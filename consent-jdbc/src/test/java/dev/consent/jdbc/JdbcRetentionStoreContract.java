package dev.consent.jdbc;

import dev.consent.store.RetentionStore;
import dev.consent.store.RetentionStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;

/**
 * The retention store contract of consent-core, run against {@link JdbcStore} on one database. The tables are
 * created once per test class under their own prefix (creating them for every test would spend most of the time on
 * DDL), emptied after every test, and dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcRetentionStoreContract extends RetentionStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    /** The data source the store runs on: by default the database's shared one. */
    protected DataSource dataSource() {
        return Databases.shared(dialect());
    }

    @Override
    protected RetentionStore createRetentionStore() {
        JdbcStore store = JdbcStore.builder(dataSource()).tablePrefix(prefix).build();
        created = true;
        return store;
    }

    @Override
    protected void passLeaseTime(Duration d) {
        Databases.passLeaseTime(dataSource(), dialect(), prefix, d);
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(dataSource(), prefix,
                    List.of("items", "holds", "disposals", "tombstones"));
            Databases.execute(dataSource(), "UPDATE " + prefix + "disposal_counter SET last_seq = 0");
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(dataSource(), prefix);
        }
    }
}

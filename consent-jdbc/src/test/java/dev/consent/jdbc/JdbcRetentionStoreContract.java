package dev.consent.jdbc;

import dev.consent.store.RetentionStore;
import dev.consent.store.RetentionStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;

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

    @Override
    protected RetentionStore createRetentionStore() {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        return store;
    }

    @Override
    protected void passLeaseTime(Duration d) {
        Databases.passLeaseTime(Databases.shared(dialect()), dialect(), prefix, d);
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix,
                    List.of("items", "holds", "disposals", "tombstones"));
            Databases.execute(Databases.shared(dialect()), "UPDATE " + prefix + "disposal_counter SET last_seq = 0");
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

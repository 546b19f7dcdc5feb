package dev.consent.jdbc;

import dev.consent.store.RightsStore;
import dev.consent.store.RightsStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * The rights store contract of consent-core, run against {@link JdbcStore} on one database. The tables are
 * created once per test class under their own prefix (creating them for every test would spend most of the time on
 * DDL), emptied after every test, and dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcRightsStoreContract extends RightsStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected RightsStore createRightsStore() {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        return store;
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix,
                    List.of("rights_requests"));
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

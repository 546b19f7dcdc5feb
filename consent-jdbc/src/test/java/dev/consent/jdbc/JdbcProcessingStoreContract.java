package dev.consent.jdbc;

import dev.consent.store.ProcessingStore;
import dev.consent.store.ProcessingStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * The processing store contract of consent-core, run against {@link JdbcStore} on one database. The tables are
 * created once per test class under their own prefix, emptied after every test (the log and the ledger whose change
 * feed guards it), and dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcProcessingStoreContract extends ProcessingStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected ProcessingStore createProcessingStore() {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        return store;
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix,
                    List.of("processing_log", "events", "heads", "links", "changes"));
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

package dev.consent.jdbc;

import dev.consent.store.ReceiptStore;
import dev.consent.store.ReceiptStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * The receipt store contract of consent-core, run against {@link JdbcStore} on one database: tables created once per
 * test class under their own prefix, emptied after every test, dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcReceiptStoreContract extends ReceiptStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected ReceiptStore createReceiptStore() {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        return store;
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix, List.of("receipts"));
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

package dev.consent.jdbc;

import dev.consent.email.EmailStoreContract;
import dev.consent.store.ConsentStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * Double opt-in and one-click unsubscribe (consent-core's {@link EmailStoreContract}) against {@link JdbcStore} on one
 * database: the confirmation and the withdrawal must come back from the tables with their choice, method, event id
 * and evidence. The tables are created once per test class under their own prefix, emptied after every test, and
 * dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcEmailStoreContract extends EmailStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected ConsentStore createStore() {
        JdbcStore built = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        if (built.database() != dialect()) {
            throw new AssertionError("detected " + built.database() + " on " + dialect());
        }
        return built;
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix,
                    List.of("events", "heads", "links", "changes", "checkpoints", "tombstones", "items"));
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

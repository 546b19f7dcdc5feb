package dev.consent.jdbc;

import dev.consent.email.EmailListStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * The suppression list and campaign proof (consent-core's {@link EmailListStoreContract}) against {@link JdbcStore} on
 * one database. The tables are created once per test class under their own prefix, emptied after every test, and
 * dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcEmailListStoreContract extends EmailListStoreContract<JdbcStore> {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected JdbcStore createStore() {
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
            Databases.emptyTables(Databases.shared(dialect()), prefix, List.of("events", "heads", "links", "changes",
                    "checkpoints", "suppression", "campaign_recipients"));
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

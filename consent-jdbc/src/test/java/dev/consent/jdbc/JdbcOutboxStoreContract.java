package dev.consent.jdbc;

import dev.consent.store.OutboxStore;
import dev.consent.store.OutboxStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.TestInstance;

import java.sql.SQLException;
import java.util.List;

/**
 * The outbox contract of consent-core (GDPR Art. 19 end to end), run against {@link JdbcStore} on one database. The
 * tables are created once per test class under their own prefix, emptied after every test (counters reset), and
 * dropped at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JdbcOutboxStoreContract extends OutboxStoreContract {
    private final String prefix = Databases.freshPrefix();
    private boolean created;

    protected abstract Database dialect();

    @Override
    protected OutboxStore createOutboxStore() {
        JdbcStore store = JdbcStore.builder(Databases.shared(dialect())).tablePrefix(prefix).build();
        created = true;
        return store;
    }

    @AfterEach
    void emptyTables() throws SQLException {
        if (created) {
            Databases.emptyTables(Databases.shared(dialect()), prefix, List.of("events", "heads", "links", "changes",
                    "checkpoints", "items", "holds", "disposals", "tombstones", "rights_requests", "notices",
                    "deliveries"));
            Databases.execute(Databases.shared(dialect()), "UPDATE " + prefix + "disposal_counter SET last_seq = 0");
            Databases.execute(Databases.shared(dialect()), "UPDATE " + prefix + "delivery_counter SET last_seq = 0");
        }
    }

    @AfterAll
    void dropTables() {
        if (created) {
            Databases.dropTables(Databases.shared(dialect()), prefix);
        }
    }
}

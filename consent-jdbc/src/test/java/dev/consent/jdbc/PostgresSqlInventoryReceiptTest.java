package dev.consent.jdbc;

import dev.consent.store.ReceiptStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import java.sql.SQLException;

/**
 * The ReceiptStore contract on PostgreSQL through a recording data source; afterwards every statement the store issued is
 * checked by {@link SqlInventory}: each one on a per-subject table routes by subject or is a named per-shard scan.
 */
class PostgresSqlInventoryReceiptTest extends JdbcReceiptStoreContract {
    private final String prefix = Databases.freshPrefix();
    private final SwitchableDataSource recording = new SwitchableDataSource(Databases.shared(Dialect.POSTGRESQL));
    private boolean made;

    @Override
    protected Dialect dialect() {
        return Dialect.POSTGRESQL;
    }

    @Override
    protected ReceiptStore createReceiptStore() {
        made = true;
        return JdbcStore.builder(recording).tablePrefix(prefix).build();
    }

    @AfterEach
    void emptyRecordedTables() throws SQLException {
        if (made) {
            for (String table : Databases.TABLES) {
                if (!table.equals("schema_version") && !table.equals("feed_lock") && !table.endsWith("_counter")) {
                    Databases.execute(Databases.shared(Dialect.POSTGRESQL), "DELETE FROM " + prefix + table);
                }
            }
            for (String counter : new String[] {"disposal_counter", "delivery_counter"}) {
                if (Databases.TABLES.contains(counter)) {
                    Databases.execute(Databases.shared(Dialect.POSTGRESQL),
                            "UPDATE " + prefix + counter + " SET last_seq = 0");
                }
            }
        }
    }

    @AfterAll
    void checkTheInventory() {
        try {
            if (made) {
                SqlInventory.check(prefix, recording.sql);
            }
        } finally {
            if (made) {
                Databases.dropTables(Databases.shared(Dialect.POSTGRESQL), prefix);
            }
        }
    }
}

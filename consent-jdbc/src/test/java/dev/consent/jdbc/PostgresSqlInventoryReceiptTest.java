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
    private final SqlInventory.Recording recording = new SqlInventory.Recording();

    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }

    @Override
    protected ReceiptStore createReceiptStore() {
        return recording.store();
    }

    @AfterEach
    void emptyRecordedTables() throws SQLException {
        recording.emptyTables();
    }

    @AfterAll
    void checkTheInventory() {
        recording.checkAndDrop();
    }
}

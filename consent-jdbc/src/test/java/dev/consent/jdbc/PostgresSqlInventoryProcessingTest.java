package dev.consent.jdbc;

import dev.consent.store.ProcessingStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import java.sql.SQLException;

/**
 * The ProcessingStore contract on PostgreSQL through a recording data source; afterwards every statement the store issued is
 * checked by {@link SqlInventory}: each one on a per-subject table routes by subject or is a named per-shard scan.
 */
class PostgresSqlInventoryProcessingTest extends JdbcProcessingStoreContract {
    private final SqlInventory.Recording recording = new SqlInventory.Recording();

    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }

    @Override
    protected ProcessingStore createProcessingStore() {
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

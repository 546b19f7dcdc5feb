package dev.consent.jdbc;

import dev.consent.store.RetentionStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import java.sql.SQLException;
import java.time.Duration;

/**
 * The RetentionStore contract on PostgreSQL through a recording data source; afterwards every statement the store issued is
 * checked by {@link SqlInventory}: each one on a per-subject table routes by subject or is a named per-shard scan.
 */
class PostgresSqlInventoryRetentionTest extends JdbcRetentionStoreContract {
    private final SqlInventory.Recording recording = new SqlInventory.Recording();

    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }

    @Override
    protected RetentionStore createRetentionStore() {
        return recording.store();
    }

    @Override
    protected void passLeaseTime(Duration d) {
        Databases.passLeaseTime(Databases.shared(Database.POSTGRESQL), Database.POSTGRESQL, recording.prefix(), d);
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

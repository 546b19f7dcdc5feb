package dev.consent.jdbc;

import dev.consent.store.ConsentStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;

import java.sql.SQLException;

/**
 * The ConsentStore contract on PostgreSQL through a recording data source; afterwards every statement the store issued is
 * checked by {@link SqlInventory}: each one on a per-subject table routes by subject or is a named per-shard scan.
 */
class PostgresSqlInventoryStoreTest extends JdbcStoreContract {
    private final SqlInventory.Recording recording = new SqlInventory.Recording();

    @Override
    protected Database dialect() {
        return Database.POSTGRESQL;
    }

    @Override
    protected ConsentStore createStore() {
        return recording.store();
    }

    @Override
    protected void truncateChangeFeed(boolean restartPositions) throws SQLException {
        Databases.execute(Databases.shared(Database.POSTGRESQL), "TRUNCATE TABLE " + recording.prefix() + "changes"
                + (restartPositions ? " RESTART IDENTITY" : " CONTINUE IDENTITY"));
        if (restartPositions) {
            Databases.execute(Databases.shared(Database.POSTGRESQL), "UPDATE " + recording.prefix()
                    + "feed_lock SET last_position = 0");
        }
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

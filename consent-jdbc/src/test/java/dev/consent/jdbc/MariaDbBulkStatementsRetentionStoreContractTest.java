package dev.consent.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retention contract on MariaDB with the driver's bulk protocol ({@code useBulkStmts=true}), whose batches report
 * no per-row update counts: every renewal, release and finish of claims takes the path that rolls its batch back and
 * runs the same statements one by one in a new transaction.
 */
class MariaDbBulkStatementsRetentionStoreContractTest extends JdbcRetentionStoreContract {
    private HikariDataSource pool;

    @Override
    protected Database dialect() {
        return Database.MARIADB;
    }

    @Override
    protected synchronized DataSource dataSource() {
        if (pool == null) {
            pool = Databases.pool(Database.MARIADB, null, 4, "&useBulkStmts=true");
        }
        return pool;
    }

    /** Without this the contract would not reach the one-by-one path this class is for. */
    @Test
    void batchesOnThisDataSourceReportNoUpdateCounts() throws SQLException {
        try (Connection c = dataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TEMPORARY TABLE bulk_probe (id INT PRIMARY KEY, v INT)");
            s.execute("INSERT INTO bulk_probe VALUES (1, 0), (2, 0)");
            try (PreparedStatement ps = c.prepareStatement("UPDATE bulk_probe SET v = ? WHERE id = ?")) {
                for (int id = 1; id <= 2; id++) {
                    ps.setInt(1, 5);
                    ps.setInt(2, id);
                    ps.addBatch();
                }
                assertThat(ps.executeBatch()).containsOnly(Statement.SUCCESS_NO_INFO);
            }
            s.execute("DROP TEMPORARY TABLE bulk_probe");
        }
    }

    /** Drops the tables while the pool is still open, then closes it. */
    @Override
    @AfterAll
    void dropTables() {
        try {
            super.dropTables();
        } finally {
            if (pool != null) {
                pool.close();
            }
        }
    }
}

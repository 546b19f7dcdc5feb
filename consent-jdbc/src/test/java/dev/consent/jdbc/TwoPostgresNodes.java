package dev.consent.jdbc;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Two application nodes on one PostgreSQL database: each its own pool and {@link JdbcStore}, sharing only the tables
 * under a fresh prefix, which are dropped after each test.
 */
abstract class TwoPostgresNodes {
    protected HikariDataSource poolA;
    protected HikariDataSource poolB;
    protected String prefix;
    protected JdbcStore storeA;
    protected JdbcStore storeB;

    /** Connections per node's pool. */
    protected int poolSize() {
        return 4;
    }

    @BeforeEach
    void twoNodes() {
        poolA = Databases.pool(Database.POSTGRESQL, null, poolSize());
        poolB = Databases.pool(Database.POSTGRESQL, null, poolSize());
        prefix = Databases.freshPrefix();
        storeA = JdbcStore.builder(poolA).tablePrefix(prefix).build();
        storeB = JdbcStore.builder(poolB).tablePrefix(prefix).build();
    }

    @AfterEach
    void dropAndClose() {
        if (poolA != null) {
            Databases.dropTables(poolA, prefix);
            poolA.close();
        }
        if (poolB != null) {
            poolB.close();
        }
    }
}

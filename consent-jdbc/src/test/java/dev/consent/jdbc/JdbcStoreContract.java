package dev.consent.jdbc;

import dev.consent.store.ConsentStore;
import dev.consent.store.ConsentStoreContract;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The store contract of consent-core, run against {@link JdbcStore} on one database. Every test gets its own
 * table prefix, so tests never see each other's rows, and its tables are dropped afterwards.
 */
abstract class JdbcStoreContract extends ConsentStoreContract {
    private final List<String> prefixes = new ArrayList<>();
    private DataSource dataSource;

    protected abstract Dialect dialect();

    @Override
    protected ConsentStore createStore() {
        dataSource = Databases.shared(dialect());
        String prefix = Databases.freshPrefix();
        prefixes.add(prefix);
        JdbcStore built = JdbcStore.builder(dataSource).tablePrefix(prefix).build();
        // detected, not configured: the contract also proves that detection picks the right dialect
        if (built.dialect() != dialect()) {
            throw new AssertionError("detected " + built.dialect() + " on " + dialect());
        }
        return built;
    }

    @AfterEach
    void dropTables() {
        for (String prefix : prefixes) {
            Databases.dropTables(dataSource, prefix);
        }
        prefixes.clear();
    }
}

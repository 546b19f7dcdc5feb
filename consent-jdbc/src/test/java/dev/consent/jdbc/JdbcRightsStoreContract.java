package dev.consent.jdbc;

import dev.consent.store.RightsStore;
import dev.consent.store.RightsStoreContract;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The rights store contract of consent-core, run against {@link JdbcStore} on one database, each test on its own
 * table prefix, dropped afterwards.
 */
abstract class JdbcRightsStoreContract extends RightsStoreContract {
    private final List<String> prefixes = new ArrayList<>();
    private DataSource dataSource;

    protected abstract Dialect dialect();

    @Override
    protected RightsStore createRightsStore() {
        dataSource = Databases.shared(dialect());
        String prefix = Databases.freshPrefix();
        prefixes.add(prefix);
        return JdbcStore.builder(dataSource).tablePrefix(prefix).build();
    }

    @AfterEach
    void dropTables() {
        for (String prefix : prefixes) {
            Databases.dropTables(dataSource, prefix);
        }
        prefixes.clear();
    }
}

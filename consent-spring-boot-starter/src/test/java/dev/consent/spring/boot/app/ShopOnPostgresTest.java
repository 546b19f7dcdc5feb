package dev.consent.spring.boot.app;

import dev.consent.spring.boot.StarterTestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.sql.SQLException;

/**
 * The shop on PostgreSQL ({@code CONSENT_PG_URL}); skipped when the server cannot be reached, failed on CI. The tables
 * of this run carry a random prefix and are dropped afterwards.
 */
@SpringBootTest(classes = ShopApplication.class)
class ShopOnPostgresTest extends ShopApplicationContract {
    private static final String PREFIX = StarterTestDatabases.freshPrefix();

    @BeforeAll
    static void requirePostgres() {
        StarterTestDatabases.requirePostgres();
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> StarterTestDatabases.PG_URL);
        registry.add("spring.sql.init.mode", () -> "always");
        ShopSweeps.properties(registry, PREFIX);
    }

    @AfterAll
    static void dropTables() throws SQLException {
        StarterTestDatabases.dropPostgresTables(PREFIX);
    }

    @Override
    String prefix() {
        return PREFIX;
    }
}

package dev.consent.spring.boot.app;

import dev.consent.spring.boot.StarterTestDatabases;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The shop on PostgreSQL ({@code CONSENT_PG_URL}); skipped when the server cannot be reached, failed on CI. The tables
 * of this run carry a random prefix and are dropped when the application closes, after the store and the consent
 * service (whose change-feed poller reads them) are gone.
 */
@SpringBootTest(classes = {ShopApplication.class, ShopOnPostgresTest.DropTablesLast.class})
@DirtiesContext
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

    @Override
    String prefix() {
        return PREFIX;
    }

    /** Drops this run's tables; the store depends on it, so it is destroyed after the store and its users. */
    @TestConfiguration(proxyBeanMethods = false)
    static class DropTablesLast {
        @Bean
        DisposableBean consentTablesDropper() {
            return () -> StarterTestDatabases.dropPostgresTables(PREFIX);
        }

        @Bean
        static BeanFactoryPostProcessor storeDependsOnDropper() {
            return factory -> factory.getBeanDefinition("consentStore").setDependsOn(
                    concat(factory.getBeanDefinition("consentStore").getDependsOn(), "consentTablesDropper"));
        }

        private static String[] concat(String[] names, String name) {
            String[] all = names == null ? new String[1] : java.util.Arrays.copyOf(names, names.length + 1);
            all[all.length - 1] = name;
            return all;
        }
    }
}

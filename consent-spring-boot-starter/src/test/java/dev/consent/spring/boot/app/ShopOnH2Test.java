package dev.consent.spring.boot.app;

import dev.consent.spring.boot.StarterTestDatabases;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The shop on an embedded H2 database of its own. */
@SpringBootTest(classes = ShopApplication.class)
class ShopOnH2Test extends ShopApplicationContract {
    private static final String PREFIX = StarterTestDatabases.freshPrefix();

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", StarterTestDatabases::newH2Url);
        ShopSweeps.properties(registry, PREFIX);
    }

    @Override
    String prefix() {
        return PREFIX;
    }
}

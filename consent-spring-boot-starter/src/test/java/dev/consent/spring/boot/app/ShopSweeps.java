package dev.consent.spring.boot.app;

import dev.consent.spring.boot.ConsentSweepScheduler;
import dev.consent.spring.boot.StarterTestDatabases;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The shop's properties, and one sweep run on request (the schedule's first run is an hour away). */
final class ShopSweeps {
    private ShopSweeps() {
    }

    static void properties(DynamicPropertyRegistry registry, String prefix) {
        registry.add("spring.sql.init.schema-locations", () -> "classpath:shop-schema.sql");
        registry.add("consent.policy", () -> "classpath:shop-policy.json");
        registry.add("consent.jdbc.table-prefix", () -> prefix);
        registry.add("consent.retention.reference-key.id", () -> "2026-01");
        registry.add("consent.retention.reference-key.secret", () -> StarterTestDatabases.SECRET);
        registry.add("consent.sweeper.enabled", () -> "true");
        registry.add("consent.sweeper.initial-delay", () -> "1h");
        registry.add("consent.sweeper.fixed-delay", () -> "1h");
    }

    static void runOnce(ConsentSweepScheduler scheduler) {
        StarterTestDatabases.runOnce(scheduler);
    }
}

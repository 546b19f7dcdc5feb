package dev.consent.retention;

import dev.consent.testing.TestKeys;

import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.store.InMemoryStore;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's "Connecting retention to your tables" is this code: the test fails if the two drift apart, or if the
 * code stops doing what its comments say (the email is erased two years after the last purchase; the orders, under
 * a ten-year legal minimum, are not).
 */
class ReadmeRetentionTest {
    /** Stands in for the shop's own database: records the statements the handlers run. */
    static final class ShopDb {
        final List<String> updates = new ArrayList<>();

        void update(String sql, String customerId) {
            updates.add(sql + " [" + customerId + "]");
        }
    }

    /** Stands in for the shop's secret store: keys live outside the database. */
    static final class Secrets {
        byte[] referenceKey() {
            return TestKeys.REFERENCE;
        }
    }

    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void theSectionRunsAndDoesWhatItSays() {
        MovableClock clock = new MovableClock(Instant.parse("2025-03-03T10:00:00Z"));
        InMemoryStore store = new InMemoryStore(clock);
        ShopDb shopDb = new ShopDb();
        SubjectId customer = SubjectId.of("customer-42");
        Instant orderPlacedAt = clock.instant();
        Secrets secrets = new Secrets();

        // retention:begin
        // The email goes 2 years after the last purchase; orders stay at least 10 years (tax law), then are anonymised.
        Policy policy = Policy.builder("my-shop", "2025-01")
                .effectiveFrom(LocalDate.of(2025, 1, 1))
                .zone(ZoneId.of("Europe/Berlin"))
                .category("contact.email", "Email address")
                .category("order.record", "Orders and invoices")
                .purpose(Purpose.builder("order.fulfilment").title("Deliver orders")
                        .basis(LegalBasis.CONTRACT).categories("order.record", "contact.email").build())
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE)
                        .period("P2Y").after(Anchor.LAST_TRANSACTION).build())
                .retention(RetentionRule.minimum("orders-10y", "order.record", "HGB § 257 (4)")
                        .period("P10Y").after(Anchor.LAST_TRANSACTION).build())
                .retention(RetentionRule.maximum("orders-anonymise", "order.record", DisposalAction.ANONYMIZE)
                        .period("P10Y").after(Anchor.LAST_TRANSACTION).build())
                .build();

        RetentionService retention = RetentionService.builder().policy(policy).store(store).clock(clock)
                .referenceKey("2026-01", secrets.referenceKey()) // HMAC key for tombstones and the audit
                .build();
        Sweeper sweeper = Sweeper.builder(retention)
                // Your own code deletes or anonymises your rows. It may be called more than once for an item
                // (at least once, after a crash), so it must be idempotent.
                .handler("contact.email", request -> shopDb.update(
                        "UPDATE customers SET email = NULL WHERE id = ?", request.item().subject().value()))
                .handler("order.record", request -> shopDb.update(
                        "UPDATE orders SET customer_id = NULL WHERE customer_id = ?", request.item().subject().value()))
                .build();

        // Every purchase moves the anchor, and with it the day each item falls due.
        retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION, orderPlacedAt);
        retention.recordAnchor(customer, "order.record", Anchor.LAST_TRANSACTION, orderPlacedAt);

        // A scheduled job, on every node (claims make that safe): a bounded batch every few minutes.
        SweepReport report = sweeper.sweep(1_000, Duration.ofSeconds(30));
        // retention:end

        assertThat(report.disposed()).as("nothing is due on the day of the purchase").isZero();
        clock.now = Instant.parse("2027-03-04T10:00:00Z");
        report = sweeper.sweep(1_000, Duration.ofSeconds(30));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(shopDb.updates).containsExactly("UPDATE customers SET email = NULL WHERE id = ? [customer-42]");
        assertThat(retention.verdict(ItemKey.of(customer, dev.consent.policy.CategoryId.of("order.record"))).status())
                .as("the orders stay: the legal minimum runs until 2035").isEqualTo(RetentionVerdict.Status.KEEP);
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/consent/retention/ReadmeRetentionTest.java"));
        String readme = Files.readString(Path.of("../README.md"));
        Matcher inSource = Pattern.compile("// retention:begin\\n(.*?)\\n\\s*// retention:end", Pattern.DOTALL)
                .matcher(source);
        assertThat(inSource.find()).isTrue();
        String code = inSource.group(1).stripIndent().strip();
        Matcher inReadme = Pattern.compile("<!-- retention:begin -->\\n```java\\n(.*?)\\n```\\n<!-- retention:end -->",
                Pattern.DOTALL).matcher(readme);
        assertThat(inReadme.find()).as("README.md has a retention block").isTrue();
        assertThat(inReadme.group(1).strip()).isEqualTo(code);
    }
}

package dev.consent.examples.seeds;

import dev.consent.ConsentService;
import dev.consent.UnknownPurposeException;
import dev.consent.examples.SeedPolicies;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRequest;
import dev.consent.retention.ErasureAnswer;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.RetentionVerdict;
import dev.consent.retention.SweepReport;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The retention promises of three of the seed privacy policies, each encoded as policy JSON. Moved here from
 * consent-core with the policies; the per-seed classes ({@code Seed000Sell4ServiceTest}, ...) go further.
 */
class SeedRetentionScenarioTest {
    private final MutableClock clock = MutableClock.at("2025-03-03T10:00:00Z");
    private final InMemoryStore store = new InMemoryStore();
    private final List<DisposalRequest> disposed = new ArrayList<>();
    private final SubjectId customer = SubjectId.of("customer-1");

    static Policy seed(String name) {
        return SeedPolicies.load(name);
    }

    /** A sweeper, with a recording handler for every category, over a new retention service of {@code policy}. */
    private Sweeper sweeper(Policy policy) {
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(policy).store(store).clock(clock).build();
        Sweeper.Builder b = Sweeper.builder(retention);
        policy.categories().forEach(c -> b.handler(c.id().value(), disposed::add));
        return b.build();
    }

    private Instant plus(String iso) {
        return clock.instant().atZone(java.time.ZoneOffset.UTC).plus(java.time.Period.parse(iso)).toInstant();
    }

    /** Seed 000 (Sell4Service): orders at least 2 years; email 2 years after the last transaction; logs 90 days. */
    @Nested
    class Sell4Service {
        private final Policy policy = seed(SeedPolicies.SELL4SERVICE);
        private final Sweeper sweeper = sweeper(policy);
        private final RetentionService retention = sweeper.retention();

        @Test
        void emailIsDeletedTwoYearsAfterTheLastTransactionAndALaterPurchasePushesItBack() {
            retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
            Instant firstDue = plus("P2Y");
            clock.advance(Duration.ofDays(200));
            retention.recordAnchor(customer, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
            Instant secondDue = plus("P2Y");

            clock.set(firstDue);
            assertThat(sweeper.sweep(100, Duration.ofSeconds(5)).disposed()).isZero();
            clock.set(secondDue);
            assertThat(sweeper.sweep(100, Duration.ofSeconds(5)).disposed()).isEqualTo(1);
            assertThat(disposed.get(0).action()).isEqualTo(DisposalAction.DELETE);
            assertThat(disposed.get(0).ruleId()).isEqualTo("email-2y");
        }

        @Test
        void ordersAreKeptAtLeastTwoYearsEvenAgainstErasureThenAnonymized() {
            retention.recordAnchor(customer, "order.record", Anchor.LAST_TRANSACTION, clock.instant());
            retention.recordAnchor(customer, "access.log", Anchor.COLLECTED, clock.instant());
            clock.advance(Duration.ofDays(30));
            ErasureAnswer answer = retention.requestErasure(customer);
            assertThat(answer.kept()).singleElement().satisfies(e -> {
                assertThat(e.item().category().value()).isEqualTo("order.record");
                assertThat(e.dueAt()).contains(Instant.parse("2027-03-03T10:00:00Z"));
                assertThat(e.ruleId()).contains("orders-min-2y");
            });
            sweeper.sweep(100, Duration.ofSeconds(5));
            assertThat(disposed).extracting(r -> r.item().category().value()).containsExactly("access.log");
        }

        @Test
        void accessLogsLast90DaysSupportOneYearSessionCookiesEndWithTheSession() {
            retention.recordAnchor(customer, "access.log", Anchor.COLLECTED, clock.instant());
            retention.recordAnchor(customer, "support.record", Anchor.COLLECTED, clock.instant());
            retention.recordAnchor(customer, "cookie.persistent", Anchor.COLLECTED, clock.instant());
            RetentionVerdict session = retention.recordAnchor(customer, "cookie.session", Anchor.SESSION_ENDED,
                    clock.instant());
            assertThat(session.status()).isEqualTo(RetentionVerdict.Status.DUE);

            clock.set(plus("P90D"));
            assertThat(retention.plan(clock.instant()).dueByCategory()).containsOnlyKeys("access.log", "cookie.session");
            clock.set(Instant.parse("2026-03-03T10:00:00Z"));
            assertThat(retention.plan(clock.instant()).dueByCategory())
                    .containsOnlyKeys("access.log", "cookie.session", "support.record", "cookie.persistent");
        }

        @Test
        void noProfilingPurposeExists() {
            ConsentService consents = ConsentService.builder().store(new InMemoryStore())
                    .policy(policy).clock(clock).build();
            assertThatThrownBy(() -> consents.check(customer, PurposeId.of("profiling")))
                    .isInstanceOf(UnknownPurposeException.class);
            assertThat(policy.purposes()).noneMatch(p -> p.id().value().contains("profil"));
        }
    }

    /** Seed 002: a periodic purge of inactive records that keeps transactions traceable (anonymized). */
    @Nested
    class GlobalMarketplace {
        private final Sweeper sweeper = sweeper(seed(SeedPolicies.GLOBAL_MARKETPLACE));
        private final RetentionService retention = sweeper.retention();

        @Test
        void inactiveRecordsArePurgedButTransactionsAreAnonymizedNotDeleted() {
            for (String category : List.of("account.profile", "order.record", "delivery.address")) {
                retention.recordAnchor(customer, category, Anchor.LAST_ACTIVITY, clock.instant());
            }
            clock.set(plus("P2Y"));
            SweepReport report = sweeper.sweep(100, Duration.ofSeconds(5));

            assertThat(report.disposed()).isEqualTo(3);
            assertThat(disposed).filteredOn(r -> r.item().category().value().equals("order.record")).singleElement()
                    .satisfies(r -> {
                        assertThat(r.action()).isEqualTo(DisposalAction.ANONYMIZE);
                        assertThat(r.ruleId()).isEqualTo("inactive-orders-traceable");
                    });
            assertThat(disposed).filteredOn(r -> !r.item().category().value().equals("order.record"))
                    .allMatch(r -> r.action() == DisposalAction.DELETE);
        }

        @Test
        void activityKeepsRecordsAlive() {
            retention.recordAnchor(customer, "account.profile", Anchor.LAST_ACTIVITY, clock.instant());
            clock.set(plus("P1Y"));
            retention.recordAnchor(customer, "account.profile", Anchor.LAST_ACTIVITY, clock.instant());
            clock.set(plus("P1Y"));
            assertThat(sweeper.sweep(100, Duration.ofSeconds(5)).disposed()).isZero();
        }
    }

    /** Seed 003: transactions at least 7 years (tax), accounts 6 months after cancellation, support 30 days. */
    @Nested
    class TaxCompliantShop {
        private final Sweeper sweeper = sweeper(seed(SeedPolicies.TAX_COMPLIANT_SHOP));
        private final RetentionService retention = sweeper.retention();

        @Test
        void transactionsAreKeptSevenYearsEvenAfterAnErasureRequestAndTheAnswerSaysWhy() {
            Instant purchase = clock.instant();
            retention.recordAnchor(customer, "transaction.record", Anchor.LAST_TRANSACTION, purchase);
            retention.recordAnchor(customer, "account.profile", Anchor.COLLECTED, purchase);
            retention.recordAnchor(customer, "contact.email", Anchor.COLLECTED, purchase);

            clock.advance(Duration.ofDays(10));
            ErasureAnswer answer = retention.requestErasure(customer);

            assertThat(answer.kept()).singleElement().satisfies(e -> {
                assertThat(e.item().category().value()).isEqualTo("transaction.record");
                assertThat(e.dueAt()).contains(Instant.parse("2032-03-03T10:00:00Z"));
                assertThat(e.legalReference()).hasValueSatisfying(r -> assertThat(r).contains("tax law"));
            });
            assertThat(answer.explain()).contains("transaction.record: kept until 2032-03-03T10:00:00Z");
            sweeper.sweep(100, Duration.ofSeconds(5));
            assertThat(disposed).extracting(r -> r.item().category().value())
                    .containsExactlyInAnyOrder("account.profile", "contact.email");

            clock.set(Instant.parse("2032-03-03T10:00:00Z"));
            sweeper.sweep(100, Duration.ofSeconds(5));
            assertThat(disposed).extracting(r -> r.item().category().value()).contains("transaction.record");
        }

        @Test
        void accountDataSixMonthsAfterCancellationSupportThirtyDaysAfterResolution() {
            Instant cancelled = Instant.parse("2025-08-31T12:00:00Z");
            RetentionVerdict account = retention.recordAnchor(customer, "account.profile", Anchor.ACCOUNT_CLOSED, cancelled);
            // 14:00 in Berlin (summer time) plus six months: 28 Feb (no 31st) at 14:00 winter time, 13:00 UTC
            assertThat(account.dueAt()).contains(Instant.parse("2026-02-28T13:00:00Z"));
            RetentionVerdict ticket = retention.recordAnchor(customer, "support.record", Anchor.TICKET_RESOLVED,
                    Instant.parse("2025-03-30T08:00:00Z"));
            assertThat(ticket.dueAt()).contains(Instant.parse("2025-04-29T08:00:00Z"));
        }
    }
}

package dev.consent.retention;

import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.testing.RetentionPolicy;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static dev.consent.retention.RetentionVerdict.Role;
import static dev.consent.retention.RetentionVerdict.Status;
import static org.assertj.core.api.Assertions.assertThat;

/** One test per principle of retention, their combinations, and the calendar edge cases. */
class RetentionEngineTest {
    private final RetentionEngine engine = new RetentionEngine(RetentionPolicy.policy());
    private final SubjectId alice = SubjectId.of("alice");

    private static Instant berlin(int y, int m, int d, int h, int min) {
        return ZonedDateTime.of(LocalDateTime.of(y, m, d, h, min), RetentionPolicy.ZONE).toInstant();
    }

    private ItemKey item(String category) {
        return ItemKey.of(alice, CategoryId.of(category));
    }

    private static Role roleOf(RetentionVerdict v, String ruleId) {
        return v.rules().stream().filter(r -> r.ruleId().equals(ruleId)).findFirst().orElseThrow().role();
    }

    private static LegalHold hold(String id, SubjectId s, Instant placed, Optional<LegalHold.Release> release,
            String... categories) {
        Set<CategoryId> cats = new java.util.TreeSet<>();
        for (String c : categories) {
            cats.add(CategoryId.of(c));
        }
        return new LegalHold(id, s, cats, "litigation 4 O 123/25", "legal@shop", placed, release);
    }

    @Test
    void principle1_aLegalHoldBeatsEverything() {
        Instant purchase = berlin(2020, 5, 1, 12, 0);
        ItemFacts facts = ItemFacts.of(item("contact.email"), Map.of(Anchor.LAST_TRANSACTION, purchase))
                .withErasureRequestedAt(berlin(2021, 1, 1, 0, 0))
                .withHolds(List.of(hold("h1", alice, berlin(2020, 6, 1, 0, 0), Optional.empty())));
        Instant at = berlin(2025, 1, 1, 0, 0);

        RetentionVerdict v = engine.evaluate(facts, at);

        assertThat(v.status()).isEqualTo(Status.HELD);
        assertThat(v.holds()).containsExactly("h1");
        assertThat(v.dueAt()).contains(berlin(2021, 1, 1, 0, 0)); // what would apply without the hold
        assertThat(v.restrictProcessing()).isTrue();
        assertThat(v.explain()).contains("HELD", "h1");
    }

    @Test
    void principle1_aHoldOnOtherCategoriesOrReleasedOrOfAnotherSubjectDoesNotHold() {
        Instant purchase = berlin(2020, 5, 1, 12, 0);
        Instant at = berlin(2025, 1, 1, 0, 0);
        List<LegalHold> holds = List.of(
                hold("orders-only", alice, purchase, Optional.empty(), "order.record"),
                hold("released", alice, purchase, Optional.of(new LegalHold.Release("legal@shop", "settled",
                        berlin(2022, 1, 1, 0, 0)))),
                hold("bob", SubjectId.of("bob"), purchase, Optional.empty()),
                hold("future", alice, berlin(2026, 1, 1, 0, 0), Optional.empty()));
        ItemFacts facts = ItemFacts.of(item("contact.email"), Map.of(Anchor.LAST_TRANSACTION, purchase)).withHolds(holds);

        assertThat(engine.evaluate(facts, at).status()).isEqualTo(Status.DUE);
        assertThat(engine.evaluate(facts, berlin(2021, 6, 1, 0, 0)).status()).isEqualTo(Status.HELD); // before release
    }

    @Test
    void principle2_aRunningMinimumBlocksErasureAndDisposal() {
        Instant lastPurchase = berlin(2020, 3, 10, 15, 0);
        Instant erasure = berlin(2024, 2, 1, 9, 0);
        ItemFacts facts = ItemFacts.of(item("order.record"),
                Map.of(Anchor.LAST_TRANSACTION, lastPurchase, Anchor.COLLECTED, lastPurchase))
                .withErasureRequestedAt(erasure);

        RetentionVerdict v = engine.evaluate(facts, erasure);

        // 7 years counted from the end of 2020 (AO §147(4)): the start of 2028 in Berlin
        assertThat(v.status()).isEqualTo(Status.KEEP);
        assertThat(v.dueAt()).contains(berlin(2028, 1, 1, 0, 0));
        assertThat(v.decidingRule()).contains("orders-tax-7y");
        assertThat(v.restrictProcessing()).isTrue();
        assertThat(roleOf(v, "orders-tax-7y")).isEqualTo(Role.BLOCKS_DISPOSAL);

        RetentionVerdict after = engine.evaluate(facts, berlin(2028, 1, 1, 0, 0));
        assertThat(after.status()).isEqualTo(Status.DUE);
        assertThat(after.action()).contains(DisposalAction.DELETE);
        assertThat(after.decidingRule()).contains(RetentionVerdict.ERASURE_REQUEST);
    }

    @Test
    void principle3_amongMinimumsTheLongestWins() {
        Instant purchase = berlin(2020, 3, 10, 15, 0);
        ItemFacts facts = ItemFacts.of(item("order.record"),
                Map.of(Anchor.LAST_TRANSACTION, purchase, Anchor.COLLECTED, purchase)).withErasureRequestedAt(purchase);

        RetentionVerdict v = engine.evaluate(facts, berlin(2023, 1, 1, 0, 0));

        assertThat(v.dueAt()).contains(berlin(2028, 1, 1, 0, 0));
        assertThat(roleOf(v, "orders-warranty-2y")).isEqualTo(Role.SHORTER_MINIMUM);
        assertThat(roleOf(v, "orders-tax-7y")).isEqualTo(Role.BLOCKS_DISPOSAL);
    }

    @Test
    void principle4_aRuleForThePurposeBeatsTheCategoryDefault() {
        Instant purchase = berlin(2024, 1, 10, 12, 0);
        Instant withdrawn = berlin(2024, 6, 1, 12, 0);
        ItemKey newsletterEmail = ItemKey.of(alice, CategoryId.of("contact.email"), PurposeId.of("marketing.email"));
        ItemFacts facts = ItemFacts.of(newsletterEmail,
                Map.of(Anchor.LAST_TRANSACTION, purchase, Anchor.CONSENT_WITHDRAWN, withdrawn));

        RetentionVerdict v = engine.evaluate(facts, withdrawn);

        assertThat(v.dueAt()).contains(berlin(2024, 7, 1, 12, 0));
        assertThat(v.decidingRule()).contains("newsletter-30d");
        assertThat(roleOf(v, "email-2y")).isEqualTo(Role.OUTRANKED_BY_EXPLICIT);

        // the same address held for orders follows the category default
        RetentionVerdict orders = engine.evaluate(ItemFacts.of(item("contact.email"),
                Map.of(Anchor.LAST_TRANSACTION, purchase, Anchor.CONSENT_WITHDRAWN, withdrawn)), withdrawn);
        assertThat(orders.decidingRule()).contains("email-2y");
        assertThat(orders.rules()).extracting(RetentionVerdict.RuleOutcome::ruleId).containsExactly("email-2y");
    }

    @Test
    void principle5_amongMaximumsTheEarliestWins() {
        Instant opened = berlin(2024, 1, 1, 9, 0);
        Instant resolved = berlin(2024, 2, 1, 9, 0);
        ItemFacts facts = ItemFacts.of(item("support.ticket"),
                Map.of(Anchor.COLLECTED, opened, Anchor.TICKET_RESOLVED, resolved));

        RetentionVerdict v = engine.evaluate(facts, resolved);

        assertThat(v.dueAt()).contains(berlin(2024, 3, 2, 9, 0)); // 30 days after resolution
        assertThat(v.decidingRule()).contains("tickets-30d");
        assertThat(roleOf(v, "tickets-1y")).isEqualTo(Role.LATER_MAXIMUM);
    }

    @Test
    void principle6_erasureMakesDueAtOnce() {
        Instant purchase = berlin(2025, 1, 10, 12, 0);
        Instant erasure = berlin(2025, 2, 1, 8, 0);
        ItemFacts facts = ItemFacts.of(item("contact.email"), Map.of(Anchor.LAST_TRANSACTION, purchase))
                .withErasureRequestedAt(erasure);

        RetentionVerdict v = engine.evaluate(facts, erasure);

        assertThat(v.status()).isEqualTo(Status.DUE);
        assertThat(v.dueAt()).contains(erasure);
        assertThat(v.action()).contains(DisposalAction.DELETE);
        assertThat(v.decidingRule()).contains(RetentionVerdict.ERASURE_REQUEST);
        assertThat(roleOf(v, "email-2y")).isEqualTo(Role.SUPERSEDED_BY_ERASURE);
        assertThat(engine.evaluate(facts, erasure.minusSeconds(1)).status()).isEqualTo(Status.KEEP);
    }

    @Test
    void principle6_erasureWithoutAnyRuleStillErases() {
        Instant erasure = berlin(2025, 2, 1, 8, 0);
        ItemFacts facts = ItemFacts.of(item("device.id"), Map.of()).withErasureRequestedAt(erasure);
        assertThat(engine.evaluate(facts, erasure).status()).isEqualTo(Status.DUE);
    }

    @Test
    void principle7_deleteWinsOverAnonymizeFallingDueTogether() {
        Instant collected = berlin(2025, 1, 1, 12, 0);
        RetentionVerdict v = engine.evaluate(ItemFacts.of(item("access.log"), Map.of(Anchor.COLLECTED, collected)),
                berlin(2025, 6, 1, 0, 0));

        assertThat(v.action()).contains(DisposalAction.DELETE);
        assertThat(v.decidingRule()).contains("logs-90d");
        assertThat(roleOf(v, "logs-anonymize-90d")).isEqualTo(Role.ACTION_YIELDS);
    }

    @Test
    void principle7_unlessTheAnonymizeRuleOverridesIt() {
        Instant closed = berlin(2025, 1, 15, 12, 0);
        RetentionVerdict v = engine.evaluate(ItemFacts.of(item("account.profile"), Map.of(Anchor.ACCOUNT_CLOSED, closed)),
                berlin(2025, 8, 1, 0, 0));

        assertThat(v.status()).isEqualTo(Status.DUE);
        assertThat(v.dueAt()).contains(berlin(2025, 7, 15, 12, 0));
        assertThat(v.action()).contains(DisposalAction.ANONYMIZE);
        assertThat(roleOf(v, "profile-delete-6m")).isEqualTo(Role.ACTION_YIELDS);
    }

    @Test
    void combined_holdThenMinimumThenErasure() {
        Instant purchase = berlin(2020, 3, 10, 15, 0);
        Instant erasure = berlin(2021, 1, 5, 10, 0);
        LegalHold h = hold("audit", alice, erasure, Optional.of(new LegalHold.Release("legal@shop", "closed",
                berlin(2030, 1, 1, 0, 0))), "order.record");
        ItemFacts facts = ItemFacts.of(item("order.record"),
                Map.of(Anchor.LAST_TRANSACTION, purchase, Anchor.COLLECTED, purchase))
                .withErasureRequestedAt(erasure).withHolds(List.of(h));

        assertThat(engine.evaluate(facts, berlin(2025, 1, 1, 0, 0)).status()).isEqualTo(Status.HELD);
        assertThat(engine.evaluate(facts, berlin(2029, 12, 31, 23, 0)).status()).isEqualTo(Status.HELD);
        RetentionVerdict released = engine.evaluate(facts, berlin(2030, 1, 1, 0, 0));
        assertThat(released.status()).isEqualTo(Status.DUE);
        assertThat(released.dueAt()).contains(berlin(2028, 1, 1, 0, 0)); // minimum ended, erasure then applied
    }

    @Test
    void combined_aMaximumEndingBeforeTheMinimumWaitsForIt() {
        // an anonymisation maximum shorter than the tax minimum would be a policy mistake; the minimum still wins
        Instant purchase = berlin(2020, 3, 10, 15, 0);
        ItemFacts facts = ItemFacts.of(item("order.record"), Map.of(Anchor.LAST_TRANSACTION, purchase));
        RetentionVerdict before = engine.evaluate(facts, berlin(2029, 1, 1, 0, 0));
        assertThat(before.status()).isEqualTo(Status.KEEP);
        assertThat(before.dueAt()).contains(berlin(2030, 3, 10, 15, 0));
        assertThat(before.decidingRule()).contains("orders-10y");
        assertThat(roleOf(before, "orders-tax-7y")).isEqualTo(Role.MINIMUM_ENDED);
    }

    @Test
    void notStartedWhenNoAnchorHappenedAndNoRuleWhenNoneApplies() {
        RetentionVerdict tickets = engine.evaluate(ItemFacts.of(item("support.ticket"), Map.of()), Instant.now());
        assertThat(tickets.status()).isEqualTo(Status.NOT_STARTED);
        assertThat(tickets.rules()).extracting(RetentionVerdict.RuleOutcome::role).containsOnly(Role.NOT_STARTED);
        assertThat(tickets.explain()).contains("never happened");

        RetentionVerdict devices = engine.evaluate(ItemFacts.of(item("device.id"),
                Map.of(Anchor.COLLECTED, Instant.parse("2020-01-01T00:00:00Z"))), Instant.now());
        assertThat(devices.status()).isEqualTo(Status.NO_RULE);
    }

    @Test
    void aMinimumAloneKeepsUntilItEnds() {
        Instant collected = berlin(2024, 5, 5, 5, 5);
        ItemFacts facts = ItemFacts.of(item("order.record"), Map.of(Anchor.COLLECTED, collected));
        RetentionVerdict v = engine.evaluate(facts, collected);
        assertThat(v.status()).isEqualTo(Status.NOT_STARTED); // the anonymisation maximum has not started
        assertThat(v.dueAt()).as("nothing falls due: no maximum has started").isEmpty();
        assertThat(v.keptAtLeastUntil()).contains(berlin(2026, 5, 5, 5, 5));
        assertThat(engine.evaluate(facts, berlin(2026, 5, 5, 5, 5)).keptAtLeastUntil()).as("the minimum has ended")
                .isEmpty();
        assertThat(v.decidingRule()).contains("orders-warranty-2y");
    }

    @Test
    void aLaterPurchasePushesTheDueDateBack() {
        Instant first = berlin(2022, 4, 1, 10, 0);
        Instant second = berlin(2023, 9, 1, 10, 0);
        ItemFacts before = ItemFacts.of(item("contact.email"), Map.of(Anchor.LAST_TRANSACTION, first));
        ItemFacts after = ItemFacts.of(item("contact.email"), Map.of(Anchor.LAST_TRANSACTION, second));
        assertThat(engine.evaluate(before, second).dueAt()).contains(berlin(2024, 4, 1, 10, 0));
        assertThat(engine.evaluate(after, second).dueAt()).contains(berlin(2025, 9, 1, 10, 0));
    }

    @Test
    void theDueInstantIsExactToTheMicrosecond() {
        Instant collected = berlin(2025, 1, 1, 12, 0);
        ItemFacts facts = ItemFacts.of(item("access.log"), Map.of(Anchor.COLLECTED, collected));
        Instant due = berlin(2025, 4, 1, 12, 0);
        assertThat(engine.evaluate(facts, due.minusNanos(1000)).status()).isEqualTo(Status.KEEP);
        assertThat(engine.evaluate(facts, due).status()).isEqualTo(Status.DUE);
    }

    @Test
    void calendarPeriodsKeepTheWallClockTimeAcrossDaylightSavingTime() {
        // collected in winter (UTC+1), 90 days later is summer time (UTC+2): same local 12:00, one hour less in UTC
        Instant collected = Instant.parse("2025-01-01T11:00:00Z");
        RetentionVerdict v = engine.evaluate(ItemFacts.of(item("access.log"), Map.of(Anchor.COLLECTED, collected)),
                collected);
        assertThat(v.dueAt()).contains(Instant.parse("2025-04-01T10:00:00Z"));
    }

    @Test
    void anAnchorOn29FebruaryEndsOn28FebruaryInAYearWithoutOne() {
        Instant leapDay = berlin(2024, 2, 29, 10, 0);
        RetentionVerdict v = engine.evaluate(ItemFacts.of(item("contact.email"),
                Map.of(Anchor.LAST_TRANSACTION, leapDay)), leapDay);
        assertThat(v.dueAt()).contains(berlin(2026, 2, 28, 10, 0));
        RetentionVerdict fourYears = engine.evaluate(ItemFacts.of(item("order.record"),
                Map.of(Anchor.LAST_TRANSACTION, berlin(2018, 2, 28, 10, 0))), leapDay);
        assertThat(fourYears.dueAt()).contains(berlin(2028, 2, 28, 10, 0)); // the 10-year anonymisation maximum decides
    }

    @Test
    void countingFromTheEndOfTheYearStartsAtTheNextNewYearInThePolicyZone() {
        // 31 Dec 23:30 in Berlin is still 2020 there, though already 2021 in no zone west of it
        Instant lateNewYearsEve = berlin(2020, 12, 31, 23, 30);
        assertThat(CountFrom.END_OF_YEAR.start(lateNewYearsEve, RetentionPolicy.ZONE)).isEqualTo(berlin(2021, 1, 1, 0, 0));
        assertThat(CountFrom.END_OF_MONTH.start(lateNewYearsEve, RetentionPolicy.ZONE)).isEqualTo(berlin(2021, 1, 1, 0, 0));
        assertThat(CountFrom.END_OF_DAY.start(berlin(2024, 2, 28, 8, 0), RetentionPolicy.ZONE))
                .isEqualTo(berlin(2024, 2, 29, 0, 0));
    }

    @Test
    void theDefaultZoneOfTheJvmDoesNotMatter() {
        // surefire runs with America/Sao_Paulo; the policy zone alone decides
        assertThat(java.util.TimeZone.getDefault().getID()).isNotEqualTo("Europe/Berlin");
        Instant purchase = berlin(2020, 12, 31, 23, 30);
        RetentionVerdict v = engine.evaluate(ItemFacts.of(item("order.record"),
                Map.of(Anchor.LAST_TRANSACTION, purchase)).withErasureRequestedAt(purchase), purchase);
        assertThat(v.dueAt()).contains(berlin(2028, 1, 1, 0, 0));
    }
}

package dev.consent.retention;

import dev.consent.testing.TestKeys;

import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The items no rule has due, which no sweep reaches on its own: the dry run lists them with the reason instead of
 * skipping them, within bounded memory, and the service lists them on their own (GDPR Art. 5(1)(e), Art. 5(2),
 * Art. 30(1)(f)). And the answer to an erasure of a subject of whom none is known says so (Art. 17(1), Art. 12(4)).
 */
class UnscheduledItemsTest {
    private static final Instant T0 = Instant.parse("2025-01-10T09:00:00Z");
    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryStore store = new InMemoryStore();
    private final List<DisposalRequest> disposed = new ArrayList<>();
    private final RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy())
            .store(store).clock(clock).build();
    private final Sweeper sweeper = Sweeper.builder(retention).handler("order.record", disposed::add).handler("access.log", disposed::add)
            .handler("account.profile", disposed::add).build();

    @Test
    void thePlanCountsEveryUnscheduledItemButKeepsAtMostAHundredVerdicts() {
        for (int i = 0; i < 1_203; i++) {
            // accounts never closed: their profiles wait for account_closed
            retention.recordAnchor(SubjectId.of(String.format("cust-%05d", i)), "account.profile", Anchor.COLLECTED, T0);
        }
        for (int i = 0; i < 3; i++) {
            retention.recordAnchor(SubjectId.of("cust-" + i), "device.id", Anchor.COLLECTED, T0);
        }
        retention.recordAnchor(SubjectId.of("cust-00001"), "access.log", Anchor.COLLECTED, T0);
        clock.advance(Duration.ofDays(365));

        DisposalPlan plan = retention.plan(clock.instant());

        assertThat(plan.due()).isEqualTo(1);
        assertThat(plan.items()).hasSize(1);
        assertThat(plan.notStarted()).isEqualTo(1_203);
        assertThat(plan.noRule()).isEqualTo(3);
        assertThat(plan.unscheduled().total()).isEqualTo(1_206);
        assertThat(plan.unscheduled().byCategory()).containsOnly(Map.entry("account.profile", 1_203L),
                Map.entry("device.id", 3L));
        assertThat(plan.unscheduled().sample()).hasSize(DisposalPlan.UNSCHEDULED_SAMPLE);
        assertThat(plan.unscheduled().complete()).isFalse();
        assertThat(plan.unscheduled().sample()).extracting(RetentionVerdict::item).isSorted();

        // listed on their own, page by page, every one of them
        List<RetentionVerdict> all = new ArrayList<>();
        List<RetentionVerdict> page = retention.unscheduled(clock.instant(), 250);
        while (true) {
            all.addAll(page);
            if (page.size() < 250) {
                break;
            }
            page = retention.unscheduled(clock.instant(), page.get(page.size() - 1).item(), 250);
        }
        assertThat(all).hasSize(1_206).extracting(RetentionVerdict::item).isSorted().doesNotHaveDuplicates();
        assertThat(all).filteredOn(v -> v.status() == RetentionVerdict.Status.NO_RULE).hasSize(3);
        assertThatThrownBy(() -> retention.unscheduled(clock.instant(), 0))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("limit");
    }

    /**
     * An order record with only its warranty minimum started (its maximum counts from a last transaction that never
     * came) is NOT_STARTED while the minimum runs and after it ends: nothing ever falls due, so it is not in the due
     * index, the plan lists it with the minimum's end, and the sweep never claims it.
     */
    @Test
    void anItemWhoseOnlyStartedRuleIsAMinimumIsListedAndNeverClaimed() {
        ItemKey order = ItemKey.of("alice", "order.record");
        RetentionVerdict v = retention.recordAnchor(order, Anchor.COLLECTED, T0);
        assertThat(v.status()).isEqualTo(RetentionVerdict.Status.NOT_STARTED);
        assertThat(v.reason()).isEqualTo("no maximum rule has started: waiting for last_transaction (rule orders-10y),"
                + " which never happened; minimum rule orders-warranty-2y keeps it at least until 2027-01-10T09:00:00Z");
        assertThat(store.item(order).orElseThrow().dueAt()).isEmpty();
        assertThat(retention.plan(clock.instant()).notStarted()).isEqualTo(1);

        clock.advance(Duration.ofDays(3 * 365));
        DisposalPlan plan = retention.plan(clock.instant());
        assertThat(plan.due()).isZero();
        assertThat(plan.notStarted()).isEqualTo(1);
        SweepReport report = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(report.claimed()).isZero();
        assertThat(retention.disposals(0, 10)).isEmpty();
    }

    /**
     * An item indexed before this version at its minimum's end is still in the due index; once that end has passed,
     * the plan reports it as NOT_STARTED instead of dropping it, and {@code reindexAll} takes it out of the due index.
     */
    @Test
    void anItemStillInTheDueIndexThatNoRuleHasDueIsReportedAndReindexedOut() {
        ItemKey order = ItemKey.of("bob", "order.record");
        Instant warrantyEnds = Instant.parse("2027-01-10T09:00:00Z");
        store.saveItem(RetainedItem.create(order).withAnchors(Map.of(Anchor.COLLECTED, T0))
                .withDue(warrantyEnds));
        clock.set(warrantyEnds.plus(Duration.ofDays(1)));

        DisposalPlan plan = retention.plan(clock.instant());

        assertThat(plan.due()).isZero();
        assertThat(plan.items()).isEmpty();
        assertThat(plan.notStarted()).isEqualTo(1);
        assertThat(plan.unscheduled().sample()).singleElement()
                .satisfies(u -> assertThat(u.item()).isEqualTo(order));
        assertThat(retention.reindexAll()).isEqualTo(1);
        assertThat(store.undatedItems(10)).extracting(RetainedItem::key).containsExactly(order);
        assertThat(retention.reindexAll()).isZero();
        assertThat(retention.plan(clock.instant()).notStarted()).isEqualTo(1);
    }

    @Test
    void everyVerdictSaysWhyInOneLineWithoutTheSubject() {
        SubjectId carol = SubjectId.of("carol");
        RetentionVerdict keep = retention.recordAnchor(carol, "access.log", Anchor.COLLECTED, T0);
        assertThat(keep.reason()).isEqualTo("kept until 2025-04-10T08:00:00Z, decided by logs-90d, then DELETE");
        clock.advance(Duration.ofDays(100));
        RetentionVerdict due = retention.verdict(ItemKey.of(carol, CategoryId.of("access.log")));
        assertThat(due.reason()).isEqualTo("due since 2025-04-10T08:00:00Z, decided by logs-90d: DELETE");
        LegalHold hold = retention.placeHold(carol, Set.of(), "audit", "legal");
        RetentionVerdict held = retention.verdict(ItemKey.of(carol, CategoryId.of("access.log")));
        assertThat(held.reason()).isEqualTo("held by legal hold " + hold.id() + "; otherwise due 2025-04-10T08:00:00Z");
        RetentionVerdict gap = retention.recordAnchor(carol, "device.id", Anchor.COLLECTED, T0);
        assertThat(gap.reason()).isEqualTo("held by legal hold " + hold.id());
        retention.releaseHold(hold.id(), "legal", "audit over");
        assertThat(retention.verdict(ItemKey.of(carol, CategoryId.of("device.id"))).reason())
                .isEqualTo("no maximum retention rule covers device.id in policy version 7: a gap in the policy");
        for (RetentionVerdict v : List.of(keep, due, held, gap)) {
            assertThat(v.reason()).doesNotContain("carol");
        }
    }

    @Test
    void anErasureOfASubjectOfWhomNothingIsKnownSaysSo() {
        ErasureAnswer answer = retention.requestErasure(SubjectId.of("legacy-42"));

        assertThat(answer.nothingKnown()).isTrue();
        assertThat(answer.entries()).isEmpty();
        assertThat(answer.explain()).isEqualTo("Erasure requested at " + T0 + ": no retained item of this subject is"
                + " known to the retention records (none was recorded, or all were disposed of before), so none was"
                + " erased through them. Data the shop holds outside those records must be found and erased by the"
                + " shop itself.");
        assertThat(retention.wasErased(SubjectId.of("legacy-42"))).isTrue();

        retention.recordAnchor(SubjectId.of("dora"), "access.log", Anchor.COLLECTED, T0);
        ErasureAnswer known = retention.requestErasure(SubjectId.of("dora"));
        assertThat(known.nothingKnown()).isFalse();
        // nothing was disposed of yet: the answer says due, since when, and left to the next sweep, never "erased"
        assertThat(known.explain()).contains("access.log: due since " + T0 + ", not yet erased: the next retention"
                + " sweep erases it").doesNotContain("no retained item").doesNotContain("access.log: erased");
    }
}

package dev.consent.store;

import dev.consent.testing.TestKeys;

import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.store.Claim;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.ReferenceKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.DisposalPlan;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.RetentionVerdict;
import dev.consent.retention.Tombstone;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The behaviour every {@link RetentionStore} must have. Published in consent-core's test-jar. */
public abstract class RetentionStoreContract {
    protected static final Instant T0 = Instant.parse("2025-03-01T10:15:30.123456Z");
    /** The key the audit entries and tombstones of these tests are made with. */
    protected static final ReferenceKey KEY = ReferenceKey.of("contract",
            "contract-test-key-16".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    protected RetentionStore store;

    /** A new, empty store. Called before every test. */
    protected abstract RetentionStore createRetentionStore();

    /**
     * Makes {@code d} pass on the clock the store judges leases by, and on no other: a store on a real clock (a
     * database's) may instead move every stored lease end back by {@code d}, which leases cannot tell apart. The
     * instants the tests pass as {@code now} are another clock, the callers', and do not move with it.
     */
    protected abstract void passLeaseTime(Duration d);

    @BeforeEach
    void freshStore() {
        store = createRetentionStore();
    }

    protected static ItemKey key(String subject, String category) {
        return ItemKey.of(subject, category);
    }

    protected static RetainedItem due(ItemKey key, Instant dueAt) {
        return RetainedItem.create(key).withAnchors(Map.of(Anchor.COLLECTED, dueAt.minusSeconds(86_400)))
                .withDue(dueAt);
    }

    private static DisposalRecord audit(Claim c, DisposalRecord.Outcome outcome) {
        return new DisposalRecord(0, T0, KEY.itemReference(c.item().key()), c.item().key().category().value(),
                c.item().key().purposeKey(), "rule-1", "7", Optional.of(Anchor.COLLECTED), Optional.of(T0), T0,
                DisposalAction.DELETE, outcome, c.attempt(), "key-" + KEY.itemReference(c.item().key()), c.owner(),
                outcome == DisposalRecord.Outcome.FAILED ? Optional.of("java.io.IOException") : Optional.empty());
    }

    /** One finished attempt, recorded through {@link RetentionStore#finishClaims} alone; its answer. */
    protected final boolean finishOne(Claim claim, RetainedItem updated, DisposalRecord audit) {
        return store.finishClaims(List.of(new RetentionStore.FinishedAttempt(claim, updated, audit))).get(0);
    }

    @Test
    void itemsRoundTripWithOptimisticVersions() {
        ItemKey k = ItemKey.of(SubjectId.of("alice \u05e9'; --"), CategoryId.of("contact.email"),
                PurposeId.of("marketing.email"));
        RetainedItem item = RetainedItem.create(k)
                .withAnchors(Map.of(Anchor.LAST_TRANSACTION, T0, Anchor.of("host.defined"), T0.plusNanos(1000)))
                .withErasureRequestedAt(T0.plusSeconds(5)).withDue(T0.plusSeconds(10))
                .withRetry(2, T0.plusSeconds(60));

        assertThat(store.saveItem(item)).isTrue();
        RetainedItem stored = store.item(k).orElseThrow();
        assertThat(stored).isEqualTo(item.nextVersion());
        assertThat(store.saveItem(item)).as("a stale version is refused").isFalse();
        assertThat(store.saveItem(stored.withoutDue())).isTrue();
        assertThat(store.item(k).orElseThrow().version()).isEqualTo(2);
        assertThat(store.item(k).orElseThrow().dueAt()).isEmpty();
        assertThat(store.item(key("nobody", "contact.email"))).isEmpty();
    }

    @Test
    void itemsOfASubjectAreListedInKeyOrder() {
        store.saveItem(RetainedItem.create(key("alice", "order.record")));
        store.saveItem(RetainedItem.create(key("alice", "contact.email")));
        store.saveItem(RetainedItem.create(ItemKey.of(SubjectId.of("alice"), CategoryId.of("contact.email"),
                PurposeId.of("marketing.email"))));
        store.saveItem(RetainedItem.create(key("bob", "contact.email")));

        assertThat(store.items(SubjectId.of("alice"))).extracting(RetainedItem::key).containsExactly(
                key("alice", "contact.email"),
                ItemKey.of(SubjectId.of("alice"), CategoryId.of("contact.email"), PurposeId.of("marketing.email")),
                key("alice", "order.record"));
    }

    @Test
    void allItemsArePagedInKeyOrder() {
        for (int i = 0; i < 23; i++) {
            store.saveItem(RetainedItem.create(key("s" + (i % 7), "c" + (i / 7) + ".x")));
        }
        List<RetainedItem> all = new ArrayList<>();
        Optional<ItemKey> after = Optional.empty();
        while (true) {
            List<RetainedItem> page = after.isPresent() ? store.allItemsAfter(after.get(), 5) : store.allItems(5);
            all.addAll(page);
            if (page.size() < 5) {
                break;
            }
            after = Optional.of(page.get(page.size() - 1).key());
        }
        assertThat(all).hasSize(23).extracting(RetainedItem::key).isSorted().doesNotHaveDuplicates();
    }

    @Test
    void dueItemsArePagedInDueThenKeyOrder() {
        for (int i = 0; i < 30; i++) {
            store.saveItem(due(key("s" + (char) ('a' + i % 26) + i, "access.log"), T0.plusSeconds(i % 3)));
        }
        store.saveItem(due(key("late", "access.log"), T0.plusSeconds(3600)));
        store.saveItem(RetainedItem.create(key("never", "access.log")));
        store.saveItem(due(key("gone", "access.log"), T0).withState(RetainedItem.State.DISPOSED));

        List<RetainedItem> all = new ArrayList<>();
        Optional<RetentionStore.DueCursor> cursor = Optional.empty();
        while (true) {
            List<RetainedItem> page = cursor.isPresent() ? store.dueItemsAfter(T0.plusSeconds(60), cursor.get(), 7)
                    : store.dueItems(T0.plusSeconds(60), 7);
            all.addAll(page);
            if (page.size() < 7) {
                break;
            }
            RetainedItem last = page.get(page.size() - 1);
            cursor = Optional.of(new RetentionStore.DueCursor(last.dueAt().orElseThrow(), last.key()));
        }
        assertThat(all).hasSize(30);
        assertThat(all).extracting(i -> i.dueAt().orElseThrow()).isSorted();
        for (int i = 1; i < all.size(); i++) {
            if (all.get(i).dueAt().equals(all.get(i - 1).dueAt())) {
                assertThat(all.get(i).key()).isGreaterThan(all.get(i - 1).key());
            }
        }
    }

    /**
     * The planner reads the active items without a due instant (no rule has them due) in key order, a keyset page at a
     * time, and nothing else: not dated items, not disposed ones (GDPR Art. 5(2), Art. 30(1)(f): the dry run lists
     * what no sweep will reach instead of skipping it).
     */
    @Test
    void undatedActiveItemsArePagedInKeyOrderAndNothingElse() {
        List<ItemKey> undated = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            ItemKey k = i % 4 == 3
                    ? ItemKey.of(SubjectId.of("u" + (i % 5)), CategoryId.of("contact.email"), PurposeId.of("p" + i))
                    : key("u" + (i % 5), "c" + i + ".x");
            store.saveItem(RetainedItem.create(k).withAnchors(Map.of(Anchor.COLLECTED, T0)));
            undated.add(k);
        }
        store.saveItem(due(key("u1", "dated.x"), T0));
        store.saveItem(due(key("u2", "later.x"), T0.plusSeconds(86_400 * 400)));
        store.saveItem(RetainedItem.create(key("u3", "gone.x")).withState(RetainedItem.State.DISPOSED));
        store.saveItem(due(key("u4", "gone.x"), T0).withState(RetainedItem.State.DISPOSED));
        Collections.sort(undated);

        assertThat(pagedUndated(4)).extracting(RetainedItem::key).containsExactlyElementsOf(undated);
        assertThat(pagedUndated(100)).extracting(RetainedItem::key).containsExactlyElementsOf(undated);
        assertThat(store.undatedItemsAfter(undated.get(16), 5)).isEmpty();
        assertThat(store.undatedItems(1)).singleElement()
                .satisfies(i -> assertThat(i).isEqualTo(store.item(undated.get(0)).orElseThrow()));

        // an item leaves the list when it gets a due instant or is disposed of, and joins it when it loses its date
        RetainedItem first = store.item(undated.get(0)).orElseThrow();
        assertThat(store.saveItem(first.withDue(T0))).isTrue();
        RetainedItem second = store.item(undated.get(1)).orElseThrow();
        assertThat(store.saveItem(second.withState(RetainedItem.State.DISPOSED))).isTrue();
        RetainedItem dated = store.item(key("u1", "dated.x")).orElseThrow();
        assertThat(store.saveItem(dated.withoutDue())).isTrue();
        List<ItemKey> now = new ArrayList<>(undated.subList(2, undated.size()));
        now.add(key("u1", "dated.x"));
        Collections.sort(now);
        assertThat(pagedUndated(3)).extracting(RetainedItem::key).containsExactlyElementsOf(now);
    }

    private List<RetainedItem> pagedUndated(int pageSize) {
        List<RetainedItem> all = new ArrayList<>();
        Optional<ItemKey> after = Optional.empty();
        while (true) {
            List<RetainedItem> page = after.isPresent() ? store.undatedItemsAfter(after.get(), pageSize)
                    : store.undatedItems(pageSize);
            assertThat(page.size()).isLessThanOrEqualTo(pageSize);
            all.addAll(page);
            if (page.size() < pageSize) {
                return all;
            }
            after = Optional.of(page.get(page.size() - 1).key());
        }
    }

    /**
     * The dry run over this store lists every item no rule has due, with its verdict and reason, beside the due ones:
     * NOT_STARTED (an account never closed; an order whose only started rule is a minimum) and NO_RULE (a category no
     * maximum covers), HELD when a hold is on as well; and the service lists them on their own, page by page
     * (GDPR Art. 5(1)(e), Art. 5(2), Art. 30(1)(f)).
     */
    @Test
    void thePlanListsTheItemsNoRuleHasDueWithTheirReasons() {
        MutableClock clock = new MutableClock(T0);
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store)
                .clock(clock).build();
        Sweeper sweeper = Sweeper.builder(retention).handler("access.log", r -> { }).build();
        SubjectId alice = SubjectId.of("alice");
        SubjectId bob = SubjectId.of("bob");
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, T0);                // due after 90 days
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, T0);      // kept 2 years
        retention.recordAnchor(alice, "account.profile", Anchor.COLLECTED, T0);           // waits for account_closed
        retention.recordAnchor(alice, "order.record", Anchor.COLLECTED, T0);              // only a minimum started
        retention.recordAnchor(alice, "device.id", Anchor.COLLECTED, T0);                 // no rule at all
        retention.recordAnchor(bob, "device.id", Anchor.COLLECTED, T0);
        LegalHold hold = retention.placeHold(bob, Set.of(), "litigation 4/25", "legal");
        assertThat(store.undatedItems(10)).as("never indexed as due").hasSize(4);

        clock.set(T0.plus(Duration.ofDays(3 * 365)));
        DisposalPlan plan = retention.plan(clock.instant());

        assertThat(plan.due()).isEqualTo(2); // access.log after 90 days, contact.email after 2 years
        assertThat(plan.notStarted()).isEqualTo(2);
        assertThat(plan.noRule()).isEqualTo(1);
        assertThat(plan.unscheduled().count(RetentionVerdict.Status.HELD)).isEqualTo(1);
        assertThat(plan.unscheduled().total()).isEqualTo(4);
        assertThat(plan.unscheduled().complete()).isTrue();
        assertThat(plan.unscheduled().byCategory()).containsOnly(Map.entry("account.profile", 1L),
                Map.entry("order.record", 1L), Map.entry("device.id", 2L));
        Map<ItemKey, RetentionVerdict> byItem = new java.util.HashMap<>();
        plan.unscheduled().sample().forEach(v -> byItem.put(v.item(), v));
        assertThat(byItem.get(ItemKey.of("alice", "account.profile")).reason())
                .isEqualTo("no maximum rule has started: waiting for account_closed (rules profile-delete-6m,"
                        + " profile-anonymize-6m), which never happened");
        assertThat(byItem.get(ItemKey.of("alice", "order.record")).status())
                .isEqualTo(RetentionVerdict.Status.NOT_STARTED);
        assertThat(byItem.get(ItemKey.of("alice", "order.record")).reason()).isEqualTo("no maximum rule has started:"
                + " waiting for last_transaction (rule orders-10y), which never happened");
        assertThat(byItem.get(ItemKey.of("alice", "device.id")).reason())
                .contains("no maximum retention rule covers device.id", "a gap in the policy");
        assertThat(byItem.get(ItemKey.of("bob", "device.id")).holds()).containsExactly(hold.id());
        assertThat(plan.unscheduled().sample()).allSatisfy(v -> assertThat(v.reason()).doesNotContain("alice", "bob"));

        List<RetentionVerdict> listed = new ArrayList<>(retention.unscheduled(clock.instant(), 3));
        assertThat(listed).hasSize(3);
        listed.addAll(retention.unscheduled(clock.instant(), listed.get(2).item(), 3));
        assertThat(listed).extracting(RetentionVerdict::item).containsExactly(ItemKey.of("alice", "account.profile"),
                ItemKey.of("alice", "device.id"), ItemKey.of("alice", "order.record"), ItemKey.of("bob", "device.id"));

        // an anchor recorded later schedules the item: it leaves the unscheduled list
        retention.recordAnchor(alice, "account.profile", Anchor.ACCOUNT_CLOSED, clock.instant());
        assertThat(retention.plan(clock.instant()).notStarted()).isEqualTo(1);
    }

    @Test
    void aClaimIsExclusiveUntilItsLeaseEnds() {
        store.saveItem(due(key("a", "access.log"), T0));
        store.saveItem(due(key("b", "access.log"), T0.plusSeconds(1)));
        store.saveItem(due(key("c", "access.log"), T0.plusSeconds(3600)));

        List<Claim> first = store.claimDue(T0.plusSeconds(10), 10, "node-a", Duration.ofMinutes(5));
        assertThat(first).extracting(c -> c.item().key().subject().value()).containsExactly("a", "b");
        assertThat(first).allMatch(c -> c.attempt() == 1 && c.owner().equals("node-a"));
        assertThat(store.claimDue(T0.plusSeconds(20), 10, "node-b", Duration.ofMinutes(5))).isEmpty();
        passLeaseTime(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(store.claimDue(T0.plusSeconds(20), 10, "node-b", Duration.ofMinutes(5))).as("a second left")
                .isEmpty();

        passLeaseTime(Duration.ofSeconds(1));
        List<Claim> takeover = store.claimDue(T0.plusSeconds(20), 10, "node-b", Duration.ofMinutes(5));
        assertThat(takeover).extracting(c -> c.item().key().subject().value()).containsExactly("a", "b");
        assertThat(finishOne(first.get(0), first.get(0).item(), audit(first.get(0),
                DisposalRecord.Outcome.DISPOSED))).as("the lost claim cannot finish").isFalse();
        assertThat(store.disposals(0, 10)).isEmpty();
        assertThat(finishOne(takeover.get(0), takeover.get(0).item().withState(RetainedItem.State.DISPOSED),
                audit(takeover.get(0), DisposalRecord.Outcome.DISPOSED))).isTrue();
        assertThat(finishOne(takeover.get(0), takeover.get(0).item(), audit(takeover.get(0),
                DisposalRecord.Outcome.DISPOSED))).as("a claim finishes once").isFalse();
        assertThat(store.disposals(0, 10)).hasSize(1);
        assertThat(store.item(key("a", "access.log")).orElseThrow().state()).isEqualTo(RetainedItem.State.DISPOSED);
    }

    @Test
    void aLeaseIsJudgedByTheStoresClockNotByTheCallersNow() {
        store.saveItem(due(key("a", "access.log"), T0));
        store.saveItem(due(key("b", "access.log"), T0));
        assertThat(store.claimDue(T0, 1, "node-a", Duration.ofMinutes(5))).hasSize(1);
        assertThat(store.claimItem(key("b", "access.log"), T0, "node-a", Duration.ofMinutes(5))).isPresent();

        // node-b's clock is 90 s past the leases' end as node-a's clock would count it: they still run
        Instant ahead = T0.plus(Duration.ofMinutes(5)).plusSeconds(90);
        assertThat(store.claimDue(ahead, 10, "node-b", Duration.ofMinutes(5))).as("live leases").isEmpty();
        assertThat(store.claimItem(key("a", "access.log"), ahead, "node-b", Duration.ofMinutes(5))).isEmpty();
        assertThat(store.claimDue(T0.plus(Duration.ofDays(3650)), 10, "node-b", Duration.ofMinutes(5)))
                .as("however far ahead").isEmpty();
        passLeaseTime(Duration.ofMinutes(4));
        assertThat(store.claimDue(ahead, 10, "node-b", Duration.ofMinutes(5))).isEmpty();

        // the store's clock says the leases ended: a caller whose clock lags takes the items over all the same
        passLeaseTime(Duration.ofMinutes(1));
        assertThat(store.claimDue(T0, 10, "node-c", Duration.ofMinutes(5)))
                .extracting(c -> c.item().key().subject().value()).containsExactly("a", "b");
    }

    @Test
    void renewingExtendsTheLeasesOfClaimsStillHeldAndGivesNothingForLostOnes() {
        for (String s : List.of("a", "b", "c")) {
            store.saveItem(due(key(s, "access.log"), T0));
        }
        List<Claim> mine = store.claimDue(T0, 10, "node-a", Duration.ofMinutes(5));
        assertThat(mine).hasSize(3);
        passLeaseTime(Duration.ofMinutes(4));

        List<Optional<Claim>> renewed = store.renewClaims(mine.subList(0, 2), Duration.ofMinutes(5));

        assertThat(renewed).hasSize(2).allSatisfy(r -> assertThat(r).isPresent());
        for (int i = 0; i < 2; i++) {
            Claim before = mine.get(i);
            Claim after = renewed.get(i).orElseThrow();
            assertThat(after.token()).isEqualTo(before.token());
            assertThat(after.item()).isEqualTo(before.item());
            assertThat(after.owner()).isEqualTo(before.owner());
            assertThat(after.attempt()).isEqualTo(before.attempt());
            assertThat(after.leaseUntil()).isAfterOrEqualTo(before.leaseUntil());
        }
        // 6 minutes after the claim, 2 after the renewal: c's lease ended and node-b takes it; a and b still run
        passLeaseTime(Duration.ofMinutes(2));
        List<Claim> theirs = store.claimDue(T0, 10, "node-b", Duration.ofMinutes(5));
        assertThat(theirs).extracting(c -> c.item().key().subject().value()).containsExactly("c");
        assertThat(store.renewClaims(List.of(mine.get(2), renewed.get(0).orElseThrow()), Duration.ofMinutes(5)))
                .as("c is lost to node-b, a is still held").satisfiesExactly(
                        r -> assertThat(r).isEmpty(), r -> assertThat(r).isPresent());

        // a lease that ended while no one took the item over is still the only claim on it: it can be renewed
        passLeaseTime(Duration.ofMinutes(10));
        assertThat(store.renewClaims(List.of(renewed.get(1).orElseThrow()), Duration.ofMinutes(5)))
                .singleElement().satisfies(r -> assertThat(r).isPresent());
        assertThat(store.claimDue(T0, 10, "node-c", Duration.ofMinutes(5)))
                .extracting(c -> c.item().key().subject().value()).as("b's renewed lease runs").containsExactly("a", "c");
        assertThat(store.renewClaims(List.of(), Duration.ofMinutes(5))).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.renewClaims(List.of(renewed.get(1).orElseThrow()),
                Duration.ZERO)).isInstanceOf(dev.consent.InvalidValueException.class);
        // a renewed claim finishes like the claim it was
        Claim b = renewed.get(1).orElseThrow();
        assertThat(finishOne(b, b.item().withState(RetainedItem.State.DISPOSED),
                audit(b, DisposalRecord.Outcome.DISPOSED))).isTrue();
        assertThat(store.disposals(0, 10)).singleElement()
                .satisfies(r -> assertThat(r.itemReference()).isEqualTo(KEY.itemReference(key("b", "access.log"))));
    }

    @Test
    void aLateFinishAfterATakeoverIsRefusedAndTheNewHoldersOutcomeStands() {
        ItemKey k = key("a", "access.log");
        store.saveItem(due(k, T0));
        Claim first = store.claimDue(T0, 10, "node-a", Duration.ofMinutes(5)).get(0);
        passLeaseTime(Duration.ofMinutes(5)); // node-a's handler runs past its lease
        Claim second = store.claimDue(T0, 10, "node-b", Duration.ofMinutes(5)).get(0);
        assertThat(store.finishClaims(List.of(disposal(second)))).containsExactly(true);

        // node-a's handler returns at last, with a failure or a disposal: neither is recorded
        assertThat(finishOne(first, first.item().withRetry(1, T0.plusSeconds(60)),
                audit(first, DisposalRecord.Outcome.FAILED))).isFalse();
        assertThat(store.finishClaims(List.of(disposal(first)))).containsExactly(false);
        assertThat(store.renewClaims(List.of(first), Duration.ofMinutes(5))).containsExactly(Optional.empty());
        assertThat(store.releaseClaims(List.of(first))).containsExactly(false);

        RetainedItem stored = store.item(k).orElseThrow();
        assertThat(stored.state()).isEqualTo(RetainedItem.State.DISPOSED);
        assertThat(stored.attempts()).isZero();
        assertThat(stored.notBefore()).isEmpty();
        assertThat(store.disposals(0, 10)).singleElement().satisfies(r -> {
            assertThat(r.node()).isEqualTo("node-b");
            assertThat(r.outcome()).isEqualTo(DisposalRecord.Outcome.DISPOSED);
        });
    }

    @Test
    void releasedClaimsCanBeClaimedAtOnceAndLeaveNoTrace() {
        store.saveItem(due(key("a", "access.log"), T0));
        store.saveItem(due(key("b", "access.log"), T0.plusSeconds(1)));
        List<Claim> mine = store.claimDue(T0.plusSeconds(1), 10, "node-a", Duration.ofMinutes(5));
        assertThat(mine).hasSize(2);

        assertThat(store.releaseClaims(List.of(mine.get(0)))).containsExactly(true);
        assertThat(store.releaseClaims(List.of(mine.get(0)))).as("released once").containsExactly(false);

        List<Claim> theirs = store.claimDue(T0.plusSeconds(1), 10, "node-b", Duration.ofMinutes(5));
        assertThat(theirs).extracting(c -> c.item().key().subject().value()).as("b is still node-a's")
                .containsExactly("a");
        assertThat(theirs.get(0).attempt()).as("a release is not an attempt").isEqualTo(1);
        assertThat(theirs.get(0).item()).isEqualTo(mine.get(0).item());
        assertThat(finishOne(mine.get(0), mine.get(0).item(), audit(mine.get(0),
                DisposalRecord.Outcome.DISPOSED))).as("a released claim is gone").isFalse();
        assertThat(store.releaseClaims(List.of(mine.get(0), mine.get(1)))).containsExactly(false, true);
        assertThat(store.disposals(0, 10)).isEmpty();
        assertThat(store.releaseClaims(List.of())).isEmpty();
        assertThat(store.claimDue(T0.plusSeconds(1), 10, "node-c", Duration.ofMinutes(5)))
                .extracting(c -> c.item().key().subject().value()).containsExactly("b");
    }

    @Test
    void oneItemCanBeClaimedOnItsOwn() {
        store.saveItem(due(key("a", "access.log"), T0));
        store.saveItem(due(key("b", "access.log"), T0.plusSeconds(3600)));
        assertThat(store.claimItem(key("b", "access.log"), T0, "n", Duration.ofMinutes(1))).as("not due yet").isEmpty();
        assertThat(store.claimItem(key("x", "access.log"), T0, "n", Duration.ofMinutes(1))).isEmpty();
        Claim c = store.claimItem(key("a", "access.log"), T0, "n", Duration.ofMinutes(1)).orElseThrow();
        assertThat(c.attempt()).isEqualTo(1);
        assertThat(store.claimItem(key("a", "access.log"), T0, "m", Duration.ofMinutes(1))).as("held").isEmpty();
        assertThat(store.claimDue(T0, 10, "m", Duration.ofMinutes(1))).isEmpty();
        passLeaseTime(Duration.ofMinutes(1));
        assertThat(store.claimItem(key("a", "access.log"), T0, "m", Duration.ofMinutes(1))).isPresent();
    }

    @Test
    void aFailedAttemptWaitsOutItsBackoffAndCountsAttempts() {
        store.saveItem(due(key("a", "access.log"), T0));
        Claim c = store.claimDue(T0, 10, "n", Duration.ofMinutes(5)).get(0);
        assertThat(finishOne(c, c.item().withRetry(1, T0.plusSeconds(60)),
                audit(c, DisposalRecord.Outcome.FAILED))).isTrue();

        assertThat(store.claimDue(T0.plusSeconds(59), 10, "n", Duration.ofMinutes(5))).isEmpty();
        List<Claim> retry = store.claimDue(T0.plusSeconds(60), 10, "n", Duration.ofMinutes(5));
        assertThat(retry).hasSize(1);
        assertThat(retry.get(0).attempt()).isEqualTo(2);
        assertThat(store.dueItems(T0, 10)).hasSize(1); // the planner still sees it
    }

    @Test
    void finishingKeepsAConcurrentWritersNewerItem() {
        ItemKey k = key("a", "contact.email");
        store.saveItem(due(k, T0));
        Claim c = store.claimDue(T0, 10, "n", Duration.ofMinutes(5)).get(0);
        RetainedItem newer = store.item(k).orElseThrow().withDue(T0.plus(Duration.ofDays(700)));
        assertThat(store.saveItem(newer)).as("saving leaves the claim alone").isTrue();

        assertThat(finishOne(c, c.item().withState(RetainedItem.State.DISPOSED),
                audit(c, DisposalRecord.Outcome.DISPOSED))).isTrue();

        RetainedItem stored = store.item(k).orElseThrow();
        assertThat(stored.state()).isEqualTo(RetainedItem.State.ACTIVE);
        assertThat(stored.dueAt()).contains(T0.plus(Duration.ofDays(700)));
        assertThat(store.disposals(0, 10)).hasSize(1);
    }

    private static RetentionStore.FinishedAttempt disposal(Claim c) {
        return new RetentionStore.FinishedAttempt(c, c.item().withState(RetainedItem.State.DISPOSED),
                audit(c, DisposalRecord.Outcome.DISPOSED));
    }

    @Test
    void finishingAListRecordsEachAsFinishClaimWouldAndRefusesOnlyTheLostClaims() {
        for (String s : List.of("a", "b", "c", "d")) {
            store.saveItem(due(key(s, "access.log"), T0));
        }
        List<Claim> mine = store.claimDue(T0, 10, "node-a", Duration.ofMinutes(5));
        assertThat(mine).extracting(c -> c.item().key().subject().value()).containsExactly("a", "b", "c", "d");
        // the leases run out and node-b takes b over; c gets new data from another writer meanwhile
        passLeaseTime(Duration.ofMinutes(5));
        Claim takenOver = store.claimItem(key("b", "access.log"), T0, "node-b", Duration.ofMinutes(5)).orElseThrow();
        RetainedItem newer = store.item(key("c", "access.log")).orElseThrow()
                .withDue(T0.plus(Duration.ofDays(700)));
        assertThat(store.saveItem(newer)).isTrue();

        List<Boolean> answers = store.finishClaims(List.of(disposal(mine.get(0)), disposal(mine.get(1)),
                disposal(mine.get(2)), disposal(mine.get(3))));

        assertThat(answers).containsExactly(true, false, true, true);
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::itemReference).containsExactly(
                KEY.itemReference(key("a", "access.log")), KEY.itemReference(key("c", "access.log")),
                KEY.itemReference(key("d", "access.log")));
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::sequence).containsExactly(1L, 2L, 3L);
        assertThat(store.item(key("a", "access.log")).orElseThrow().state()).isEqualTo(RetainedItem.State.DISPOSED);
        assertThat(store.item(key("d", "access.log")).orElseThrow().state()).isEqualTo(RetainedItem.State.DISPOSED);
        RetainedItem c = store.item(key("c", "access.log")).orElseThrow();
        assertThat(c.state()).as("the concurrent writer's newer item is kept").isEqualTo(RetainedItem.State.ACTIVE);
        assertThat(c.dueAt()).contains(T0.plus(Duration.ofDays(700)));
        // the lost claim changed nothing: b is still node-b's, which finishes it
        RetainedItem b = store.item(key("b", "access.log")).orElseThrow();
        assertThat(b.state()).isEqualTo(RetainedItem.State.ACTIVE);
        passLeaseTime(Duration.ofMinutes(1));
        assertThat(store.claimItem(b.key(), T0, "node-c", Duration.ofMinutes(5))).as("still claimed by node-b")
                .isEmpty();
        assertThat(store.finishClaims(List.of(disposal(takenOver)))).containsExactly(true);
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::sequence).containsExactly(1L, 2L, 3L, 4L);
    }

    /**
     * Issue 12: an item disposed of after its subject asked for erasure kept its row, and with it the subject id in
     * clear text. The finish removes it in the same atomic step that records its audit entry; nothing else changes.
     */
    @Test
    void finishingTheDisposalOfAnErasedItemRemovesItsRow() {
        for (String s : List.of("a", "b", "c", "d")) {
            store.saveItem(due(key(s, "access.log"), T0).withErasureRequestedAt(T0));
        }
        store.saveItem(due(key("kept", "access.log"), T0));
        List<Claim> claims = store.claimDue(T0, 10, "n", Duration.ofMinutes(5));
        Claim a = claims.get(0);
        assertThat(a.item().key()).isEqualTo(key("a", "access.log"));
        Claim failed = claims.get(1);
        // c gets new data from another writer while it is claimed: its newer row is kept
        RetainedItem newer = store.item(key("c", "access.log")).orElseThrow()
                .withDue(T0.plus(Duration.ofDays(700)));
        assertThat(store.saveItem(newer)).isTrue();

        assertThat(finishOne(a, a.item().withState(RetainedItem.State.DISPOSED),
                audit(a, DisposalRecord.Outcome.DISPOSED))).isTrue();
        assertThat(store.finishClaims(List.of(
                new RetentionStore.FinishedAttempt(failed, failed.item().withRetry(1, T0.plusSeconds(60)),
                        audit(failed, DisposalRecord.Outcome.FAILED)),
                disposal(claims.get(2)), disposal(claims.get(3)), disposal(claims.get(4)))))
                .containsExactly(true, true, true, true);

        assertThat(store.item(key("a", "access.log"))).as("disposed after erasure: gone").isEmpty();
        assertThat(store.item(key("d", "access.log"))).as("disposed after erasure: gone").isEmpty();
        assertThat(store.item(key("b", "access.log"))).as("not disposed: kept").isPresent();
        assertThat(store.item(key("c", "access.log")).orElseThrow().dueAt())
                .as("changed by another writer: kept").contains(T0.plus(Duration.ofDays(700)));
        assertThat(store.item(key("kept", "access.log")).orElseThrow().state())
                .as("disposed without an erasure request: kept").isEqualTo(RetainedItem.State.DISPOSED);
        assertThat(store.items(SubjectId.of("a"))).isEmpty();
        assertThat(store.allItems(100)).extracting(i -> i.key().subject().value())
                .containsExactly("b", "c", "kept");
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::itemReference).containsExactly(
                KEY.itemReference(key("a", "access.log")), KEY.itemReference(key("b", "access.log")),
                KEY.itemReference(key("c", "access.log")), KEY.itemReference(key("d", "access.log")),
                KEY.itemReference(key("kept", "access.log")));
        // new data for the erased subject starts a new item
        assertThat(store.saveItem(due(key("a", "access.log"), T0.plusSeconds(5)))).isTrue();
        assertThat(store.item(key("a", "access.log")).orElseThrow().version()).isEqualTo(1);
    }

    @Test
    void removeItemRemovesOnlyADisposedItemAtItsVersion() {
        store.saveItem(due(key("a", "access.log"), T0));
        Claim c = store.claimDue(T0, 10, "n", Duration.ofMinutes(5)).get(0);
        finishOne(c, c.item().withState(RetainedItem.State.DISPOSED), audit(c, DisposalRecord.Outcome.DISPOSED));
        store.saveItem(due(key("b", "access.log"), T0.plusSeconds(3600)));
        RetainedItem disposed = store.item(key("a", "access.log")).orElseThrow();
        RetainedItem active = store.item(key("b", "access.log")).orElseThrow();

        assertThat(store.removeItem(active)).as("active").isFalse();
        assertThat(store.removeItem(disposed.nextVersion())).as("another version").isFalse();
        assertThat(store.removeItem(RetainedItem.create(key("x", "access.log")))).as("absent").isFalse();
        assertThat(store.item(key("a", "access.log"))).isPresent();
        assertThat(store.removeItem(disposed)).isTrue();
        assertThat(store.item(key("a", "access.log"))).isEmpty();
        assertThat(store.removeItem(disposed)).as("gone already").isFalse();
        assertThat(store.item(key("b", "access.log"))).contains(active);
        assertThat(store.disposals(0, 10)).hasSize(1);
    }

    @Test
    void aClaimFinishesOnceEvenWithinOneList() {
        store.saveItem(due(key("a", "access.log"), T0));
        Claim c = store.claimDue(T0, 10, "n", Duration.ofMinutes(5)).get(0);
        assertThat(store.finishClaims(List.of(disposal(c), disposal(c)))).containsExactly(true, false);
        assertThat(store.disposals(0, 10)).hasSize(1);
        assertThat(store.finishClaims(List.of(disposal(c)))).containsExactly(false);
        assertThat(store.finishClaims(List.of())).isEmpty();
        assertThat(store.disposals(0, 10)).hasSize(1);
    }

    @Test
    void finishedListsContinueTheAuditSequenceInListOrder() {
        for (int i = 0; i < 7; i++) {
            store.saveItem(due(key("s" + i, "access.log"), T0.plusMillis(i)));
        }
        List<Claim> claims = store.claimDue(T0.plusSeconds(1), 10, "n", Duration.ofMinutes(5));
        assertThat(finishOne(claims.get(0), claims.get(0).item(), audit(claims.get(0),
                DisposalRecord.Outcome.SKIPPED_HELD))).isTrue();
        // recorded in an order other than the claims'
        List<Claim> rest = new ArrayList<>(claims.subList(1, 7));
        Collections.reverse(rest);
        assertThat(store.finishClaims(rest.subList(0, 3).stream().map(RetentionStoreContract::disposal).toList()))
                .containsOnly(true);
        assertThat(store.finishClaims(rest.subList(3, 6).stream().map(RetentionStoreContract::disposal).toList()))
                .containsOnly(true);

        List<DisposalRecord> all = store.disposals(0, 100);
        assertThat(all).extracting(DisposalRecord::sequence).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(all.subList(1, 7)).extracting(DisposalRecord::itemReference)
                .containsExactlyElementsOf(rest.stream().map(c -> KEY.itemReference(c.item().key())).toList());
        assertThat(store.disposals(4, 100)).extracting(DisposalRecord::sequence).containsExactly(5L, 6L, 7L);
    }

    @Test
    void anInvalidFinishAnywhereInAListIsRefusedBeforeAnythingIsRecorded() {
        store.saveItem(due(key("a", "access.log"), T0));
        store.saveItem(due(key("b", "access.log"), T0));
        List<Claim> claims = store.claimDue(T0, 10, "n", Duration.ofMinutes(5));
        Claim a = claims.get(0);
        Claim b = claims.get(1);
        RetentionStore.FinishedAttempt wrongItem = new RetentionStore.FinishedAttempt(b,
                a.item().withState(RetainedItem.State.DISPOSED), audit(b, DisposalRecord.Outcome.DISPOSED));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.finishClaims(List.of(disposal(a), wrongItem)))
                .isInstanceOf(dev.consent.InvalidValueException.class);

        assertThat(store.disposals(0, 10)).isEmpty();
        assertThat(store.item(a.item().key())).contains(a.item());
        assertThat(store.finishClaims(List.of(disposal(a), disposal(b)))).as("both claims still held")
                .containsExactly(true, true);
    }

    @Test
    void manyItemsAreReadTogetherAsItemReadsEach() {
        ItemKey withPurpose = ItemKey.of(SubjectId.of("alice"), CategoryId.of("contact.email"),
                PurposeId.of("marketing.email"));
        ItemKey plain = key("alice", "contact.email");
        store.saveItem(due(plain, T0));
        store.saveItem(due(withPurpose, T0.plusSeconds(1)));
        RetainedItem bobs = store.item(saved(key("bob", "order.record"))).orElseThrow();
        store.saveItem(bobs.withoutDue()); // stored at version 2
        store.saveItem(RetainedItem.create(key("carol", "order.record"))); // a key whose parts combine with others'
        // more keys than one IN list (500) or one PostgreSQL array (5,000) of a JDBC store holds; most never saved
        List<ItemKey> asked = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            ItemKey k = key(String.format("s%05d", i), i % 2 == 0 ? "contact.email" : "order.record");
            if (i % 1_000 == 999) {
                store.saveItem(due(k, T0));
            }
            asked.add(k);
        }
        asked.add(0, plain);
        asked.add(6_000, withPurpose);
        asked.add(key("bob", "order.record"));
        asked.add(key("bob", "contact.email")); // never saved: bob's subject and alice's category
        asked.add(key("alice", "order.record")); // never saved: alice's subject and bob's category
        asked.add(plain); // asked twice

        Map<ItemKey, RetainedItem> read = store.items(asked);

        Map<ItemKey, RetainedItem> expected = new java.util.HashMap<>();
        for (ItemKey k : asked) {
            store.item(k).ifPresent(item -> expected.put(k, item));
        }
        assertThat(expected).hasSize(3 + 12);
        assertThat(read).isEqualTo(expected);
        assertThat(read.get(key("bob", "order.record")).version()).isEqualTo(2);
        assertThat(read).doesNotContainKeys(key("bob", "contact.email"), key("alice", "order.record"),
                key("carol", "order.record"));
        assertThat(store.items(List.<ItemKey>of())).isEmpty();
        assertThat(store.items(List.of(key("nobody", "contact.email")))).isEmpty();
        assertThat(store.items(List.of(withPurpose))).containsExactly(Map.entry(withPurpose,
                store.item(withPurpose).orElseThrow()));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.items(java.util.Arrays.asList(plain, null)))
                .isInstanceOf(dev.consent.InvalidValueException.class).hasMessageContaining("keys[]");
    }

    private ItemKey saved(ItemKey key) {
        store.saveItem(due(key, T0));
        return key;
    }

    @Test
    void theHoldsOfManySubjectsAreReadTogether() {
        LegalHold h1 = new LegalHold("hold-1", SubjectId.of("alice"), Set.of(CategoryId.of("order.record")),
                "tax audit 2025", "dpo@shop", T0, Optional.empty());
        store.saveHold(h1);
        store.saveHold(new LegalHold("hold-2", SubjectId.of("bob"), Set.of(), "x", "y", T0, Optional.empty()));
        store.saveHold(new LegalHold("hold-3", SubjectId.of("alice"), Set.of(), "litigation", "legal@shop",
                T0.plusSeconds(1), Optional.empty()));
        store.saveHold(h1.released(new LegalHold.Release("dpo@shop", "audit closed", T0.plusSeconds(99))));
        // more subjects than one IN list of a JDBC store holds
        List<SubjectId> many = new ArrayList<>();
        for (int i = 0; i < 1_200; i++) {
            many.add(SubjectId.of("s" + i));
            if (i % 100 == 7) {
                store.saveHold(new LegalHold("hold-s" + i, SubjectId.of("s" + i), Set.of(), "r", "p", T0,
                        Optional.empty()));
            }
        }
        many.add(SubjectId.of("alice"));
        many.add(SubjectId.of("carol"));
        many.add(SubjectId.of("bob"));

        Map<SubjectId, List<LegalHold>> holds = store.holds(many);

        assertThat(holds).hasSize(many.size());
        assertThat(holds.get(SubjectId.of("alice"))).extracting(LegalHold::id).containsExactly("hold-1", "hold-3");
        assertThat(holds.get(SubjectId.of("alice"))).isEqualTo(store.holds(SubjectId.of("alice")));
        assertThat(holds.get(SubjectId.of("alice")).get(0).release()).isPresent();
        assertThat(holds.get(SubjectId.of("bob"))).extracting(LegalHold::id).containsExactly("hold-2");
        assertThat(holds.get(SubjectId.of("carol"))).isEmpty();
        assertThat(holds.get(SubjectId.of("s1107"))).extracting(LegalHold::id).containsExactly("hold-s1107");
        assertThat(holds.values().stream().mapToInt(List::size).sum()).isEqualTo(3 + 12);
        assertThat(store.holds(List.of())).isEmpty();
        assertThat(store.holds(List.of(SubjectId.of("bob"), SubjectId.of("bob")))).containsOnlyKeys(SubjectId.of("bob"));
    }

    @Test
    void holdsAreKeptWithTheirRelease() {
        LegalHold h = new LegalHold("hold-1", SubjectId.of("alice"), Set.of(CategoryId.of("order.record")),
                "tax audit 2025", "dpo@shop", T0, Optional.empty());
        store.saveHold(h);
        store.saveHold(new LegalHold("hold-2", SubjectId.of("alice"), Set.of(), "litigation", "legal@shop",
                T0.plusSeconds(1), Optional.empty()));
        store.saveHold(new LegalHold("hold-3", SubjectId.of("bob"), Set.of(), "x", "y", T0, Optional.empty()));
        LegalHold released = h.released(new LegalHold.Release("dpo@shop", "audit closed", T0.plusSeconds(99)));
        store.saveHold(released);

        assertThat(store.hold("hold-1")).contains(released);
        assertThat(store.holds(SubjectId.of("alice"))).extracting(LegalHold::id).containsExactly("hold-1", "hold-2");
        assertThat(store.holds(SubjectId.of("carol"))).isEmpty();
    }

    @Test
    void theAuditIsSequencedAndTombstonesAreUnique() {
        for (int i = 0; i < 5; i++) {
            store.saveItem(due(key("s" + i, "access.log"), T0));
        }
        for (Claim c : store.claimDue(T0, 10, "n", Duration.ofMinutes(1))) {
            finishOne(c, c.item().withState(RetainedItem.State.DISPOSED), audit(c, DisposalRecord.Outcome.DISPOSED));
        }
        List<DisposalRecord> all = store.disposals(0, 100);
        assertThat(all).extracting(DisposalRecord::sequence).isSorted().doesNotHaveDuplicates().allMatch(s -> s > 0);
        assertThat(store.disposals(all.get(2).sequence(), 100)).containsExactlyElementsOf(all.subList(3, 5));
        assertThat(all.get(0).failure()).isEmpty();
        assertThat(all.get(0).anchor()).contains(Anchor.COLLECTED);

        Tombstone t = new Tombstone(KEY.subjectReference(SubjectId.of("alice")), T0);
        assertThat(store.addTombstone(t)).isTrue();
        assertThat(store.addTombstone(new Tombstone(t.subjectReference(), T0.plusSeconds(5)))).isFalse();
        assertThat(store.tombstone(t.subjectReference())).contains(t);
        assertThat(store.tombstone("0".repeat(64))).isEmpty();
    }

    @Test
    void racingClaimersFinishingWholeListsKeepTheAuditGapless() throws Exception {
        int items = 240;
        for (int i = 0; i < items; i++) {
            store.saveItem(due(key("s" + i, "access.log"), T0.plusMillis(i)));
        }
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String owner = "node-" + t;
            futures.add(pool.submit(() -> {
                start.await();
                while (true) {
                    List<Claim> claims = store.claimDue(T0.plusSeconds(10), 9, owner, Duration.ofMinutes(5));
                    if (claims.isEmpty()) {
                        return null;
                    }
                    assertThat(store.finishClaims(claims.stream().map(RetentionStoreContract::disposal).toList()))
                            .containsOnly(true);
                }
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        List<DisposalRecord> audit = store.disposals(0, 10_000);
        assertThat(audit).hasSize(items);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        for (int i = 0; i < items; i++) {
            assertThat(audit.get(i).sequence()).isEqualTo(i + 1L);
        }
    }

    @Test
    void racingClaimersNeverShareAnItem() throws Exception {
        int items = 300;
        for (int i = 0; i < items; i++) {
            store.saveItem(due(key("s" + i, "access.log"), T0.plusMillis(i)));
        }
        int threads = 6;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<ItemKey> disposed = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String owner = "node-" + t;
            futures.add(pool.submit(() -> {
                start.await();
                while (true) {
                    List<Claim> claims = store.claimDue(T0.plusSeconds(10), 7, owner, Duration.ofMinutes(5));
                    if (claims.isEmpty()) {
                        return null;
                    }
                    for (Claim c : claims) {
                        if (finishOne(c, c.item().withState(RetainedItem.State.DISPOSED),
                                audit(c, DisposalRecord.Outcome.DISPOSED))) {
                            disposed.add(c.item().key());
                        }
                    }
                }
            }));
        }
        start.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertThat(disposed).hasSize(items).doesNotHaveDuplicates();
        List<DisposalRecord> audit = store.disposals(0, 10_000);
        assertThat(audit).hasSize(items);
        Set<String> refs = new HashSet<>();
        audit.forEach(r -> refs.add(r.itemReference()));
        assertThat(refs).hasSize(items);
    }
}

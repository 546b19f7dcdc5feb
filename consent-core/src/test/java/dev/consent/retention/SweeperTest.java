package dev.consent.retention;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.store.InMemoryStore;
import dev.consent.store.RetentionStore;
import dev.consent.testing.CapturedLogs;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/** The sweeper: claims, leases, holds re-checked before disposal, handler timeouts, budgets and the audit. */
class SweeperTest {
    private final MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
    /** Leases run on the store's clock: the same test clock here, so that tests can run them out. */
    private final InMemoryStore store = new InMemoryStore(clock);
    private final List<DisposalRequest> disposed = Collections.synchronizedList(new ArrayList<>());
    private final SubjectId alice = SubjectId.of("alice");

    private RetentionService.Builder service() {
        return RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(RetentionPolicy.policy()).store(store).clock(clock);
    }

    private final RetentionService retention = service().build();

    /** A sweeper of {@link #retention} with a handler for each category that records what it was asked to do. */
    private Sweeper.Builder sweeper() {
        return Sweeper.builder(retention)
                .handler("contact.email", disposed::add).handler("order.record", disposed::add)
                .handler("access.log", disposed::add).handler("support.ticket", disposed::add)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofHours(1)).lease(Duration.ofMinutes(5));
    }

    private static long count(List<DisposalRecord> audit, DisposalRecord.Outcome outcome) {
        return audit.stream().filter(r -> r.outcome() == outcome).count();
    }

    @Test
    void aHoldPlacedAfterPlanningIsHonouredBySweep() {
        Sweeper sweeper = sweeper().build();
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, clock.instant());
        clock.advance(Duration.ofDays(100));
        assertThat(retention.plan(clock.instant()).due()).isEqualTo(1);
        retention.placeHold(alice, Set.of(), "litigation", "legal");
        SweepReport report = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(report.disposed()).isZero();
        assertThat(report.skippedHeld()).isEqualTo(1);
        assertThat(disposed).isEmpty();
        assertThat(retention.plan(clock.instant()).held()).isEqualTo(1);
    }

    @Test
    void aFailingHandlerIsRetriedWithBackoffWhileTheRestGoesOn() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Sweeper sweeper = sweeper().handler("access.log", r -> {
            calls.computeIfAbsent(r.item().subject().value(), s -> new AtomicInteger()).incrementAndGet();
            if (r.item().subject().value().startsWith("bad") && r.attempt() < 3) {
                throw new java.io.IOException("host table locked for " + r.item().subject());
            }
            disposed.add(r);
        }).build();
        for (int i = 0; i < 10; i++) {
            retention.recordAnchor(SubjectId.of((i < 3 ? "bad" : "good") + i), "access.log", Anchor.COLLECTED,
                    clock.instant());
        }
        clock.advance(Duration.ofDays(91));

        SweepReport first = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(first.disposed()).isEqualTo(7);
        assertThat(first.failed()).isEqualTo(3);
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).claimed()).as("backoff").isZero();

        clock.advance(Duration.ofMinutes(1));
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).failed()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(1));
        assertThat(sweeper.sweep(100, Duration.ofSeconds(10)).claimed()).as("backoff doubled").isZero();
        clock.advance(Duration.ofMinutes(1));
        SweepReport third = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(third.disposed()).isEqualTo(3);

        List<DisposalRecord> audit = retention.disposals(0, 100);
        assertThat(count(audit, DisposalRecord.Outcome.DISPOSED)).isEqualTo(10);
        assertThat(count(audit, DisposalRecord.Outcome.FAILED)).isEqualTo(6);
        assertThat(audit).filteredOn(r -> r.outcome() == DisposalRecord.Outcome.FAILED)
                .allSatisfy(r -> assertThat(r.failure()).contains("java.io.IOException"))
                .extracting(DisposalRecord::attempt).containsOnly(1, 2);
        assertThat(audit.toString()).doesNotContain("bad0", "host table locked");
        assertThat(disposed).extracting(DisposalRequest::attempt).contains(3);
        // every attempt at one due item carries the same idempotency key
        assertThat(audit).filteredOn(r -> r.itemReference().equals(retention.itemReference(ItemKey.of("bad0", "access.log"))))
                .extracting(DisposalRecord::idempotencyKey).containsOnly(audit.stream()
                        .filter(r -> r.itemReference().equals(retention.itemReference(ItemKey.of("bad0", "access.log"))))
                        .findFirst().orElseThrow().idempotencyKey());
    }

    @Test
    void aCategoryWithoutHandlerIsNeverDisposed() {
        Sweeper sweeper = Sweeper.builder(retention).build();
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, clock.instant());
        clock.advance(Duration.ofDays(91));
        assertThat(sweeper.withoutHandler(retention.plan(clock.instant()))).containsExactly(Map.entry("access.log", 1L));
        SweepReport report = sweeper.sweep(10, Duration.ofSeconds(5));
        assertThat(report.withoutHandler()).isEqualTo(1);
        assertThat(report.disposed()).isZero();
        assertThat(retention.disposals(0, 10)).singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(DisposalRecord.Outcome.NO_HANDLER));
        assertThat(retention.verdict(ItemKey.of("alice", "access.log")).status()).isEqualTo(RetentionVerdict.Status.DUE);
    }

    @Test
    void aBudgetStopsTheSweepAndTheNextOneGoesOn() {
        Sweeper sweeper = sweeper().batchSize(4).build();
        for (int i = 0; i < 25; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        SweepReport first = sweeper.sweep(10, Duration.ofSeconds(10));
        assertThat(first.disposed()).isEqualTo(10);
        assertThat(first.budgetExhausted()).isTrue();
        SweepReport rest = sweeper.sweep(100, Duration.ofSeconds(10));
        assertThat(rest.disposed()).isEqualTo(15);
        assertThat(rest.budgetExhausted()).isFalse();
    }

    /** Stands for a JVM dying mid-batch: it is not caught by the sweeper. */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void aSweeperThatDiesMidBatchIsTakenOverAfterItsLeaseWithTheSameIdempotencyKey() {
        List<String> keys = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        Sweeper dying = sweeper().node("node-a").batchSize(5).handler("access.log", r -> {
            keys.add(r.idempotencyKey());
            if (calls.incrementAndGet() == 3) {
                throw new Crash(); // the handler ran for item 3, the node died before recording it
            }
        }).build();
        for (int i = 0; i < 5; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        assertThatThrownBy(() -> dying.sweep(100, Duration.ofSeconds(10))).isInstanceOf(Crash.class);
        // a batch's outcomes are recorded together after its handlers ran: the dead node recorded none of them
        assertThat(store.disposals(0, 100)).isEmpty();

        List<String> redone = Collections.synchronizedList(new ArrayList<>());
        Sweeper survivor = sweeper().node("node-b").handler("access.log", r -> redone.add(r.idempotencyKey()))
                .build();
        assertThat(survivor.sweep(100, Duration.ofSeconds(10)).claimed()).as("claims still leased").isZero();
        clock.advance(Duration.ofMinutes(5));
        SweepReport report = survivor.sweep(100, Duration.ofSeconds(10));

        // the two handled but unrecorded, the one in flight and the two never reached: at most one batch again
        assertThat(report.disposed()).isEqualTo(5);
        assertThat(redone).containsAll(keys); // handled again with the same idempotency keys
        List<DisposalRecord> audit = store.disposals(0, 100);
        assertThat(audit).hasSize(5);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
    }

    @Test
    void aClaimLostDuringASlowHandlerIsCountedNotFatal() {
        Sweeper[] other = new Sweeper[1];
        Sweeper slow = sweeper().node("slow").handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                clock.advance(Duration.ofMinutes(6)); // longer than the 5-minute lease
                other[0].sweep(1, Duration.ofSeconds(5)); // the other node takes the item over and disposes of it
            }
        }).build();
        other[0] = sweeper().node("fast").handler("access.log", r -> { }).build();
        retention.recordAnchor(SubjectId.of("s0"), "access.log", Anchor.COLLECTED, clock.instant());
        retention.recordAnchor(SubjectId.of("s1"), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(1));
        clock.advance(Duration.ofDays(91));

        // a budget the slow handler does not spend (budgets are measured by the service's clock too)
        SweepReport report = slow.sweep(10, Duration.ofMinutes(10));

        assertThat(report.lostClaims()).isEqualTo(1);
        assertThat(report.disposed()).as("s1's lease ended too, but no one took it over: renewed").isEqualTo(1);
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::node).containsExactlyInAnyOrder("fast", "slow");
    }

    /** Two access logs due in one batch: s0's handler runs first. */
    private Sweeper twoDueInOneBatch(Sweeper.Builder builder) {
        Sweeper sweeper = builder.build();
        retention.recordAnchor(SubjectId.of("s0"), "access.log", Anchor.COLLECTED, clock.instant());
        retention.recordAnchor(SubjectId.of("s1"), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(1));
        clock.advance(Duration.ofDays(91));
        return sweeper;
    }

    @Test
    void aHoldPlacedWhileABatchIsHandledStopsTheLaterItemsOnceRefreshHoldsAfterHasPassed() {
        Sweeper sweeper = twoDueInOneBatch(sweeper().refreshHoldsAfter(Duration.ofSeconds(1)).handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                // a slow handler; meanwhile a hold is placed on the next item of the same batch
                retention.placeHold(SubjectId.of("s1"), Set.of(), "litigation", "legal");
                clock.advance(Duration.ofMillis(1001));
            }
            disposed.add(r);
        }));

        SweepReport report = sweeper.sweep(10, Duration.ofSeconds(10));

        assertThat(report.claimed()).isEqualTo(2);
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedHeld()).isEqualTo(1);
        assertThat(disposed).extracting(r -> r.item().subject().value()).containsExactly("s0");
        List<DisposalRecord> audit = store.disposals(0, 10);
        assertThat(audit).extracting(DisposalRecord::outcome)
                .containsExactly(DisposalRecord.Outcome.DISPOSED, DisposalRecord.Outcome.SKIPPED_HELD);
        assertThat(audit).extracting(DisposalRecord::sequence).containsExactly(1L, 2L);
    }

    @Test
    void withinRefreshHoldsAfterABatchIsJudgedOnTheHoldsReadForIt() {
        // the documented window: a hold placed less than refreshHoldsAfter before a handler is called may not stop it
        Sweeper sweeper = twoDueInOneBatch(sweeper().refreshHoldsAfter(Duration.ofSeconds(1)).handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                retention.placeHold(SubjectId.of("s1"), Set.of(), "litigation", "legal");
                clock.advance(Duration.ofMillis(999));
            }
            disposed.add(r);
        }));
        assertThat(sweeper.sweep(10, Duration.ofSeconds(10)).disposed()).isEqualTo(2);
    }

    @Test
    void aZeroRefreshHoldsAfterReadsTheHoldsAgainBeforeEveryItem() {
        Sweeper sweeper = twoDueInOneBatch(sweeper().refreshHoldsAfter(Duration.ZERO).handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                retention.placeHold(SubjectId.of("s1"), Set.of(), "litigation", "legal"); // the clock does not move
            }
            disposed.add(r);
        }));
        SweepReport report = sweeper.sweep(10, Duration.ofSeconds(10));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedHeld()).isEqualTo(1);
    }

    @Test
    void aRefreshReadsTheRestOfTheBatchInOneCallAndWithAZeroRefreshHoldsAfterOnlyTheNextItem() {
        List<Integer> itemReads = Collections.synchronizedList(new ArrayList<>());
        List<Integer> holdReads = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger singleReads = new AtomicInteger();
        dev.consent.testing.ForwardingStore counting = new dev.consent.testing.ForwardingStore(store) {
            @Override
            public Map<ItemKey, RetainedItem> items(java.util.Collection<ItemKey> keys) {
                itemReads.add(keys.size());
                return super.items(keys);
            }

            @Override
            public java.util.Optional<RetainedItem> item(ItemKey key) {
                singleReads.incrementAndGet();
                return super.item(key);
            }

            @Override
            public Map<SubjectId, List<LegalHold>> holds(java.util.Collection<SubjectId> subjects) {
                holdReads.add(subjects.size());
                return super.holds(subjects);
            }
        };
        RetentionService service = service().store(counting).build();
        for (int i = 0; i < 5; i++) {
            service.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        AtomicBoolean first = new AtomicBoolean(true);
        Sweeper slowFirst = Sweeper.builder(service).refreshHoldsAfter(Duration.ofSeconds(1)).handler("access.log", r -> {
            if (first.getAndSet(false)) {
                clock.advance(Duration.ofSeconds(2));
            }
        }).build();
        singleReads.set(0);

        assertThat(slowFirst.sweep(10, Duration.ofMinutes(10)).disposed()).isEqualTo(5);
        assertThat(holdReads).as("subjects per holds read: the batch, then the rest once").containsExactly(5, 4);
        assertThat(itemReads).as("keys per items read: the rest once").containsExactly(4);
        assertThat(singleReads).hasValue(0);

        for (int i = 0; i < 3; i++) {
            service.recordAnchor(SubjectId.of("z" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        itemReads.clear();
        holdReads.clear();
        singleReads.set(0);
        Sweeper zero = Sweeper.builder(service).refreshHoldsAfter(Duration.ZERO).handler("access.log", r -> {
        }).build();
        assertThat(zero.sweep(10, Duration.ofMinutes(10)).disposed()).isEqualTo(3);
        assertThat(holdReads).as("the batch, then before each later item that item's alone").containsExactly(3, 1, 1);
        assertThat(itemReads).containsExactly(1, 1);
        assertThat(singleReads).hasValue(0);
    }

    @Test
    void anAnchorMovedWhileASlowBatchIsHandledIsSeenOnceRefreshHoldsAfterHasPassed() {
        Sweeper sweeper = twoDueInOneBatch(sweeper().handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                // new data for s1 arrives while s0 is handled, slowly
                retention.recordAnchor(SubjectId.of("s1"), "access.log", Anchor.COLLECTED, clock.instant());
                clock.advance(Duration.ofSeconds(2));
            }
            disposed.add(r);
        }));

        SweepReport report = sweeper.sweep(10, Duration.ofSeconds(10));

        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedNotDue()).isEqualTo(1);
        assertThat(retention.verdict(ItemKey.of("s1", "access.log")).status()).isEqualTo(RetentionVerdict.Status.KEEP);
    }

    @Test
    void aSweepReadsHoldsAndRecordsOutcomesOncePerBatch() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        RetentionStore counting = (RetentionStore) java.lang.reflect.Proxy.newProxyInstance(
                RetentionStore.class.getClassLoader(), new Class<?>[] {RetentionStore.class}, (proxy, method, args) -> {
                    String name = method.getName() + (method.getParameterTypes().length > 0
                            && method.getParameterTypes()[0] == java.util.Collection.class ? "(many)" : "");
                    calls.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
                    try {
                        return method.invoke(store, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Sweeper sweeper = Sweeper.builder(service().store(counting).build()).handler("access.log", disposed::add)
                .batchSize(4).build();
        for (int i = 0; i < 10; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        calls.clear();

        SweepReport report = sweeper.sweep(100, Duration.ofSeconds(10));

        assertThat(report.disposed()).isEqualTo(10);
        assertThat(calls.get("claimDue").get()).isEqualTo(4); // 4 + 4 + 2, then none left
        assertThat(calls.get("holds(many)").get()).isEqualTo(3);
        assertThat(calls.get("finishClaims").get()).isEqualTo(3);
        assertThat(calls).doesNotContainKeys("item", "holds", "finishClaim", "renewClaims", "releaseClaims");
        assertThat(store.disposals(0, 100)).extracting(DisposalRecord::sequence)
                .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    }

    @Test
    void twoSweepersRacingDisposeEachItemExactlyOnce() throws Exception {
        Map<ItemKey, AtomicInteger> handled = new ConcurrentHashMap<>();
        DisposalHandler counting = r -> handled.computeIfAbsent(r.item(), k -> new AtomicInteger()).incrementAndGet();
        Sweeper a = sweeper().node("a").batchSize(7).handler("access.log", counting).build();
        Sweeper b = sweeper().node("b").batchSize(5).handler("access.log", counting).build();
        int items = 400;
        for (int i = 0; i < items; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant().plusMillis(i));
        }
        clock.advance(Duration.ofDays(91));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<SweepReport>> runs = new ArrayList<>();
        for (Sweeper node : List.of(a, b, a, b)) {
            runs.add(pool.submit(() -> {
                start.await();
                return node.sweep(10_000, Duration.ofSeconds(30));
            }));
        }
        start.countDown();
        int total = 0;
        for (Future<SweepReport> f : runs) {
            total += f.get(60, TimeUnit.SECONDS).disposed();
        }
        pool.shutdown();

        assertThat(total).isEqualTo(items);
        assertThat(handled).hasSize(items);
        assertThat(handled.values()).allMatch(c -> c.get() == 1);
        List<DisposalRecord> audit = store.disposals(0, 10_000);
        assertThat(audit).hasSize(items);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        assertThat(audit).extracting(DisposalRecord::node).contains("a", "b");
    }

    private static Map<String, AtomicInteger> counter() {
        return new ConcurrentHashMap<>();
    }

    private static void count(Map<String, AtomicInteger> calls, DisposalRequest r) {
        calls.computeIfAbsent(r.item().subject().value(), k -> new AtomicInteger()).incrementAndGet();
    }

    @Test
    void aNodeWhoseClockIsAheadCannotTakeOverLiveClaims() {
        Map<String, AtomicInteger> calls = counter();
        Sweeper[] ahead = new Sweeper[1];
        SweepReport[] aheadReport = new SweepReport[1];
        Sweeper a = twoDueInOneBatch(sweeper().node("a").handler("access.log", r -> {
            count(calls, r);
            if (r.item().subject().value().equals("s0")) {
                clock.advance(Duration.ofMinutes(4)); // a slow handler, still within the 5-minute lease
                aheadReport[0] = ahead[0].sweep(10, Duration.ofSeconds(10));
            }
        }));
        // node b's clock runs 90 s ahead: by it, node a's leases ended 30 s ago
        RetentionService aheadService = service().clock(Clock.offset(clock, Duration.ofSeconds(90))).build();
        ahead[0] = Sweeper.builder(aheadService).node("b").handler("access.log", r -> count(calls, r)).build();

        SweepReport report = a.sweep(10, Duration.ofMinutes(10));

        assertThat(aheadReport[0].claimed()).as("leases are judged by the store's clock").isZero();
        assertThat(report.disposed()).isEqualTo(2);
        assertThat(calls).containsOnlyKeys("s0", "s1").allSatisfy((k, v) -> assertThat(v).hasValue(1));
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::node).containsExactly("a", "a");
    }

    @Test
    void aHandlerIsCalledOnlyUnderALiveLeaseAndItemsTakenOverMeanwhileAreGivenUp() {
        Map<String, AtomicInteger> calls = counter();
        Sweeper[] other = new Sweeper[1];
        Sweeper a = sweeper().node("a").batchSize(3).handler("access.log", r -> {
            count(calls, r);
            if (r.item().subject().value().equals("s0")) {
                // s0's handler runs past the lease of the whole batch; node b takes s0 and s1 over meanwhile
                clock.advance(Duration.ofMinutes(6));
                other[0].sweep(2, Duration.ofSeconds(10));
            }
        }).build();
        other[0] = sweeper().node("b").handler("access.log", r -> count(calls, r)).build();
        for (int i = 0; i < 3; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(i));
        }
        clock.advance(Duration.ofDays(91));

        SweepReport report = a.sweep(10, Duration.ofMinutes(10));

        // before s1's handler node a renews what is left of its batch: s1 is node b's now, s2 is still a's
        assertThat(calls.get("s1")).as("never handled by two nodes").hasValue(1);
        assertThat(calls.get("s2")).hasValue(1);
        assertThat(calls.get("s0")).as("the call in flight when the lease ended; a handler timeout prevents it")
                .hasValue(2);
        assertThat(report.claimed()).isEqualTo(3);
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.lostClaims()).as("s0 refused when recorded, s1 given up at the renewal").isEqualTo(2);
        List<DisposalRecord> audit = store.disposals(0, 10);
        assertThat(audit).hasSize(3).allMatch(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        assertThat(audit).filteredOn(r -> r.itemReference().equals(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).itemReference(ItemKey.of("s2", "access.log"))))
                .singleElement().satisfies(r -> assertThat(r.node()).isEqualTo("a"));
    }

    @Test
    void aHandlerThatDoesNotReturnInTimeCountsAsFailedAndItsLateReturnRecordsNothing() throws Exception {
        AtomicInteger s0Calls = new AtomicInteger();
        AtomicBoolean interrupted = new AtomicBoolean();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch returned = new CountDownLatch(1);
        Sweeper sweeper = twoDueInOneBatch(sweeper().handlerTimeout(Duration.ofMillis(100))
                .handler("access.log", r -> {
                    if (r.item().subject().value().equals("s0") && s0Calls.incrementAndGet() == 1) {
                        // stuck in a call that ignores interruption (a read without a timeout, say)
                        while (true) {
                            try {
                                release.await();
                                break;
                            } catch (InterruptedException e) {
                                interrupted.set(true);
                            }
                        }
                        returned.countDown();
                        return; // "disposed", much too late
                    }
                    disposed.add(r);
                }));
        ItemKey s0 = ItemKey.of("s0", "access.log");
        try {
            SweepReport first = assertTimeoutPreemptively(Duration.ofMinutes(1),
                    () -> sweeper.sweep(10, Duration.ofSeconds(10)), "the sweep must not wait for the handler");

            assertThat(first.failed()).isEqualTo(1);
            assertThat(first.disposed()).as("the sweep went on with s1").isEqualTo(1);
            assertThat(store.disposals(0, 10)).filteredOn(r -> r.itemReference().equals(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).itemReference(s0)))
                    .singleElement().satisfies(r -> {
                        assertThat(r.outcome()).isEqualTo(DisposalRecord.Outcome.FAILED);
                        assertThat(r.failure()).contains("java.util.concurrent.TimeoutException");
                    });
            // the backoff is over, but the call is still running: this node does not start a second one
            clock.advance(Duration.ofMinutes(1));
            SweepReport second = sweeper.sweep(10, Duration.ofSeconds(10));
            assertThat(second.failed()).isEqualTo(1);
            assertThat(s0Calls).hasValue(1);
            assertThat(store.disposals(0, 10)).last().satisfies(r -> assertThat(r.failure())
                    .contains("java.util.concurrent.RejectedExecutionException"));
        } finally {
            release.countDown();
        }
        assertThat(returned.await(1, TimeUnit.MINUTES)).isTrue();
        assertThat(interrupted).as("the handler was interrupted when given up").isTrue();
        assertThat(store.item(s0).orElseThrow().state()).as("its late return recorded nothing")
                .isEqualTo(RetainedItem.State.ACTIVE);

        // later sweeps dispose of it, once (the late call's thread may still be finishing for a moment)
        for (int i = 0; i < 100 && store.item(s0).orElseThrow().state() == RetainedItem.State.ACTIVE; i++) {
            clock.advance(Duration.ofHours(1));
            if (sweeper.sweep(10, Duration.ofSeconds(10)).disposed() == 0) {
                Thread.sleep(10);
            }
        }
        assertThat(s0Calls).hasValue(2);
        assertThat(store.disposals(0, 100)).filteredOn(r -> r.itemReference().equals(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).itemReference(s0)))
                .filteredOn(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED).singleElement()
                .satisfies(r -> assertThat(r.attempt()).isGreaterThanOrEqualTo(3));
    }

    @Test
    void aSpentBudgetCallsNoFurtherHandlerAndGivesTheRestOfTheBatchBack() {
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        Sweeper hanging = sweeper().node("a").batchSize(5).handlerTimeout(Duration.ofMillis(100))
                .handler("access.log", r -> {
                    calls.incrementAndGet();
                    clock.advance(Duration.ofSeconds(11)); // past the sweep's 10-second budget
                    never.await();
                }).build();
        for (int i = 0; i < 5; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(i));
        }
        clock.advance(Duration.ofDays(91));
        try {
            SweepReport report = assertTimeoutPreemptively(Duration.ofMinutes(1),
                    () -> hanging.sweep(100, Duration.ofSeconds(10)));

            assertThat(calls).as("one handler call, then the budget was spent").hasValue(1);
            assertThat(report.failed()).isEqualTo(1);
            assertThat(report.claimed()).as("the four given back are not counted").isEqualTo(1);
            assertThat(report.budgetExhausted()).isTrue();
        } finally {
            never.countDown();
        }
        // given back, not left leased: another node takes them at once
        Sweeper other = sweeper().node("b").build();
        SweepReport rest = other.sweep(100, Duration.ofSeconds(10));
        assertThat(rest.disposed()).isEqualTo(4);
        assertThat(rest.claimed()).as("s0 waits out its backoff").isEqualTo(4);
        List<DisposalRecord> audit = store.disposals(0, 10);
        assertThat(audit).hasSize(5);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
    }

    @Test
    void anIdleSweepLogsAtDebugAndAWorkingOneShowsItsClaimsAtDebugWithoutSubjects() {
        Sweeper sweeper = sweeper().node("n1").build();
        CapturedLogs.clear();
        assertThat(sweeper.sweep(10, Duration.ofSeconds(5)).claimed()).isZero();
        List<CapturedLogs.Line> idle = CapturedLogs.lines().stream()
                .filter(l -> l.logger().equals(Sweeper.class.getName())).toList();
        assertThat(idle).isNotEmpty().allSatisfy(l -> assertThat(l.level()).isEqualTo(Level.DEBUG));
        assertThat(idle).anySatisfy(l -> assertThat(l.message()).contains("nothing due"));

        retention.recordAnchor(SubjectId.of("jane.doe@example.com"), "access.log", Anchor.COLLECTED, clock.instant());
        clock.advance(Duration.ofDays(91));
        CapturedLogs.clear();
        assertThat(sweeper.sweep(10, Duration.ofSeconds(5)).disposed()).isEqualTo(1);
        List<CapturedLogs.Line> working = CapturedLogs.lines().stream()
                .filter(l -> l.logger().equals(Sweeper.class.getName())).toList();
        assertThat(working).anySatisfy(l -> {
            assertThat(l.level()).isEqualTo(Level.DEBUG);
            assertThat(l.message()).contains("claimed 1 of 10");
        });
        assertThat(working).anySatisfy(l -> assertThat(l.message()).contains("recorded 1 attempts"));
        assertThat(working).anySatisfy(l -> {
            assertThat(l.level()).isEqualTo(Level.INFO);
            assertThat(l.message()).contains("retention sweep on n1: SweepReport[claimed=1, disposed=1");
        });
        assertThat(working).allSatisfy(l -> assertThat(l.message()).doesNotContain("jane", "example.com"));
    }

    @Test
    void badSettingsAreRejectedWhereTheyAreSet() {
        assertThatThrownBy(() -> sweeper().handler("nope", r -> { }).build()).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> sweeper().lease(Duration.ZERO)).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("lease:");
        assertThatThrownBy(() -> sweeper().lease(null)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> sweeper().batchSize(0)).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("batchSize:");
        assertThatThrownBy(() -> sweeper().batchSize(10_001)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> sweeper().retryBackoff(Duration.ofHours(2), Duration.ofHours(1)))
                .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("retryBackoff:");
        assertThatThrownBy(() -> sweeper().node(" ")).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("node:");
        assertThatThrownBy(() -> sweeper().refreshHoldsAfter(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("refreshHoldsAfter");
        assertThatThrownBy(() -> sweeper().refreshHoldsAfter(null)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> sweeper().handlerTimeout(null)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("handlerTimeout");
        assertThatThrownBy(() -> sweeper().handlerTimeout(Duration.ZERO)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> sweeper().handlerTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> sweeper().lease(Duration.ofMinutes(5)).handlerTimeout(Duration.ofSeconds(151)).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("handlerTimeout")
                .hasMessageContaining("half the lease");
        assertThat(sweeper().lease(Duration.ofMinutes(5)).handlerTimeout(Duration.ofSeconds(150)).build()).isNotNull();
        assertThat(sweeper().lease(Duration.ofSeconds(10)).build()).as("the default timeout follows the lease")
                .isNotNull();
        assertThatThrownBy(() -> Sweeper.builder(null)).isInstanceOf(InvalidValueException.class);
    }
}

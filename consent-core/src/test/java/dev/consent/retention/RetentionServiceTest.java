package dev.consent.retention;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.store.InMemoryStore;
import dev.consent.store.RetentionStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Test;

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

class RetentionServiceTest {
    private final MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");
    /** Leases run on the store's clock: the same test clock here, so that tests can run them out. */
    private final InMemoryStore store = new InMemoryStore(clock);
    private final List<DisposalRequest> disposed = Collections.synchronizedList(new ArrayList<>());
    private final SubjectId alice = SubjectId.of("alice");

    private RetentionService.Builder service() {
        return RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store).clock(clock)
                .handler("contact.email", disposed::add).handler("order.record", disposed::add)
                .handler("access.log", disposed::add).handler("support.ticket", disposed::add)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofHours(1)).lease(Duration.ofMinutes(5));
    }

    private static long count(List<DisposalRecord> audit, DisposalRecord.Outcome outcome) {
        return audit.stream().filter(r -> r.outcome() == outcome).count();
    }

    @Test
    void anchorsMoveTheDueDateAndTheSweeperDisposesOnlyWhatIsDue() {
        RetentionService retention = service().build();
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        clock.advance(Duration.ofDays(400));
        RetentionVerdict v = retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        assertThat(v.keepUntil()).contains(Instant.parse("2028-02-14T09:00:00Z"));
        // a late delivery of an older purchase does not move it back
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, Instant.parse("2025-01-10T09:00:00Z"));
        assertThat(retention.verdict(ItemKey.of("alice", "contact.email")).keepUntil())
                .contains(Instant.parse("2028-02-14T09:00:00Z"));

        clock.set(Instant.parse("2027-06-01T00:00:00Z"));
        assertThat(retention.plan(clock.instant()).due()).isZero();
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isZero();

        clock.set(Instant.parse("2028-02-14T09:00:00Z"));
        DisposalPlan plan = retention.plan(clock.instant());
        assertThat(plan.due()).isEqualTo(1);
        assertThat(plan.dueByRule()).containsEntry("email-2y", 1L);
        assertThat(disposed).isEmpty(); // the plan disposes of nothing

        SweepReport report = retention.sweep(100, Duration.ofSeconds(10));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(disposed).singleElement().satisfies(r -> {
            assertThat(r.item()).isEqualTo(ItemKey.of("alice", "contact.email"));
            assertThat(r.action()).isEqualTo(DisposalAction.DELETE);
            assertThat(r.ruleId()).isEqualTo("email-2y");
            assertThat(r.cutoff()).isEqualTo(Instant.parse("2028-02-14T09:00:00Z"));
            assertThat(r.attempt()).isEqualTo(1);
        });
        DisposalRecord audit = retention.disposals(0, 10).get(0);
        assertThat(audit.outcome()).isEqualTo(DisposalRecord.Outcome.DISPOSED);
        assertThat(audit.ruleId()).isEqualTo("email-2y");
        assertThat(audit.policyVersion()).isEqualTo("7");
        assertThat(audit.anchor()).contains(Anchor.LAST_TRANSACTION);
        assertThat(audit.toString()).doesNotContain("alice"); // PII-free
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).claimed()).isZero();
        assertThat(retention.schedule(alice)).isEmpty();

        // a new purchase brings the item back
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        assertThat(retention.schedule(alice)).singleElement()
                .satisfies(s -> assertThat(s.status()).isEqualTo(RetentionVerdict.Status.KEEP));
    }

    @Test
    void erasureIsAnsweredPerItemWithWhatIsKeptWhyAndUntilWhen() {
        RetentionService retention = service().build();
        Instant purchase = Instant.parse("2024-11-20T10:00:00Z");
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "order.record", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "order.record", Anchor.COLLECTED, purchase);
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, purchase);
        LegalHold hold = retention.placeHold(alice, Set.of(CategoryId.of("access.log")), "police request 17/25", "dpo");

        ErasureAnswer answer = retention.requestErasure(alice);

        assertThat(answer.entries()).hasSize(3);
        assertThat(answer.entries()).filteredOn(e -> e.item().category().value().equals("contact.email")).singleElement()
                .satisfies(e -> assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.ERASED_NOW));
        assertThat(answer.kept()).anySatisfy(e -> {
            assertThat(e.item().category().value()).isEqualTo("order.record");
            assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.KEPT_UNTIL);
            assertThat(e.keptUntil()).contains(Instant.parse("2031-12-31T23:00:00Z"));
            assertThat(e.ruleId()).contains("orders-tax-7y");
            assertThat(e.legalReference()).contains("AO §147(1), (4)");
        });
        assertThat(answer.kept()).anySatisfy(e -> {
            assertThat(e.outcome()).isEqualTo(ErasureAnswer.Outcome.HELD);
            assertThat(e.holds()).containsExactly(hold.id());
        });
        assertThat(answer.explain()).contains("order.record: kept until 2031-12-31T23:00:00Z because of rule orders-tax-7y");
        assertThat(retention.wasErased(alice)).isTrue();
        assertThat(retention.erasedAmong(List.of(alice, SubjectId.of("bob")))).containsExactly(alice);

        SweepReport report = retention.sweep(100, Duration.ofSeconds(10));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedHeld()).isEqualTo(1);
        assertThat(disposed).extracting(r -> r.item().category().value()).containsExactly("contact.email");

        clock.advance(Duration.ofMinutes(1));
        retention.releaseHold(hold.id(), "dpo", "request withdrawn");
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(disposed).extracting(r -> r.item().category().value()).containsExactly("contact.email", "access.log");
        assertThatThrownBy(() -> retention.releaseHold(hold.id(), "dpo", "again")).isInstanceOf(ConflictException.class);

        clock.set(Instant.parse("2031-12-31T23:00:00Z"));
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(disposed.get(2).ruleId()).isEqualTo(RetentionVerdict.ERASURE_REQUEST);
    }

    @Test
    void aHoldPlacedAfterPlanningIsHonouredBySweep() {
        RetentionService retention = service().build();
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, clock.instant());
        clock.advance(Duration.ofDays(100));
        assertThat(retention.plan(clock.instant()).due()).isEqualTo(1);
        retention.placeHold(alice, Set.of(), "litigation", "legal");
        SweepReport report = retention.sweep(100, Duration.ofSeconds(10));
        assertThat(report.disposed()).isZero();
        assertThat(report.skippedHeld()).isEqualTo(1);
        assertThat(disposed).isEmpty();
        assertThat(retention.plan(clock.instant()).held()).isEqualTo(1);
    }

    @Test
    void aFailingHandlerIsRetriedWithBackoffWhileTheRestGoesOn() {
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        RetentionService retention = service().handler("access.log", r -> {
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

        SweepReport first = retention.sweep(100, Duration.ofSeconds(10));
        assertThat(first.disposed()).isEqualTo(7);
        assertThat(first.failed()).isEqualTo(3);
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).claimed()).as("backoff").isZero();

        clock.advance(Duration.ofMinutes(1));
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).failed()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(1));
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).claimed()).as("backoff doubled").isZero();
        clock.advance(Duration.ofMinutes(1));
        SweepReport third = retention.sweep(100, Duration.ofSeconds(10));
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
        RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store)
                .clock(clock).build();
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, clock.instant());
        clock.advance(Duration.ofDays(91));
        assertThat(retention.plan(clock.instant()).withoutHandler()).isEqualTo(1);
        SweepReport report = retention.sweep(10, Duration.ofSeconds(5));
        assertThat(report.withoutHandler()).isEqualTo(1);
        assertThat(report.disposed()).isZero();
        assertThat(retention.disposals(0, 10)).singleElement()
                .satisfies(r -> assertThat(r.outcome()).isEqualTo(DisposalRecord.Outcome.NO_HANDLER));
        assertThat(retention.verdict(ItemKey.of("alice", "access.log")).status()).isEqualTo(RetentionVerdict.Status.DUE);
    }

    @Test
    void aBudgetStopsTheSweepAndTheNextOneGoesOn() {
        RetentionService retention = service().batchSize(4).build();
        for (int i = 0; i < 25; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        SweepReport first = retention.sweep(10, Duration.ofSeconds(10));
        assertThat(first.disposed()).isEqualTo(10);
        assertThat(first.budgetExhausted()).isTrue();
        SweepReport rest = retention.sweep(100, Duration.ofSeconds(10));
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
        RetentionService dying = service().node("node-a").batchSize(5).handler("access.log", r -> {
            keys.add(r.idempotencyKey());
            if (calls.incrementAndGet() == 3) {
                throw new Crash(); // the handler ran for item 3, the node died before recording it
            }
        }).build();
        for (int i = 0; i < 5; i++) {
            dying.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        assertThatThrownBy(() -> dying.sweep(100, Duration.ofSeconds(10))).isInstanceOf(Crash.class);
        // a batch's outcomes are recorded together after its handlers ran: the dead node recorded none of them
        assertThat(store.disposals(0, 100)).isEmpty();

        List<String> redone = Collections.synchronizedList(new ArrayList<>());
        RetentionService survivor = service().node("node-b").handler("access.log", r -> redone.add(r.idempotencyKey()))
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
        RetentionService[] other = new RetentionService[1];
        RetentionService slow = service().node("slow").handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                clock.advance(Duration.ofMinutes(6)); // longer than the 5-minute lease
                other[0].sweep(1, Duration.ofSeconds(5)); // the other node takes the item over and disposes of it
            }
        }).build();
        other[0] = service().node("fast").handler("access.log", r -> { }).build();
        slow.recordAnchor(SubjectId.of("s0"), "access.log", Anchor.COLLECTED, clock.instant());
        slow.recordAnchor(SubjectId.of("s1"), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(1));
        clock.advance(Duration.ofDays(91));

        // a budget the slow handler does not spend (budgets are measured by the service's clock too)
        SweepReport report = slow.sweep(10, Duration.ofMinutes(10));

        assertThat(report.lostClaims()).isEqualTo(1);
        assertThat(report.disposed()).as("s1's lease ended too, but no one took it over: renewed").isEqualTo(1);
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::node).containsExactlyInAnyOrder("fast", "slow");
    }

    /** Two access logs due in one batch: s0's handler runs first. */
    private RetentionService twoDueInOneBatch(RetentionService.Builder builder) {
        RetentionService retention = builder.build();
        retention.recordAnchor(SubjectId.of("s0"), "access.log", Anchor.COLLECTED, clock.instant());
        retention.recordAnchor(SubjectId.of("s1"), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(1));
        clock.advance(Duration.ofDays(91));
        return retention;
    }

    @Test
    void aHoldPlacedWhileABatchIsHandledStopsTheLaterItemsOnceHoldRecheckHasPassed() {
        RetentionService[] self = new RetentionService[1];
        self[0] = twoDueInOneBatch(service().holdRecheck(Duration.ofSeconds(1)).handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                // a slow handler; meanwhile a hold is placed on the next item of the same batch
                self[0].placeHold(SubjectId.of("s1"), Set.of(), "litigation", "legal");
                clock.advance(Duration.ofMillis(1001));
            }
            disposed.add(r);
        }));

        SweepReport report = self[0].sweep(10, Duration.ofSeconds(10));

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
    void withinHoldRecheckABatchIsJudgedOnTheHoldsReadForIt() {
        // the documented window: a hold placed less than holdRecheck before a handler is called may not stop it
        RetentionService[] self = new RetentionService[1];
        self[0] = twoDueInOneBatch(service().holdRecheck(Duration.ofSeconds(1)).handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                self[0].placeHold(SubjectId.of("s1"), Set.of(), "litigation", "legal");
                clock.advance(Duration.ofMillis(999));
            }
            disposed.add(r);
        }));
        assertThat(self[0].sweep(10, Duration.ofSeconds(10)).disposed()).isEqualTo(2);
    }

    @Test
    void aZeroHoldRecheckReadsTheHoldsAgainBeforeEveryItem() {
        RetentionService[] self = new RetentionService[1];
        self[0] = twoDueInOneBatch(service().holdRecheck(Duration.ZERO).handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                self[0].placeHold(SubjectId.of("s1"), Set.of(), "litigation", "legal"); // the clock does not move
            }
            disposed.add(r);
        }));
        SweepReport report = self[0].sweep(10, Duration.ofSeconds(10));
        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedHeld()).isEqualTo(1);
    }

    @Test
    void anAnchorMovedWhileASlowBatchIsHandledIsSeenOnceHoldRecheckHasPassed() {
        RetentionService[] self = new RetentionService[1];
        self[0] = twoDueInOneBatch(service().handler("access.log", r -> {
            if (r.item().subject().value().equals("s0")) {
                // new data for s1 arrives while s0 is handled, slowly
                self[0].recordAnchor(SubjectId.of("s1"), "access.log", Anchor.COLLECTED, clock.instant());
                clock.advance(Duration.ofSeconds(2));
            }
            disposed.add(r);
        }));

        SweepReport report = self[0].sweep(10, Duration.ofSeconds(10));

        assertThat(report.disposed()).isEqualTo(1);
        assertThat(report.skippedNotDue()).isEqualTo(1);
        assertThat(self[0].verdict(ItemKey.of("s1", "access.log")).status()).isEqualTo(RetentionVerdict.Status.KEEP);
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
        RetentionService retention = service().store(counting).batchSize(4).build();
        for (int i = 0; i < 10; i++) {
            retention.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant());
        }
        clock.advance(Duration.ofDays(91));
        calls.clear();

        SweepReport report = retention.sweep(100, Duration.ofSeconds(10));

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
        RetentionService a = service().node("a").batchSize(7).handler("access.log", counting).build();
        RetentionService b = service().node("b").batchSize(5).handler("access.log", counting).build();
        int items = 400;
        for (int i = 0; i < items; i++) {
            a.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant().plusMillis(i));
        }
        clock.advance(Duration.ofDays(91));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<SweepReport>> runs = new ArrayList<>();
        for (RetentionService node : List.of(a, b, a, b)) {
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
        RetentionService[] ahead = new RetentionService[1];
        SweepReport[] aheadReport = new SweepReport[1];
        RetentionService a = twoDueInOneBatch(service().node("a").handler("access.log", r -> {
            count(calls, r);
            if (r.item().subject().value().equals("s0")) {
                clock.advance(Duration.ofMinutes(4)); // a slow handler, still within the 5-minute lease
                aheadReport[0] = ahead[0].sweep(10, Duration.ofSeconds(10));
            }
        }));
        // node b's clock runs 90 s ahead: by it, node a's leases ended 30 s ago
        ahead[0] = service().node("b").clock(Clock.offset(clock, Duration.ofSeconds(90)))
                .handler("access.log", r -> count(calls, r)).build();

        SweepReport report = a.sweep(10, Duration.ofMinutes(10));

        assertThat(aheadReport[0].claimed()).as("leases are judged by the store's clock").isZero();
        assertThat(report.disposed()).isEqualTo(2);
        assertThat(calls).containsOnlyKeys("s0", "s1").allSatisfy((k, v) -> assertThat(v).hasValue(1));
        assertThat(store.disposals(0, 10)).extracting(DisposalRecord::node).containsExactly("a", "a");
    }

    @Test
    void aHandlerIsCalledOnlyUnderALiveLeaseAndItemsTakenOverMeanwhileAreGivenUp() {
        Map<String, AtomicInteger> calls = counter();
        RetentionService[] other = new RetentionService[1];
        RetentionService a = service().node("a").batchSize(3).handler("access.log", r -> {
            count(calls, r);
            if (r.item().subject().value().equals("s0")) {
                // s0's handler runs past the lease of the whole batch; node b takes s0 and s1 over meanwhile
                clock.advance(Duration.ofMinutes(6));
                other[0].sweep(2, Duration.ofSeconds(10));
            }
        }).build();
        other[0] = service().node("b").handler("access.log", r -> count(calls, r)).build();
        for (int i = 0; i < 3; i++) {
            a.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(i));
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
        RetentionService retention = twoDueInOneBatch(service().handlerTimeout(Duration.ofMillis(100))
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
                    () -> retention.sweep(10, Duration.ofSeconds(10)), "the sweep must not wait for the handler");

            assertThat(first.failed()).isEqualTo(1);
            assertThat(first.disposed()).as("the sweep went on with s1").isEqualTo(1);
            assertThat(store.disposals(0, 10)).filteredOn(r -> r.itemReference().equals(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).itemReference(s0)))
                    .singleElement().satisfies(r -> {
                        assertThat(r.outcome()).isEqualTo(DisposalRecord.Outcome.FAILED);
                        assertThat(r.failure()).contains("java.util.concurrent.TimeoutException");
                    });
            // the backoff is over, but the call is still running: this node does not start a second one
            clock.advance(Duration.ofMinutes(1));
            SweepReport second = retention.sweep(10, Duration.ofSeconds(10));
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
            if (retention.sweep(10, Duration.ofSeconds(10)).disposed() == 0) {
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
        RetentionService hanging = service().node("a").batchSize(5).handlerTimeout(Duration.ofMillis(100))
                .handler("access.log", r -> {
                    calls.incrementAndGet();
                    clock.advance(Duration.ofSeconds(11)); // past the sweep's 10-second budget
                    never.await();
                }).build();
        for (int i = 0; i < 5; i++) {
            hanging.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, clock.instant().plusSeconds(i));
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
        RetentionService other = service().node("b").build();
        SweepReport rest = other.sweep(100, Duration.ofSeconds(10));
        assertThat(rest.disposed()).isEqualTo(4);
        assertThat(rest.claimed()).as("s0 waits out its backoff").isEqualTo(4);
        List<DisposalRecord> audit = store.disposals(0, 10);
        assertThat(audit).hasSize(5);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
    }

    @Test
    void reindexingAppliesAChangedPolicyToDataAlreadyHeld() {
        RetentionService v7 = service().build();
        v7.recordAnchor(alice, "access.log", Anchor.COLLECTED, clock.instant());
        v7.recordAnchor(SubjectId.of("bob"), "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        dev.consent.policy.Policy shorter = dev.consent.policy.Policy.builder("retention-shop", "8")
                .effectiveFrom(java.time.LocalDate.of(2025, 1, 1)).zone(RetentionPolicy.ZONE)
                .category("access.log", "logs").category("contact.email", "email")
                .purpose(dev.consent.policy.Purpose.builder("security").title("Security")
                        .basis(dev.consent.policy.LegalBasis.LEGITIMATE_INTERESTS).categories("access.log").build())
                .purpose(dev.consent.policy.Purpose.builder("orders").title("Orders")
                        .basis(dev.consent.policy.LegalBasis.CONTRACT).categories("contact.email").build())
                .retention(RetentionRule.maximum("logs-30d", "access.log", DisposalAction.DELETE).period("P30D")
                        .after(Anchor.COLLECTED).build())
                .retention(RetentionRule.maximum("email-2y", "contact.email", DisposalAction.DELETE).period("P2Y")
                        .after(Anchor.LAST_TRANSACTION).build())
                .build();
        RetentionService v8 = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(shorter).store(store).clock(clock)
                .handler("access.log", disposed::add).build();
        clock.advance(Duration.ofDays(31));
        assertThat(v8.plan(clock.instant()).due()).as("indexed under the old 90 days").isZero();

        assertThat(v8.reindexAll()).isEqualTo(1);
        assertThat(v8.plan(clock.instant()).dueByRule()).containsOnly(Map.entry("logs-30d", 1L));
        assertThat(v8.reindexAll()).isZero();
    }

    @Test
    void unknownCategoriesAndBadSettingsAreRejected() {
        RetentionService retention = service().build();
        assertThatThrownBy(() -> retention.recordAnchor(alice, "profiling.data", Anchor.COLLECTED, clock.instant()))
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("profiling.data");
        assertThatThrownBy(() -> service().handler("nope", r -> { }).build()).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("nope");
        assertThatThrownBy(() -> service().lease(Duration.ZERO).build()).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().holdRecheck(Duration.ofSeconds(-1)).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("holdRecheck");
        assertThatThrownBy(() -> service().holdRecheck(null).build()).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().handlerTimeout(null)).isInstanceOf(InvalidValueException.class)
                .hasMessageContaining("handlerTimeout");
        assertThatThrownBy(() -> service().handlerTimeout(Duration.ZERO)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().handlerTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().lease(Duration.ofMinutes(5)).handlerTimeout(Duration.ofSeconds(151)).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("handlerTimeout")
                .hasMessageContaining("half the lease");
        assertThat(service().lease(Duration.ofMinutes(5)).handlerTimeout(Duration.ofSeconds(150)).build()).isNotNull();
        assertThat(service().lease(Duration.ofSeconds(10)).build()).as("the default timeout follows the lease")
                .isNotNull();
        assertThatThrownBy(() -> retention.releaseHold("hold-x", "a", "b")).isInstanceOf(InvalidValueException.class);
    }

    // ----------------------------------------------------------------------------- what outlives an erasure

    /** The unkeyed SHA-256 references of old, which anyone holding a list of emails could compute and match. */
    private static String unkeyedSha256(String s) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /**
     * Issue 12: tombstones and audit references were unsalted SHA-256 of the subject id (often an email), so anyone
     * holding a list of emails could tell who was erased and which audit entries were about whom. They are now an
     * HMAC under the host's key, with the key's id.
     */
    @Test
    void tombstonesAndAuditEntriesCannotBeMatchedWithoutTheHostsKey() throws Exception {
        SubjectId jane = SubjectId.of("jane.doe@example.com");
        ItemKey logs = ItemKey.of(jane, CategoryId.of("access.log"));
        RetentionService retention = service().build();
        retention.recordAnchor(logs, Anchor.COLLECTED, clock.instant().minus(Duration.ofDays(100)));
        retention.requestErasure(jane);
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);

        // what someone with a list of emails would compute, as the old references were made
        assertThat(store.tombstone(unkeyedSha256("subject\n" + jane.value()))).isEmpty();
        String unkeyedItem = unkeyedSha256(jane.value() + "\naccess.log\n");
        List<DisposalRecord> audit = retention.disposals(0, 10);
        assertThat(audit).singleElement().satisfies(r -> {
            assertThat(r.itemReference()).matches("test:[0-9a-f]{64}").doesNotContain(unkeyedItem);
            assertThat(r.idempotencyKey()).startsWith(r.itemReference() + ":").doesNotContain(unkeyedItem);
            assertThat(r.toString()).doesNotContain("jane");
        });
        assertThat(store.tombstone(ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).subjectReference(jane)))
                .isPresent();
        assertThat(retention.wasErased(jane)).isTrue();
        assertThat(retention.wasErased(alice)).isFalse();
        assertThat(retention.refersTo(audit.get(0), logs)).isTrue();
        assertThat(retention.refersTo(audit.get(0), ItemKey.of(alice, CategoryId.of("access.log")))).isFalse();
        assertThat(retention.itemReference(logs)).isEqualTo(audit.get(0).itemReference());

        // the same key id with another secret (a leaked database without the key) matches nothing
        RetentionService stranger = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID,
                "some-other-secret-of-32-bytes!!!".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                .policy(RetentionPolicy.policy()).store(store).clock(clock).build();
        assertThat(stranger.wasErased(jane)).isFalse();
        assertThat(stranger.refersTo(audit.get(0), logs)).isFalse();
    }

    @Test
    void aRotatedKeyStillRecognisesTheTombstonesAndAuditEntriesOfTheOldOne() {
        SubjectId jane = SubjectId.of("jane.doe@example.com");
        SubjectId bob = SubjectId.of("bob");
        ItemKey logs = ItemKey.of(jane, CategoryId.of("access.log"));
        RetentionService before = service().build();
        before.recordAnchor(logs, Anchor.COLLECTED, clock.instant().minus(Duration.ofDays(100)));
        before.requestErasure(jane);
        before.sweep(100, Duration.ofSeconds(10));
        DisposalRecord old = before.disposals(0, 10).get(0);

        byte[] next = "the-2026-reference-key-32-bytes!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        RetentionService after = service().referenceKey("2026-01", next)
                .retiredReferenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).build();
        assertThat(after.wasErased(jane)).isTrue();
        assertThat(after.refersTo(old, logs)).isTrue();
        after.requestErasure(bob);
        assertThat(store.tombstone(ReferenceKey.of("2026-01", next).subjectReference(bob))).isPresent();
        assertThat(after.itemReference(logs)).startsWith("2026-01:").isNotEqualTo(old.itemReference());

        // a key that is dropped no longer recognises what was made with it
        RetentionService forgetful = service().referenceKey("2026-01", next).build();
        assertThat(forgetful.wasErased(jane)).isFalse();
        assertThat(forgetful.wasErased(bob)).isTrue();
        assertThat(forgetful.refersTo(old, logs)).isFalse();
    }

    @Test
    void theReferenceKeyIsRequiredAndChecked() {
        RetentionService.Builder noKey = RetentionService.builder().policy(RetentionPolicy.policy()).store(store);
        assertThatThrownBy(noKey::build).isInstanceOf(InvalidValueException.class)
                .hasMessageStartingWith("referenceKey: null is required");
        assertThatThrownBy(() -> service().referenceKey("k", new byte[15])).isInstanceOf(InvalidValueException.class)
                .hasMessage("referenceKey.secret: \"15 bytes\" must be at least 16 bytes");
        assertThatThrownBy(() -> service().referenceKey("k", null)).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().referenceKey("bad id", new byte[16])).isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().referenceKey("k".repeat(33), new byte[16]))
                .isInstanceOf(InvalidValueException.class);
        assertThatThrownBy(() -> service().retiredReferenceKey(TestKeys.REFERENCE_ID, new byte[16]).build())
                .isInstanceOf(InvalidValueException.class).hasMessageContaining("is used by two reference keys");
        assertThat(ReferenceKey.of("k", TestKeys.REFERENCE).toString()).isEqualTo("ReferenceKey[k]");
    }

    /**
     * Issue 12: items disposed of after an erasure request kept their rows, with the subject id in clear text. An
     * erased subject's item rows go once they are disposed of (those disposed of before the request go at the
     * request); only what a legal minimum or a hold still keeps remains, until then.
     */
    @Test
    void afterAnErasureOnlyTheItemsStillKeptRemainAndThenTheyGoToo() {
        RetentionService retention = service().build();
        Instant purchase = Instant.parse("2024-11-20T10:00:00Z");
        retention.recordAnchor(alice, "access.log", Anchor.COLLECTED, purchase.minus(Duration.ofDays(200)));
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(alice, "order.record", Anchor.LAST_TRANSACTION, purchase);
        retention.recordAnchor(SubjectId.of("bob"), "access.log", Anchor.COLLECTED, purchase.minus(Duration.ofDays(200)));
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(2); // both access logs
        assertThat(store.items(alice)).extracting(i -> i.key().category().value())
                .containsExactly("access.log", "contact.email", "order.record");

        retention.requestErasure(alice);
        assertThat(store.items(alice)).as("the log disposed of before the request goes with it")
                .extracting(i -> i.key().category().value()).containsExactly("contact.email", "order.record");
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(store.items(alice)).as("only what the tax minimum keeps").singleElement().satisfies(i -> {
            assertThat(i.key().category().value()).isEqualTo("order.record");
            assertThat(i.state()).isEqualTo(RetainedItem.State.ACTIVE);
        });
        assertThat(store.items(SubjectId.of("bob"))).as("no erasure, nothing removed").singleElement()
                .extracting(RetainedItem::state).isEqualTo(RetainedItem.State.DISPOSED);

        clock.set(Instant.parse("2031-12-31T23:00:00Z"));
        assertThat(retention.sweep(100, Duration.ofSeconds(10)).disposed()).isEqualTo(1);
        assertThat(store.items(alice)).isEmpty();
        assertThat(retention.disposals(0, 100)).filteredOn(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED)
                .hasSize(4).allSatisfy(r -> assertThat(r.toString()).doesNotContain("alice"));
        assertThat(retention.wasErased(alice)).isTrue();
        // new data after the erasure is a new item
        retention.recordAnchor(alice, "contact.email", Anchor.LAST_TRANSACTION, clock.instant());
        assertThat(store.items(alice)).singleElement().satisfies(i -> assertThat(i.erasureRequestedAt()).isEmpty());
    }
}

package dev.consent.jdbc;

import dev.consent.retention.RetainedItem;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalHandler;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.SweepReport;
import dev.consent.testing.MutableClock;
import dev.consent.testing.RetentionPolicy;
import dev.consent.testing.TestKeys;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two application nodes sweeping one PostgreSQL database: each with its own pool, {@link JdbcStore} and
 * {@link RetentionService}, sharing only the tables (and, unless a test says otherwise, a test clock). Leases run on
 * the database's clock, which tests cannot move: they run leases out by moving the stored lease ends back
 * ({@link Databases#passLeaseTime}).
 */
class RetentionOnTwoPostgresNodesTest extends TwoPostgresNodes {
    private final MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");

    private RetentionService retention(JdbcStore store, java.time.Clock clock) {
        return RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE)
                .policy(RetentionPolicy.policy()).store(store).clock(clock).build();
    }

    private Sweeper.Builder node(JdbcStore store, String name) {
        return Sweeper.builder(retention(store, clock)).node(name)
                .lease(Duration.ofMinutes(5)).retryBackoff(Duration.ofMinutes(1), Duration.ofHours(1));
    }

    /** As if {@code d} passed on the database's clock, by which the leases run. */
    private void passLeaseTime(Duration d) {
        Databases.passLeaseTime(poolA, Database.POSTGRESQL, prefix, d);
    }

    private static void count(Map<String, AtomicInteger> calls, dev.consent.retention.DisposalRequest r) {
        calls.computeIfAbsent(r.item().subject().value(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** {@code count} access logs collected now (due in 90 days), written straight into the items table in one batch. */
    private void accessLogs(int count) throws SQLException {
        RetentionService writer = retention(storeA, clock);
        // one through the service, to take its due instant; the rest are the same row for other subjects
        writer.recordAnchor(SubjectId.of("s0"), "access.log", Anchor.COLLECTED, clock.instant());
        try (Connection c = poolA.getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "items (subject, category, purpose,"
                     + " anchors, erasure_requested_at, due_at, state, attempts, not_before, version)"
                     + " SELECT 's' || n, category, purpose, anchors, erasure_requested_at, due_at"
                     + " + n * INTERVAL '1 millisecond', state, attempts, not_before, version FROM " + prefix
                     + "items, generate_series(1, ?) AS n WHERE subject = 's0'")) {
            ps.setInt(1, count - 1);
            assertThat(ps.executeUpdate()).isEqualTo(count - 1);
        }
        assertThat(storeB.dueItems(clock.instant().plus(Duration.ofDays(91)), count + 1))
                .hasSize(count);
    }

    @Test
    void twoNodesRacingSweepsDisposeEachOf500ItemsExactlyOnce() throws Exception {
        int items = 500;
        accessLogs(items);
        clock.advance(Duration.ofDays(91));
        Map<ItemKey, AtomicInteger> handled = new ConcurrentHashMap<>();
        DisposalHandler counting = r -> handled.computeIfAbsent(r.item(), k -> new AtomicInteger()).incrementAndGet();
        Sweeper a = node(storeA, "node-a").batchSize(7).handler("access.log", counting).build();
        Sweeper b = node(storeB, "node-b").batchSize(5).handler("access.log", counting).build();

        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<SweepReport>> runs = new ArrayList<>();
        for (Sweeper node : List.of(a, b, a, b)) {
            runs.add(pool.submit(() -> {
                start.await();
                return node.sweep(10_000, Duration.ofSeconds(60));
            }));
        }
        long began = System.nanoTime();
        start.countDown();
        int disposed = 0;
        int lost = 0;
        for (Future<SweepReport> f : runs) {
            SweepReport r = f.get(90, TimeUnit.SECONDS);
            disposed += r.disposed();
            lost += r.lostClaims();
        }
        pool.shutdown();
        System.out.printf("[consent-jdbc tests] 2 nodes x 2 sweepers disposed %d items on PostgreSQL in %d ms%n", items,
                (System.nanoTime() - began) / 1_000_000);

        assertThat(disposed).isEqualTo(items);
        assertThat(lost).as("no lease ran out, so no claim was lost").isZero();
        assertThat(handled).hasSize(items);
        assertThat(handled.values()).as("each handler ran once per item").allMatch(c -> c.get() == 1);
        List<DisposalRecord> audit = storeA.disposals(0, 10_000);
        assertThat(audit).hasSize(items).allMatch(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        assertThat(audit).extracting(DisposalRecord::sequence)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, items).boxed().toList());
        assertThat(audit).extracting(DisposalRecord::node).contains("node-a", "node-b");
        assertThat(storeB.claimDue(clock.instant(), 10, "node-c", Duration.ofMinutes(1))).isEmpty();
    }

    /** Stands for a JVM dying mid-batch: it escapes the sweeper, leaving its claims leased. */
    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void aSweeperKilledMidBatchIsTakenOverByTheOtherNodeAfterItsLeaseWithTheSameIdempotencyKey() throws Exception {
        accessLogs(20);
        clock.advance(Duration.ofDays(91));
        List<String> keysA = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger callsA = new AtomicInteger();
        Sweeper dying = node(storeA, "node-a").batchSize(5).handler("access.log", r -> {
            keysA.add(r.idempotencyKey());
            if (callsA.incrementAndGet() == 3) {
                throw new Crash(); // the handler ran for the third item; the node died before recording it
            }
        }).build();
        assertThatThrownBy(() -> dying.sweep(100, Duration.ofSeconds(30))).isInstanceOf(Crash.class);
        // a batch's outcomes are recorded together after its handlers ran: node A recorded none of its batch
        assertThat(storeB.disposals(0, 100)).isEmpty();

        List<String> keysB = Collections.synchronizedList(new ArrayList<>());
        Sweeper survivor = node(storeB, "node-b").batchSize(4).handler("access.log",
                r -> keysB.add(r.idempotencyKey())).build();
        SweepReport before = survivor.sweep(100, Duration.ofSeconds(30));
        assertThat(before.disposed()).as("the 15 items node A never claimed").isEqualTo(15);
        assertThat(keysB).doesNotContainAnyElementsOf(keysA);

        passLeaseTime(Duration.ofMinutes(4));
        assertThat(survivor.sweep(100, Duration.ofSeconds(30)).claimed()).as("a minute before the lease ends")
                .isZero();
        passLeaseTime(Duration.ofMinutes(1));
        SweepReport after = survivor.sweep(100, Duration.ofSeconds(30));
        assertThat(after.disposed()).as("node A's whole batch: two handled, one in flight, two never reached")
                .isEqualTo(5);
        assertThat(keysB).containsAll(keysA).hasSize(20);

        List<DisposalRecord> audit = storeA.disposals(0, 100);
        assertThat(audit).hasSize(20).allMatch(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        assertThat(audit).allMatch(r -> r.node().equals("node-b"));
        for (String key : keysA) {
            assertThat(audit).filteredOn(r -> r.idempotencyKey().equals(key))
                    .singleElement().satisfies(r -> assertThat(r.node()).isEqualTo("node-b"));
        }
    }

    @Test
    void aClaimLostToATakeoverCannotBeFinishedByItsFirstHolder() {
        storeA.saveItem(dev.consent.retention.RetainedItem.create(ItemKey.of("s1", "access.log"))
                .withDue(clock.instant()));
        Instant now = clock.instant();
        var first = storeA.claimDue(now, 10, "node-a", Duration.ofSeconds(30));
        assertThat(first).hasSize(1);
        passLeaseTime(Duration.ofSeconds(30));
        var second = storeB.claimDue(now, 10, "node-b", Duration.ofSeconds(30));
        assertThat(second).hasSize(1);
        DisposalRecord audit = new DisposalRecord(0, now, "ref", "access.log", "", "logs-90d", "7",
                java.util.Optional.empty(), java.util.Optional.empty(), now, dev.consent.retention.DisposalAction.DELETE,
                DisposalRecord.Outcome.DISPOSED, 1, "key", "node-a", java.util.Optional.empty());
        assertThat(finish(storeA, first.get(0), first.get(0).item(), audit)).isFalse();
        assertThat(finish(storeB, second.get(0), second.get(0).item(), audit)).isTrue();
        assertThat(storeA.disposals(0, 10)).hasSize(1);
    }

    @Test
    void aNodeWhoseClockIsNinetySecondsAheadCannotTakeOverTheOthersLiveClaims() throws Exception {
        accessLogs(2);
        clock.advance(Duration.ofDays(91));
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Sweeper[] ahead = new Sweeper[1];
        SweepReport[] aheadReport = new SweepReport[1];
        Sweeper a = node(storeA, "node-a").handler("access.log", r -> {
            count(calls, r);
            if (r.item().subject().value().equals("s0")) {
                clock.advance(Duration.ofMinutes(4)); // a slow handler, within the 5-minute lease
                aheadReport[0] = ahead[0].sweep(10, Duration.ofSeconds(30));
            }
        }).build();
        // node B's clock runs 90 s ahead of node A's: by it, A's leases ended 30 s ago
        ahead[0] = Sweeper.builder(retention(storeB, java.time.Clock.offset(clock, Duration.ofSeconds(90))))
                .node("node-b").lease(Duration.ofMinutes(5)).handler("access.log", r -> count(calls, r)).build();

        SweepReport report = a.sweep(10, Duration.ofMinutes(10));

        assertThat(aheadReport[0].claimed()).as("leases are judged by the database's clock").isZero();
        assertThat(report.disposed()).isEqualTo(2);
        assertThat(calls).containsOnlyKeys("s0", "s1").allSatisfy((k, v) -> assertThat(v).hasValue(1));
        assertThat(storeB.disposals(0, 10)).extracting(DisposalRecord::node).containsExactly("node-a", "node-a");
    }

    @Test
    void aHandlerRunningPastItsLeaseLosesWhatWasTakenOverAndItsLateFinishIsRefused() throws Exception {
        accessLogs(3);
        clock.advance(Duration.ofDays(91));
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        CountDownLatch inS0 = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        Sweeper a = node(storeA, "node-a").batchSize(3).handler("access.log", r -> {
            count(calls, r);
            if (r.item().subject().value().equals("s0")) {
                inS0.countDown();
                goOn.await();
            }
        }).build();
        Sweeper b = node(storeB, "node-b").handler("access.log", r -> count(calls, r)).build();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<SweepReport> sweepA = pool.submit(() -> a.sweep(10, Duration.ofMinutes(10)));
            assertThat(inS0.await(1, TimeUnit.MINUTES)).isTrue();
            // s0's handler runs for 6 minutes: the batch's leases end (on the database's clock and on node A's) and
            // node B takes s0 and s1 over and disposes of them
            passLeaseTime(Duration.ofMinutes(6));
            clock.advance(Duration.ofMinutes(6));
            SweepReport byB = b.sweep(2, Duration.ofSeconds(30));
            assertThat(byB.disposed()).isEqualTo(2);
            goOn.countDown();
            SweepReport byA = sweepA.get(1, TimeUnit.MINUTES);

            // A's late finish of s0 is refused; before s1's handler A renews the rest of its batch: s1 is B's
            assertThat(byA.lostClaims()).isEqualTo(2);
            assertThat(byA.disposed()).as("s2, under its renewed lease").isEqualTo(1);
        } finally {
            goOn.countDown();
            pool.shutdownNow();
        }
        assertThat(calls.get("s1")).as("never handled by two nodes").hasValue(1);
        assertThat(calls.get("s2")).hasValue(1);
        assertThat(calls.get("s0")).as("the call in flight when its lease ended (a handler timeout prevents it)")
                .hasValue(2);
        List<DisposalRecord> audit = storeA.disposals(0, 10);
        assertThat(audit).hasSize(3).allMatch(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED);
        assertThat(audit).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        assertThat(audit).extracting(DisposalRecord::node).containsExactly("node-b", "node-b", "node-a");
    }

    @Test
    void aHangingHandlerIsGivenUpAndTheOtherNodeDisposesOfTheItemOnce() throws Exception {
        accessLogs(1);
        clock.advance(Duration.ofDays(91));
        CountDownLatch never = new CountDownLatch(1);
        Sweeper hanging = node(storeA, "node-a").handlerTimeout(Duration.ofMillis(200))
                .handler("access.log", r -> never.await()).build();
        AtomicInteger byB = new AtomicInteger();
        Sweeper b = node(storeB, "node-b").handler("access.log", r -> byB.incrementAndGet()).build();
        try {
            SweepReport report = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofMinutes(1),
                    () -> hanging.sweep(10, Duration.ofMinutes(1)), "the sweep must not wait for the handler");
            assertThat(report.failed()).isEqualTo(1);
        } finally {
            never.countDown();
        }
        assertThat(b.sweep(10, Duration.ofSeconds(30)).claimed()).as("backoff").isZero();
        clock.advance(Duration.ofMinutes(1));
        assertThat(b.sweep(10, Duration.ofSeconds(30)).disposed()).isEqualTo(1);
        assertThat(byB).hasValue(1);
        assertThat(storeA.disposals(0, 10)).extracting(DisposalRecord::outcome, DisposalRecord::failure,
                DisposalRecord::node).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(DisposalRecord.Outcome.FAILED,
                                java.util.Optional.of("java.util.concurrent.TimeoutException"), "node-a"),
                        org.assertj.core.groups.Tuple.tuple(DisposalRecord.Outcome.DISPOSED, java.util.Optional.empty(),
                                "node-b"));
    }

    /** One finished attempt, recorded through the store's only finishing write, {@code finishClaims}. */
    private static boolean finish(RetentionStore store, Claim claim, RetainedItem updated, DisposalRecord audit) {
        return store.finishClaims(List.of(new RetentionStore.FinishedAttempt(claim, updated, audit))).get(0);
    }
}

package dev.consent.jdbc;

import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalHandler;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetentionService;
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
 * {@link RetentionService}, sharing only the tables (and a test clock, so leases can be run out).
 */
class RetentionOnTwoPostgresNodesTest extends TwoPostgresNodes {
    private final MutableClock clock = MutableClock.at("2025-01-10T09:00:00Z");

    private RetentionService.Builder node(JdbcStore store, String name) {
        return RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(store).clock(clock).node(name)
                .lease(Duration.ofMinutes(5)).retryBackoff(Duration.ofMinutes(1), Duration.ofHours(1));
    }

    /** {@code count} access logs collected now (due in 90 days), written straight into the items table in one batch. */
    private void accessLogs(int count) throws SQLException {
        RetentionService writer = node(storeA, "writer").build();
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
        assertThat(storeB.dueItems(clock.instant().plus(Duration.ofDays(91)), java.util.Optional.empty(), count + 1))
                .hasSize(count);
    }

    @Test
    void twoNodesRacingSweepsDisposeEachOf500ItemsExactlyOnce() throws Exception {
        int items = 500;
        accessLogs(items);
        clock.advance(Duration.ofDays(91));
        Map<ItemKey, AtomicInteger> handled = new ConcurrentHashMap<>();
        DisposalHandler counting = r -> handled.computeIfAbsent(r.item(), k -> new AtomicInteger()).incrementAndGet();
        RetentionService a = node(storeA, "node-a").batchSize(7).handler("access.log", counting).build();
        RetentionService b = node(storeB, "node-b").batchSize(5).handler("access.log", counting).build();

        ExecutorService pool = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<SweepReport>> runs = new ArrayList<>();
        for (RetentionService node : List.of(a, b, a, b)) {
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
        RetentionService dying = node(storeA, "node-a").batchSize(5).handler("access.log", r -> {
            keysA.add(r.idempotencyKey());
            if (callsA.incrementAndGet() == 3) {
                throw new Crash(); // the handler ran for the third item; the node died before recording it
            }
        }).build();
        assertThatThrownBy(() -> dying.sweep(100, Duration.ofSeconds(30))).isInstanceOf(Crash.class);
        // a batch's outcomes are recorded together after its handlers ran: node A recorded none of its batch
        assertThat(storeB.disposals(0, 100)).isEmpty();

        List<String> keysB = Collections.synchronizedList(new ArrayList<>());
        RetentionService survivor = node(storeB, "node-b").batchSize(4).handler("access.log",
                r -> keysB.add(r.idempotencyKey())).build();
        SweepReport before = survivor.sweep(100, Duration.ofSeconds(30));
        assertThat(before.disposed()).as("the 15 items node A never claimed").isEqualTo(15);
        assertThat(keysB).doesNotContainAnyElementsOf(keysA);

        clock.advance(Duration.ofMinutes(5).minusNanos(1000));
        assertThat(survivor.sweep(100, Duration.ofSeconds(30)).claimed()).as("a microsecond before the lease ends")
                .isZero();
        clock.advance(Duration.ofNanos(1000));
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
                .withDue(java.util.Optional.of(clock.instant())));
        Instant now = clock.instant();
        var first = storeA.claimDue(now, 10, "node-a", Duration.ofSeconds(30));
        assertThat(first).hasSize(1);
        var second = storeB.claimDue(now.plusSeconds(30), 10, "node-b", Duration.ofSeconds(30));
        assertThat(second).hasSize(1);
        DisposalRecord audit = new DisposalRecord(0, now, "ref", "access.log", "", "logs-90d", "7",
                java.util.Optional.empty(), java.util.Optional.empty(), now, dev.consent.retention.DisposalAction.DELETE,
                DisposalRecord.Outcome.DISPOSED, 1, "key", "node-a", java.util.Optional.empty());
        assertThat(storeA.finishClaim(first.get(0), first.get(0).item(), audit)).isFalse();
        assertThat(storeB.finishClaim(second.get(0), second.get(0).item(), audit)).isTrue();
        assertThat(storeA.disposals(0, 10)).hasSize(1);
    }
}

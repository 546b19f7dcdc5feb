package dev.consent.jdbc.reliability;

import dev.consent.testing.TestKeys;

import com.zaxxer.hikari.HikariDataSource;
import dev.consent.jdbc.Databases;
import dev.consent.jdbc.Database;
import dev.consent.jdbc.JdbcStore;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalHandler;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.RetentionService;
import dev.consent.retention.Sweeper;
import dev.consent.retention.SweepReport;
import dev.consent.testing.RetentionPolicy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two nodes sweeping one database with clocks 90 s apart, short leases and handlers that are often slow: some within
 * the handler timeout (so leases must be renewed mid-batch), some past it and interruptible, some past it and deaf to
 * interruption (they return "disposed" long after they were given up). Two sweeping threads per node, each its own
 * pool, store and service, until nothing is due.
 *
 * <p>Afterwards, from the handlers' own records (System.nanoTime, one JVM) and the tables: every item is disposed of
 * and audited as disposed exactly once; no handler call began while another call for the same item was still within
 * its handler timeout (the time the sweeper is sure its lease covers); and every audited disposal is a call that
 * returned within the timeout on the node and attempt the audit names, so no late return was ever recorded.
 */
class SweeperClockSkewTest {
    private static final long SEED = Long.getLong("reliability.seed", 20250417L);
    private static final int ITEMS = 120;
    private static final Duration LEASE = Duration.ofSeconds(2);
    private static final Duration TIMEOUT = Duration.ofMillis(400);

    /** One handler call, as the handler saw it. */
    private record Call(ItemKey item, String node, int attempt, long startNanos, long endNanos, boolean returned) {
        long millis() {
            return (endNanos - startNanos) / 1_000_000;
        }
    }

    @ParameterizedTest
    @EnumSource(value = Database.class, names = {"POSTGRESQL", "MARIADB"})
    void nodesNinetySecondsApartWithSlowHandlersDisposeOfEachItemOnce(Database dialect) throws Exception {
        String prefix = Databases.freshPrefix();
        HikariDataSource poolA = Databases.pool(dialect, null, 4);
        HikariDataSource poolB = Databases.pool(dialect, null, 4);
        try {
            JdbcStore storeA = JdbcStore.builder(poolA).tablePrefix(prefix).build();
            JdbcStore storeB = JdbcStore.builder(poolB).tablePrefix(prefix).build();
            run(dialect, storeA, storeB);
        } finally {
            Databases.dropTables(poolA, prefix);
            poolA.close();
            poolB.close();
        }
    }

    private void run(Database dialect, JdbcStore storeA, JdbcStore storeB) throws Exception {
        RetentionService writer = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(storeA).build();
        Instant collected = Instant.now().minus(Duration.ofDays(92));
        for (int i = 0; i < ITEMS; i++) {
            writer.recordAnchor(SubjectId.of("s" + i), "access.log", Anchor.COLLECTED, collected.plusMillis(i));
        }

        Random random = new Random(SEED);
        List<Call> calls = Collections.synchronizedList(new ArrayList<>());
        Map<ItemKey, List<long[]>> active = new HashMap<>(); // item -> {start, thread id} of calls in progress
        List<String> overlaps = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger givenUpStillRunning = new AtomicInteger();
        long timeoutNanos = TIMEOUT.toNanos();

        Sweeper[] nodes = new Sweeper[2];
        for (int n = 0; n < 2; n++) {
            String name = n == 0 ? "node-a" : "node-b";
            // node A's clock runs 45 s behind, node B's 45 s ahead: 90 s apart
            Clock clock = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(n == 0 ? -45 : 45));
            DisposalHandler handler = r -> {
                int kind;
                long sleepMillis;
                synchronized (random) {
                    int dice = random.nextInt(100);
                    kind = dice < 60 ? 0 : dice < 85 ? 1 : dice < 95 ? 2 : 3;
                    sleepMillis = switch (kind) {
                        case 0 -> random.nextInt(20); // quick
                        case 1 -> 100 + random.nextInt(250); // slow, within the timeout
                        default -> 600 + random.nextInt(400); // past the timeout
                    };
                }
                long start = System.nanoTime();
                synchronized (active) {
                    for (long[] other : active.getOrDefault(r.item(), List.of())) {
                        if (start - other[0] < timeoutNanos) {
                            overlaps.add(r.item() + " began " + (start - other[0]) / 1_000_000 + " ms after a call"
                                    + " still within its timeout");
                        } else {
                            givenUpStillRunning.incrementAndGet();
                        }
                    }
                    active.computeIfAbsent(r.item(), k -> new ArrayList<>()).add(new long[] {start});
                }
                boolean returned = false;
                try {
                    if (kind == 3) {
                        // deaf to interruption: returns "disposed" long after it was given up
                        long until = start + sleepMillis * 1_000_000;
                        while (System.nanoTime() < until) {
                            Thread.interrupted(); // ignored, and cleared so that parking parks
                            LockSupport.parkNanos(until - System.nanoTime());
                        }
                    } else {
                        Thread.sleep(sleepMillis); // interrupted when given up: throws
                    }
                    returned = true;
                } finally {
                    long end = System.nanoTime();
                    synchronized (active) {
                        active.get(r.item()).removeIf(c -> c[0] == start);
                    }
                    calls.add(new Call(r.item(), name, r.attempt(), start, end, returned));
                }
            };
            RetentionService retention = RetentionService.builder().referenceKey(TestKeys.REFERENCE_ID,
                    TestKeys.REFERENCE).policy(RetentionPolicy.policy()).store(n == 0 ? storeA : storeB).clock(clock)
                    .build();
            nodes[n] = Sweeper.builder(retention).node(name).lease(LEASE).handlerTimeout(TIMEOUT).batchSize(4)
                    .retryBackoff(Duration.ofMillis(100), Duration.ofMillis(400))
                    .handler("access.log", handler).build();
        }

        ExecutorService sweepers = Executors.newFixedThreadPool(4);
        CountDownLatch start = new CountDownLatch(1);
        long began = System.nanoTime();
        long deadline = began + Duration.ofSeconds(120).toNanos();
        List<Future<int[]>> runs = new ArrayList<>();
        for (Sweeper node : List.of(nodes[0], nodes[1], nodes[0], nodes[1])) {
            runs.add(sweepers.submit(() -> {
                start.await();
                int[] totals = new int[3]; // disposed, failed, lost
                while (System.nanoTime() < deadline) {
                    SweepReport report = node.sweep(40, Duration.ofSeconds(5));
                    totals[0] += report.disposed();
                    totals[1] += report.failed();
                    totals[2] += report.lostClaims();
                    if (report.claimed() == 0) {
                        if (storeA.dueItems(Instant.now().plus(Duration.ofDays(1)), 1).isEmpty()) {
                            return totals;
                        }
                        Thread.sleep(50); // backoffs and other nodes' leases
                    }
                }
                return totals;
            }));
        }
        start.countDown();
        int disposed = 0;
        int failed = 0;
        int lost = 0;
        for (Future<int[]> f : runs) {
            int[] t = f.get(180, TimeUnit.SECONDS);
            disposed += t[0];
            failed += t[1];
            lost += t[2];
        }
        sweepers.shutdown();
        long millis = (System.nanoTime() - began) / 1_000_000;

        List<DisposalRecord> audit = storeB.disposals(0, 100_000);
        List<DisposalRecord> disposals = audit.stream()
                .filter(r -> r.outcome() == DisposalRecord.Outcome.DISPOSED).toList();
        long timeouts = audit.stream().filter(r -> r.failure().equals(Optional.of("java.util.concurrent.TimeoutException")))
                .count();
        long notCalled = audit.stream()
                .filter(r -> r.failure().equals(Optional.of("java.util.concurrent.RejectedExecutionException"))).count();
        long lateReturns = calls.stream().filter(c -> c.returned() && c.endNanos() - c.startNanos() >= timeoutNanos)
                .count();
        System.out.printf("[reliability] sweeper clock skew %s seed %d: %d items, nodes 90 s apart, lease %d ms,"
                        + " handler timeout %d ms; %d handler calls (%d timed out, %d returned after their timeout);"
                        + " %d failed (%d not called: a given-up call still running on that node), %d lost claims, %d disposed (A %d, B %d); %d calls began beside a given-up call"
                        + " still running; %d overlaps within a timeout; %d ms%n",
                dialect, SEED, ITEMS, LEASE.toMillis(), TIMEOUT.toMillis(), calls.size(), timeouts, lateReturns, failed,
                notCalled, lost, disposed, disposals.stream().filter(r -> r.node().equals("node-a")).count(),
                disposals.stream().filter(r -> r.node().equals("node-b")).count(), givenUpStillRunning.get(),
                overlaps.size(), millis);

        assertThat(overlaps).as("no call began while another for the item was within its timeout").isEmpty();
        assertThat(disposed).isEqualTo(ITEMS);
        assertThat(disposals).hasSize(ITEMS);
        assertThat(disposals).extracting(DisposalRecord::itemReference).doesNotHaveDuplicates();
        for (int i = 0; i < ITEMS; i++) {
            assertThat(storeA.item(ItemKey.of("s" + i, "access.log")).orElseThrow().state())
                    .isEqualTo(RetainedItem.State.DISPOSED);
        }
        // every audited disposal is a call that returned in time, on the node and attempt the audit names
        List<Call> all = List.copyOf(calls);
        for (DisposalRecord r : disposals) {
            assertThat(all.stream().anyMatch(c -> dev.consent.retention.ReferenceKey.of(TestKeys.REFERENCE_ID, TestKeys.REFERENCE).itemReference(c.item()).equals(r.itemReference())
                    && c.node().equals(r.node()) && c.attempt() == r.attempt() && c.returned()
                    && c.endNanos() - c.startNanos() < timeoutNanos)).as("a call that returned in time behind %s", r)
                    .isTrue();
        }
        // a timed-out attempt was never recorded as anything but a failure
        assertThat(audit.stream().filter(r -> r.outcome() == DisposalRecord.Outcome.FAILED).count())
                .isEqualTo(failed);
        assertThat(calls.stream().filter(c -> c.millis() >= TIMEOUT.toMillis()).count()).as("slow calls happened")
                .isPositive();
    }
}

package dev.consent.jdbc;

import dev.consent.ConsentService;
import dev.consent.FeedPolling;
import dev.consent.Reason;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.Evidence;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.store.ConsentStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two application nodes on one PostgreSQL database: each with its own connection pool, its own
 * {@link JdbcStore} instance and its own {@link ConsentService} cache.
 */
class TwoNodesOnPostgresTest extends TwoPostgresNodes {
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration STALENESS_BOUND = Duration.ofMillis(500);

    @Override
    protected int poolSize() {
        return 6;
    }

    private ConsentService node(JdbcStore store) {
        return ConsentService.builder().policy(ShopPolicy.v1()).store(store).changeFeedPollInterval(POLL)
                .maxStaleness(STALENESS_BOUND).build();
    }

    @Test
    void aWithdrawalOnOneNodeIsHonouredOnTheOtherWithinTheBound() throws InterruptedException {
        SubjectId alice = SubjectId.of("alice");
        try (ConsentService a = node(storeA)) {
            a.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        }
        // Node B starts after the grant, so the grant's own feed entry cannot evict what B caches next.
        try (ConsentService a = node(storeA); ConsentService b = node(storeB)) {
            assertThat(b.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            assertThat(b.cachedSubjects()).as("node B answers alice from its cache from now on").isEqualTo(1);

            a.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            long start = System.nanoTime();
            long deadline = start + STALENESS_BOUND.toNanos();
            while (b.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()) {
                assertThat(System.nanoTime()).as("node B still allows alice %s ms after the withdrawal on node A",
                        (System.nanoTime() - start) / 1_000_000).isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(b.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }

    /**
     * The feed table is emptied with its positions restarted (as a restore from a backup could leave it) and node B
     * writes a withdrawal, which lands at a position node A has already read past. A, woken by B's notification,
     * must notice that the entry it read last is gone and drop its cache, instead of answering "allowed" forever.
     */
    @Test
    void aNodeNoticesAChangeFeedTruncatedWithItsPositionsRestarted() throws Exception {
        SubjectId alice = SubjectId.of("alice");
        try (ConsentService a = node(storeA)) {
            a.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        }
        try (ConsentService a = node(storeA); ConsentService b = node(storeB)) {
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            assertThat(a.cachedSubjects()).as("node A answers alice from its cache from now on").isEqualTo(1);

            Databases.execute(poolB, "TRUNCATE TABLE " + prefix + "changes RESTART IDENTITY");
            Databases.execute(poolB, "UPDATE " + prefix + "feed_lock SET last_position = 0");
            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            assertThat(storeB.changeCursor().position()).as("the withdrawal's position, already read past by A").isEqualTo(1);

            awaitWithdrawn(a, alice);
            b.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(a.checkUncached(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached again
            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            awaitWithdrawn(a, alice); // and A follows the feed from where it now stands
        }
    }

    /**
     * Node B withdraws, then the feed table is truncated (positions continue) before node A read the withdrawal's
     * entry. A reads the feed when the test says so.
     */
    @Test
    void aNodeWhoseUnreadEntriesWereTruncatedDropsItsCache() throws Exception {
        SubjectId alice = SubjectId.of("alice");
        SubjectId bob = SubjectId.of("bob");
        try (ConsentService a = ConsentService.builder().policy(ShopPolicy.v1()).store(FeedPolling.withoutPush(storeA))
                .changeFeedPollInterval(Duration.ofMinutes(10)).build();
             ConsentService b = node(storeB)) {
            b.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            b.grant(bob, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A
            assertThat(a.check(bob, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();

            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            Databases.execute(poolB, "TRUNCATE TABLE " + prefix + "changes");
            FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
            assertThat(a.check(bob, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue();
            b.withdraw(bob, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            FeedPolling.pollNow(a);
            assertThat(a.check(bob, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }

    /** Node B prunes the feed past node A's last-read entry, taking A's unread withdrawal with it. */
    @Test
    void aNodeBehindAPruneOnAnotherNodeDropsItsCache() {
        SubjectId alice = SubjectId.of("alice");
        MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.MICROS));
        try (ConsentService a = ConsentService.builder().policy(ShopPolicy.v1()).store(FeedPolling.withoutPush(storeA))
                .changeFeedPollInterval(Duration.ofMinutes(10)).build();
             ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(storeB).clock(clock).build()) {
            b.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A

            b.withdraw(alice, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            clock.advance(Duration.ofDays(2));
            b.grant(SubjectId.of("bob"), ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            assertThat(b.pruneChangeFeed(Duration.ofDays(1))).isEqualTo(2);

            FeedPolling.pollNow(a);
            assertThat(a.check(alice, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }

    /** Waits (up to ten seconds: a liveness bound, not a speed requirement) until the node's cache says WITHDRAWN. */
    private static void awaitWithdrawn(ConsentService node, SubjectId subject) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (node.check(subject, ShopPolicy.MARKETING_EMAIL).allowed() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(node.check(subject, ShopPolicy.MARKETING_EMAIL).reason())
                .as("node A's cached answer after the withdrawal on node B").isEqualTo(Reason.WITHDRAWN);
    }

    @Test
    void twoNodesTimesFourThreadsKeepOneChainPerSubject() throws Exception {
        List<SubjectId> subjects = List.of(SubjectId.of("s1"), SubjectId.of("s2"), SubjectId.of("s3"));
        int perThread = 15;
        List<ConsentEvent> returned = Collections.synchronizedList(new ArrayList<>());
        try (ConsentService a = node(storeA); ConsentService b = node(storeB)) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                ConsentService node = t < 4 ? a : b;
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        SubjectId s = subjects.get((thread + i) % subjects.size());
                        Choice c = i % 2 == 0 ? Choice.GRANTED : Choice.WITHDRAWN;
                        returned.addAll(node.record(List.of(
                                new ChoiceRecord(s, ShopPolicy.MARKETING_EMAIL, c, Capture.by(Method.API)),
                                new ChoiceRecord(subjects.get(2), ShopPolicy.MARKETING_SMS, c, Capture.by(Method.API)))));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();

            Set<EventId> storedIds = new HashSet<>();
            for (SubjectId s : subjects) {
                assertThat(a.verify(s).intact()).as("chain of %s seen from node A", s).isTrue();
                assertThat(b.verify(s).intact()).as("chain of %s seen from node B", s).isTrue();
                b.history(s).forEach(e -> storedIds.add(e.id()));
            }
            assertThat(returned).hasSize(8 * perThread * 2);
            assertThat(storedIds).hasSize(returned.size());
            Map<EventId, ConsentEvent> stored = storeB.findEvents(returned.stream().map(ConsentEvent::id).toList());
            assertThat(returned).allSatisfy(e -> assertThat(stored.get(e.id())).isEqualTo(e));
        }
    }

    /**
     * Writers on both nodes commit concurrently while a poller on node B follows the feed the way the consent
     * service does (remembering the highest position seen). A position that became visible after a higher one
     * would be skipped for good; numbering entries after they commit must make that impossible.
     */
    @Test
    void theChangeFeedNeverSkipsAnEntryACommittingWriterMakesVisibleLater() throws Exception {
        ConsentStore.FeedCursor start = storeB.changeCursor();
        AtomicBoolean writing = new AtomicBoolean(true);
        Set<Long> seen = new ConcurrentSkipListSet<>();
        ExecutorService pool = Executors.newFixedThreadPool(7);
        Future<?> poller = pool.submit(() -> {
            ConsentStore.FeedCursor position = start;
            while (true) {
                boolean last = !writing.get(); // read before polling, so the final poll sees every commit
                ConsentStore.ChangeRead read = storeB.readChanges(position, 50);
                assertThat(read.continuous()).as("nothing prunes the feed here").isTrue();
                List<ConsentStore.Change> page = read.changes();
                for (ConsentStore.Change c : page) {
                    seen.add(c.position());
                }
                position = read.next();
                if (last && page.isEmpty()) {
                    return null;
                }
            }
        });
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 6; w++) {
            JdbcStore store = w % 2 == 0 ? storeA : storeB;
            int writer = w;
            writers.add(pool.submit(() -> {
                for (int i = 0; i < 40; i++) {
                    SubjectId s = SubjectId.of("w" + writer + "-" + i);
                    if (i % 10 == 9) {
                        store.link(VisitorId.of(writer + "-" + i), s, Instant.now());
                    }
                    NewConsentEvent d = new NewConsentEvent(EventId.random(), s, ShopPolicy.MARKETING, 1, "1",
                            Choice.GRANTED, Instant.parse("2025-01-01T00:00:00Z"), Instant.parse("2025-01-01T00:00:00Z"),
                            Optional.empty(), Method.API, Actor.SUBJECT, OptionalInt.empty(), Evidence.NONE);
                    assertThat(store.append(List.of(ConsentEvent.chain(d, 1, ConsentChain.GENESIS))).appended()).isTrue();
                }
                return null;
            }));
        }
        for (Future<?> f : writers) {
            f.get(60, TimeUnit.SECONDS);
        }
        writing.set(false);
        poller.get(60, TimeUnit.SECONDS);
        pool.shutdown();

        List<Long> all = storeA.readChanges(start, 100_000).changes().stream().map(ConsentStore.Change::position)
                .toList();
        assertThat(all).hasSize(6 * 40 + 6 * 4).isSorted();
        assertThat(seen).as("positions the poller saw").containsExactlyElementsOf(all);
        assertThat(storeA.changeCursor().position()).isEqualTo(all.get(all.size() - 1));
        Map<SubjectId, ChainHead> heads = storeA.heads(List.of(SubjectId.of("w0-0"), SubjectId.of("w5-39")));
        assertThat(heads).hasSize(2);
    }
}

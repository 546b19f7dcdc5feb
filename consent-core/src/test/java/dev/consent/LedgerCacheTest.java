package dev.consent;

import dev.consent.internal.Ledger;
import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PolicyVersions;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger cache and the change-feed poller that invalidates it, on their own: which entries a poll drops, how the
 * staleness bound is measured, and what a failed read leaves. Time is a ticker moved by hand; the feed is read only
 * when the test polls.
 */
class LedgerCacheTest {
    private static final SubjectId ALICE = SubjectId.of("alice");
    private static final SubjectId BOB = SubjectId.of("bob");
    private static final long BOUND = 1_000;

    private final InMemoryStore shared = new InMemoryStore();
    private final AtomicLong ticker = new AtomicLong();
    private final AtomicInteger decisionReads = new AtomicInteger();
    private final AtomicBoolean feedDown = new AtomicBoolean();
    /** Moved by the feed read itself, as a slow read would. */
    private final AtomicLong tickDuringFeedRead = new AtomicLong();
    private final ConsentStore view = (ConsentStore) Proxy.newProxyInstance(getClass().getClassLoader(),
            new Class<?>[] {ConsentStore.class}, (proxy, m, args) -> {
                if (m.getName().equals("decisionFacts")) {
                    decisionReads.incrementAndGet();
                }
                if (m.getName().equals("readChanges")) {
                    if (feedDown.get()) {
                        throw new IllegalStateException("connection refused");
                    }
                    ticker.addAndGet(tickDuringFeedRead.get());
                }
                try {
                    return m.invoke(shared, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            });
    private final LedgerLoader loader = new LedgerLoader(view,
            Ledger.PurposeTable.of(PolicyVersions.of(ShopPolicy.v1()).purposeIdsNewestFirst()));
    private final LedgerCache cache = new LedgerCache(100, loader, ticker::get, BOUND, ServiceCounters.off());
    private final ChangeFeedPoller poller = ChangeFeedPoller.manual(view, cache);

    /** Another node: writes straight to the shared store, past this cache. */
    private void otherNodeGrants(SubjectId subject) {
        try (ConsentService other = ConsentService.builder().policy(ShopPolicy.v1()).store(shared).build()) {
            other.grant(subject, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        }
    }

    @Test
    void aPollDropsOnlyTheSubjectsTheFeedNames() {
        cache.ledger(ALICE);
        cache.ledger(BOB);
        assertThat(decisionReads).hasValue(2);
        cache.ledger(ALICE);
        assertThat(decisionReads).as("a cached subject is not read again").hasValue(2);

        otherNodeGrants(ALICE);
        assertThat(cache.ledger(ALICE).size()).as("before the poll the cached (empty) ledger answers").isZero();
        poller.poll();
        assertThat(cache.ledger(ALICE).size()).as("after it, alice's grant is read").isEqualTo(1);
        cache.ledger(BOB);
        assertThat(decisionReads).as("alice read once more, bob not").hasValue(3);
    }

    @Test
    void stalenessIsCountedFromWhenTheLastSuccessfulReadStarted() {
        poller.poll();
        assertThat(cache.fresh()).isTrue();
        tickDuringFeedRead.set(BOUND); // the read takes the whole bound
        ticker.addAndGet(BOUND);
        poller.poll();
        assertThat(ticker.get()).isEqualTo(2 * BOUND);
        ticker.incrementAndGet();
        assertThat(cache.fresh()).as("fresh from the read's start, one bound ago, not from its end").isFalse();
    }

    @Test
    void aFailedReadLeavesTheCacheToGoStaleAndAStaleCacheIsReadPastAndDropped() {
        cache.ledger(ALICE);
        feedDown.set(true);
        ticker.addAndGet(BOUND + 1);
        poller.poll();
        assertThat(cache.fresh()).isFalse();
        otherNodeGrants(ALICE);
        assertThat(cache.ledger(ALICE).size()).as("a stale cache reads the store").isEqualTo(1);
        assertThat(cache.size()).as("and drops what it held").isZero();

        feedDown.set(false);
        poller.poll();
        assertThat(cache.fresh()).isTrue();
    }

    @Test
    void forEachLedgerReadsUncachedSubjectsInChunksWithoutCachingThem() {
        cache.ledger(ALICE);
        List<SubjectId> subjects = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            subjects.add(SubjectId.of("s" + i));
        }
        subjects.add(2, ALICE);
        Map<SubjectId, Ledger> seen = new LinkedHashMap<>();
        int readsBefore = decisionReads.get();
        cache.forEachLedger(subjects, Set.of(ShopPolicy.MARKETING_EMAIL), 2, seen::put);
        assertThat(seen.keySet()).containsExactlyInAnyOrderElementsOf(subjects);
        assertThat(decisionReads.get() - readsBefore).as("5 uncached subjects in chunks of 2").isEqualTo(3);
        assertThat(cache.size()).as("only alice, cached before").isEqualTo(1);
    }

    /**
     * A cache size of 0 caches nothing: every check reads the store, so a write by another node is seen at once.
     * (Caffeine's {@code maximumSize(0)} evicts on its maintenance executor and could serve the entry until then.)
     */
    @Test
    void aCacheSizeOfZeroReadsTheStoreEveryTime() {
        LedgerCache none = new LedgerCache(0, loader, ticker::get, BOUND, ServiceCounters.off());
        for (int i = 0; i < 50; i++) {
            none.ledger(ALICE);
        }
        assertThat(decisionReads).hasValue(50);
        otherNodeGrants(ALICE);
        assertThat(none.ledger(ALICE).size()).as("no cached ledger answers after another node's write").isOne();
        assertThat(none.reload(ALICE).size()).isOne();
        assertThat(decisionReads).hasValue(52);
    }
}

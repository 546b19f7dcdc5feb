package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.store.InMemoryTampering;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How fresh the cache stays when reading the change feed is slow, or when the feed went back while a load was in
 * flight. Node A reads through a store view that can hold one call open; node B writes. Time is a ticker moved by
 * hand (no sleeps, no timed assertions), and A reads the feed only when the test says so (poll interval one hour,
 * nothing pushed).
 */
class ChangeFeedFreshnessTest {
    private static final SubjectId ALICE = SubjectId.of("alice");
    private static final Duration BOUND = Duration.ofHours(1);

    /** A store that lets a test hold one call to {@code method} open, after the real call has returned. */
    private static final class HeldStore {
        final AtomicBoolean armed = new AtomicBoolean();
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final ConsentStore view;

        HeldStore(ConsentStore shared, String method) {
            this.view = (ConsentStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {ConsentStore.class}, (proxy, m, args) -> {
                        if (m.getName().equals("onChanges")) {
                            return (AutoCloseable) () -> {
                            };
                        }
                        Object result;
                        try {
                            result = m.invoke(shared, args); // what the store held when the call began
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                        if (m.getName().equals(method) && armed.compareAndSet(true, false)) {
                            inside.countDown();
                            assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                        }
                        return result;
                    });
        }
    }

    private static ConsentService nodeA(ConsentStore view, AtomicLong ticker) {
        return ConsentService.builder().policy(ShopPolicy.v1()).store(view).changeFeedPollInterval(BOUND)
                .maxStaleness(BOUND).ticker(ticker::get).build();
    }

    /**
     * The "last polled" moment is when the successful read <em>started</em>: a read that began before a withdrawal
     * and ended long after it must not make the cache count as fresh from its end. (Before the fix the moment was
     * taken when the read finished, and A answered "allowed" from its cache past the bound.)
     */
    @Test
    void aSlowFeedReadDoesNotStretchTheStalenessBound() throws Exception {
        InMemoryStore shared = new InMemoryStore();
        HeldStore held = new HeldStore(shared, "readChanges");
        AtomicLong ticker = new AtomicLong();
        try (ConsentService a = nodeA(held.view, ticker);
             ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(shared).build()) {
            b.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            FeedPolling.pollNow(a); // the grant's entry is read; later reads have nothing to evict before the withdrawal
            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A

            ticker.set(Duration.ofMinutes(1).toNanos());
            held.armed.set(true);
            CompletableFuture<Void> slowRead = CompletableFuture.runAsync(a::pollChanges);
            assertThat(held.inside.await(10, TimeUnit.SECONDS)).isTrue(); // A has read the feed: nothing new yet
            b.withdraw(ALICE, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            ticker.set(Duration.ofMinutes(62).toNanos()); // the read is still going, past the bound
            held.release.countDown();
            slowRead.get(10, TimeUnit.SECONDS);

            ticker.set(Duration.ofMinutes(62).plusSeconds(1).toNanos());
            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).reason())
                    .as("61 minutes after the withdrawal, with a staleness bound of 60, A must not answer from a cache "
                            + "last brought up to date before it").isEqualTo(Reason.WITHDRAWN);
        }
    }

    /** While a read of the feed hangs past the bound, checks bypass the cache (and see the withdrawal). */
    @Test
    void whileAFeedReadHangsPastTheBoundChecksReadTheStore() throws Exception {
        InMemoryStore shared = new InMemoryStore();
        HeldStore held = new HeldStore(shared, "readChanges");
        AtomicLong ticker = new AtomicLong();
        try (ConsentService a = nodeA(held.view, ticker);
             ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(shared).build()) {
            b.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            ticker.set(Duration.ofMinutes(30).toNanos());
            FeedPolling.pollNow(a); // a successful read, started at minute 30
            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed()).isTrue(); // cached on A

            ticker.set(Duration.ofMinutes(40).toNanos());
            held.armed.set(true);
            CompletableFuture<Void> hanging = CompletableFuture.runAsync(a::pollChanges);
            assertThat(held.inside.await(10, TimeUnit.SECONDS)).isTrue();
            b.withdraw(ALICE, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));

            ticker.set(Duration.ofMinutes(89).toNanos());
            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed())
                    .as("within the bound of the read at minute 30, the cache may still answer").isTrue();
            ticker.set(Duration.ofMinutes(91).toNanos());
            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).reason())
                    .as("past the bound, with the feed read still hanging").isEqualTo(Reason.WITHDRAWN);
            held.release.countDown();
            hanging.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * When the feed went back, the poll drops the whole cache; a load that was reading the store at that moment is
     * skipped by the drop (a cache-wide invalidation passes over entries still being computed) and must not stay
     * cached with what it read before the drop: no later feed entry would ever evict it.
     */
    @Test
    void aLoadOvertakenByACacheDropIsNotKept() throws Exception {
        InMemoryStore shared = new InMemoryStore();
        HeldStore held = new HeldStore(shared, "decisionFacts");
        AtomicLong ticker = new AtomicLong();
        try (ConsentService a = nodeA(held.view, ticker);
             ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(shared).build()) {
            b.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
            FeedPolling.pollNow(a);

            held.armed.set(true);
            CompletableFuture<Decision> loading = CompletableFuture.supplyAsync(
                    () -> a.check(ALICE, ShopPolicy.MARKETING_EMAIL));
            assertThat(held.inside.await(10, TimeUnit.SECONDS)).isTrue(); // A has read alice: allowed
            b.withdraw(ALICE, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            InMemoryTampering.truncateChanges(shared, false); // the withdrawal's feed entry is gone with the rest
            FeedPolling.pollNow(a); // A notices that its last-read entry is gone and drops its cache
            held.release.countDown();
            assertThat(loading.get(10, TimeUnit.SECONDS).allowed()).as("the load read before the withdrawal").isTrue();

            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).reason()).isEqualTo(Reason.WITHDRAWN);
        }
    }
}

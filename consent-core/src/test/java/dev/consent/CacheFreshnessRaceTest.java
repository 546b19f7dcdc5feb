package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fresh read that loses a race with the change feed must not leave a stale answer in the cache: node A reads
 * alice's ledger for {@code checkUncached}, node B withdraws her consent, A's poller sees the withdrawal and drops
 * alice from A's cache, and only then does A's read finish. What A caches now predates the withdrawal, and no
 * later feed entry will ever drop it, so A would answer "allowed" from its cache indefinitely, past any staleness
 * bound. (No database needed: the race is in the service's cache.)
 */
class CacheFreshnessRaceTest {
    private static final SubjectId ALICE = SubjectId.of("alice");

    @Test
    void aFreshReadOvertakenByTheChangeFeedIsNotCachedAsCurrent() throws Exception {
        InMemoryStore shared = new InMemoryStore();
        AtomicBoolean armed = new AtomicBoolean();
        CountDownLatch readDone = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        // node A's view of the store: its next decision read is held after reading, until released
        ConsentStore slowReads = (ConsentStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ConsentStore.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(shared, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("decisionFacts") && armed.compareAndSet(true, false)) {
                        readDone.countDown();
                        assertThat(release.await(10, TimeUnit.SECONDS)).isTrue();
                    }
                    return result;
                });
        try (ConsentService a = ConsentService.builder().policy(ShopPolicy.v1()).store(slowReads)
                .changeFeedPollInterval(Duration.ofMillis(20)).maxStaleness(Duration.ofSeconds(5)).build();
             ConsentService b = ConsentService.builder().policy(ShopPolicy.v1()).store(shared).build()) {
            b.grant(ALICE, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));

            armed.set(true);
            CompletableFuture<Decision> fresh = CompletableFuture.supplyAsync(
                    () -> a.checkUncached(ALICE, ShopPolicy.MARKETING_EMAIL));
            assertThat(readDone.await(10, TimeUnit.SECONDS)).isTrue(); // A has read: alice is allowed
            b.withdraw(ALICE, ShopPolicy.MARKETING, Capture.by(Method.UNSUBSCRIBE_LINK));
            // A's poller reads the withdrawal from the feed (pushed at once, and polled every 20 ms)
            CompletableFuture<Void> poll = CompletableFuture.runAsync(a::pollChanges);
            Thread.sleep(200);
            release.countDown();
            assertThat(fresh.get(10, TimeUnit.SECONDS).allowed())
                    .as("the fresh read started before the withdrawal").isTrue();
            poll.get(10, TimeUnit.SECONDS);
            a.pollChanges(); // the feed has nothing newer: whatever is cached now stays

            assertThat(a.check(ALICE, ShopPolicy.MARKETING_EMAIL).allowed())
                    .as("node A answers from its cache after reading the withdrawal from the feed").isFalse();
        }
    }
}

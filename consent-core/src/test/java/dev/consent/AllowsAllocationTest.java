package dev.consent;

import dev.consent.ledger.Capture;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.store.InMemoryStore;
import dev.consent.testing.MutableClock;
import dev.consent.testing.ShopPolicy;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link ConsentService#allows} allocates nothing on a cached subject whose answers hold (issue 20: 0 B on the allowed
 * path), statistics on: the bytes this thread allocates over 10,000 calls, after a warm-up, stay below a bound a
 * single allocation per call (16 bytes or more each) would exceed tenfold. Allocation counts, not timings: the JVM's
 * per-thread allocation counter does not depend on the machine's load. The same loop over {@code check} must exceed
 * the bound, so the measurement itself is shown to see allocations.
 */
class AllowsAllocationTest {
    private static final int CALLS = 10_000;
    private static final long BOUND = 16_000;

    @Test
    void allowsOnACachedSubjectAllocatesNothing() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemorySupported(),
                "this JVM does not count allocated bytes per thread");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) bean;
        threads.setThreadAllocatedMemoryEnabled(true);
        MutableClock clock = MutableClock.at("2025-03-01T10:00:00Z");
        ConsentService consents = ConsentService.builder().policy(ShopPolicy.v1()).store(new InMemoryStore())
                .clock(clock).recordStatistics(true).build();
        SubjectId alice = SubjectId.of("alice");
        SubjectId bob = SubjectId.of("bob");
        consents.grant(alice, ShopPolicy.MARKETING_EMAIL, Capture.by(Method.CHECKBOX));
        clock.advance(java.time.Duration.ofSeconds(1));
        assertTrue(consents.allows(alice, ShopPolicy.MARKETING_EMAIL));
        assertFalse(consents.allows(bob, ShopPolicy.MARKETING_EMAIL));
        long tid = Thread.currentThread().getId();
        boolean sink = false;
        for (int i = 0; i < 200_000; i++) { // warm-up: the loop and the calls compiled
            sink ^= consents.allows(alice, ShopPolicy.MARKETING_EMAIL) ^ consents.allows(bob, ShopPolicy.MARKETING_EMAIL);
        }
        long before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < CALLS; i++) {
            sink ^= consents.allows(alice, ShopPolicy.MARKETING_EMAIL) ^ consents.allows(bob, ShopPolicy.MARKETING_EMAIL);
        }
        long allowsBytes = threads.getThreadAllocatedBytes(tid) - before;

        for (int i = 0; i < 20_000; i++) {
            sink ^= consents.check(alice, ShopPolicy.MARKETING_EMAIL).allowed();
        }
        before = threads.getThreadAllocatedBytes(tid);
        for (int i = 0; i < CALLS; i++) {
            sink ^= consents.check(alice, ShopPolicy.MARKETING_EMAIL).allowed();
        }
        long checkBytes = threads.getThreadAllocatedBytes(tid) - before;
        assertFalse(sink, "each pair of calls answers true then false");
        assertTrue(allowsBytes < BOUND, () -> 2 * CALLS + " allows calls allocated " + allowsBytes + " bytes");
        assertTrue(checkBytes > BOUND, () -> CALLS + " check calls allocated only " + checkBytes
                + " bytes: the measurement does not see allocations");
        assertEquals(2L * (CALLS + 200_001), consents.statistics().checks().get(ShopPolicy.MARKETING_EMAIL).values()
                .stream().mapToLong(Long::longValue).sum() - (CALLS + 20_000), "allows counted like checks");
    }
}

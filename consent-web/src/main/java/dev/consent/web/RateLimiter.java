package dev.consent.web;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * A token bucket per key (a customer, a visitor, or an address for requests without a visitor yet), held in a
 * Caffeine cache so that idle keys are forgotten: a bucket holds at most {@code burst} tokens and gains one every
 * {@code refill}. A request takes one token or is refused with the time until the next one.
 */
final class RateLimiter {
    private final int burst;
    private final long refillNanos;
    private final LongSupplier nanoTime;
    private final Cache<String, Bucket> buckets;

    RateLimiter(int burst, Duration refill, long maxKeys, LongSupplier nanoTime) {
        this.burst = burst;
        this.refillNanos = refill.toNanos();
        this.nanoTime = nanoTime;
        // a bucket idle for longer than it takes to refill is full again: forgetting it changes nothing
        this.buckets = Caffeine.newBuilder().maximumSize(maxKeys).ticker(nanoTime::getAsLong)
                .expireAfterAccess(refill.multipliedBy(burst)).build();
    }

    /** Takes a token for {@code key}: 0 when granted, else the nanoseconds until one is available. */
    long take(String key) {
        long now = nanoTime.getAsLong();
        return buckets.get(key, k -> new Bucket(burst, now)).take(now, burst, refillNanos);
    }

    private static final class Bucket {
        private long tokens;
        private long updated;

        Bucket(long tokens, long now) {
            this.tokens = tokens;
            this.updated = now;
        }

        synchronized long take(long now, int burst, long refillNanos) {
            long elapsed = Math.max(0, now - updated);
            long gained = elapsed / refillNanos;
            if (gained > 0) {
                tokens = Math.min(burst, tokens + gained);
                updated = tokens == burst ? now : updated + gained * refillNanos;
            }
            if (tokens > 0) {
                tokens--;
                return 0;
            }
            return refillNanos - (now - updated);
        }
    }
}

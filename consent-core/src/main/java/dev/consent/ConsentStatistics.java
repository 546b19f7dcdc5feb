package dev.consent;

import dev.consent.policy.PurposeId;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one {@link ConsentService} has counted since it was built, for metrics and health checks: checks by purpose
 * and reason, cache hits and misses, appended events and append conflicts, and how recently the change feed was read.
 * A snapshot: the counts are read one after the other while other threads may go on counting, so two counts of the
 * same snapshot may differ by the checks made in between. Nothing in it names a subject. All counts are zero unless
 * the service was built with {@link ConsentService.Builder#recordStatistics(boolean) recordStatistics(true)}; the
 * cache size and the feed's state are always given.
 *
 * @param recording whether the service counts (the builder's {@code recordStatistics})
 * @param checks answered checks ({@code check}, {@code checkUncached}, each subject of {@code checkAll}, and
 *     {@code check} at a past instant) by purpose and reason; a pair never counted is absent. Unmodifiable.
 * @param checkFailures checks that threw instead of answering (store unreadable, ...), any purpose
 * @param cacheHits checks answered from a cached ledger
 * @param cacheMisses checks that read the store (not cached, the cache off or stale, inside a host transaction)
 * @param cachedSubjects the subjects the cache holds now (approximate)
 * @param appendedEvents events this service appended to the store (duplicates already stored are not counted)
 * @param appendConflicts appends the store refused because another writer moved a chain's head or stored an event id
 *     first; each was retried
 * @param feed the change feed as this node reads it
 */
public record ConsentStatistics(boolean recording, Map<PurposeId, Map<Reason, Long>> checks, long checkFailures,
        long cacheHits, long cacheMisses, long cachedSubjects, long appendedEvents, long appendConflicts, Feed feed) {

    /**
     * Copies {@code checks}.
     *
     * @param recording whether the service counts
     * @param checks answered checks by purpose and reason
     * @param checkFailures checks that threw
     * @param cacheHits checks answered from the cache
     * @param cacheMisses checks that read the store
     * @param cachedSubjects subjects cached now
     * @param appendedEvents events appended
     * @param appendConflicts appends refused and retried
     * @param feed the change feed as this node reads it
     * @throws NullPointerException when {@code checks} or {@code feed} is null
     */
    public ConsentStatistics {
        checks = Collections.unmodifiableMap(new LinkedHashMap<>(checks));
        java.util.Objects.requireNonNull(feed, "feed");
    }

    /**
     * The share of cached checks among those that looked at the cache: {@code hits / (hits + misses)}, or 0 before
     * any.
     *
     * @return a ratio between 0 and 1
     */
    public double cacheHitRatio() {
        long all = cacheHits + cacheMisses;
        return all == 0 ? 0 : (double) cacheHits / all;
    }

    /**
     * How this node reads the change feed that tells it of other nodes' writes.
     *
     * @param read whether the service reads the feed at all ({@link ConsentService.Builder#changeFeedPollInterval});
     *     when not, it is the store's only writer and its cache never goes stale
     * @param sinceLastRead how long ago the last successful read of the feed started (zero when not read)
     * @param maxStaleness the staleness bound: past it, checks bypass the cache (zero when not read)
     */
    public record Feed(boolean read, Duration sinceLastRead, Duration maxStaleness) {
        /** A service that does not read the change feed. */
        public static final Feed NOT_READ = new Feed(false, Duration.ZERO, Duration.ZERO);

        /**
         * Checks the durations.
         *
         * @param read whether the feed is read
         * @param sinceLastRead how long ago the last successful read started
         * @param maxStaleness the staleness bound
         * @throws NullPointerException when a duration is null
         */
        public Feed {
            java.util.Objects.requireNonNull(sinceLastRead, "sinceLastRead");
            java.util.Objects.requireNonNull(maxStaleness, "maxStaleness");
        }

        /**
         * Whether cached answers may be served: the feed is not read, or was read within the staleness bound.
         *
         * @return false when the last successful read is older than the bound (checks then read the store)
         */
        public boolean fresh() {
            return !read || sinceLastRead.compareTo(maxStaleness) <= 0;
        }
    }
}

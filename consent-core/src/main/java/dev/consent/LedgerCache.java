package dev.consent;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.consent.internal.Ledger;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.PurposeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;

/**
 * The subjects' compact ledgers a check is answered from, and how fresh they are.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Bounded staleness.</b> While the change feed has been read within the staleness bound (counted from when
 *       the last successful read <em>started</em>, {@link #feedRead}), answers come from the cache; past it, every
 *       read goes to the store and the whole cache is dropped, so that nothing older than the bound is answered
 *       when reading resumes. Without a change feed to read (a single writer) the cache never goes stale.</li>
 *   <li><b>No stale entry outlives an invalidation.</b> A load reads the store inside the cache's compute, so an
 *       invalidation of that subject waits for it and then removes what it loaded. A drop of the whole cache skips
 *       entries still being computed, so drops are counted, and a load that saw the count move evicts what it
 *       put.</li>
 *   <li><b>Nothing uncommitted is cached.</b> While the calling thread's store calls run inside a host application's
 *       transaction ({@link dev.consent.store.ConsentStore#inHostTransaction()}), its reads go past the cache and are
 *       not put in it (they may hold writes that roll back), and a subject written there is dropped again when the
 *       transaction completes. The check costs the store's flag read and allocates nothing.</li>
 * </ul>
 * Thread-safe.
 */
final class LedgerCache {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerCache.class);

    private final Cache<SubjectId, Ledger> cache;
    /**
     * A cache size of 0 turns caching off: every read goes to the store. Caffeine's {@code maximumSize(0)} alone
     * would not, since it evicts on its maintenance executor and so may serve an entry until that has run.
     */
    private final boolean off;
    private final LedgerLoader loader;
    /** Where staleness is measured from: {@link System#nanoTime()} unless a test injects another. */
    private final LongSupplier ticker;
    /** {@link Long#MAX_VALUE} when no change feed is read. */
    private final long maxStalenessNanos;
    /** When the last successful read of the change feed started, by {@link #ticker}. */
    private volatile long lastFeedReadNanos;
    /** How many times the whole cache was dropped; see the class guarantees. */
    private final AtomicLong drops = new AtomicLong();
    private final ServiceCounters counters;

    /**
     * @param maxStalenessNanos the staleness bound, or {@link Long#MAX_VALUE} when the change feed is not read
     */
    LedgerCache(long maximumSize, LedgerLoader loader, LongSupplier ticker, long maxStalenessNanos,
            ServiceCounters counters) {
        // Caffeine's maintenance stays on its default executor: run on the reading thread (executor(Runnable::run)) it
        // made a single-threaded cached read 2-6x slower (CheckBenchmark, caffeineSameThreadGetIfPresent).
        this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
        this.off = maximumSize == 0;
        this.loader = loader;
        this.ticker = ticker;
        this.maxStalenessNanos = maxStalenessNanos;
        this.lastFeedReadNanos = ticker.getAsLong();
        this.counters = counters;
    }

    /**
     * The subject's ledger: cached when the cache is fresh, else read from the store (and then cached, when fresh).
     * Allocates nothing when the subject is cached and the cache is fresh.
     */
    Ledger ledger(SubjectId subject) {
        Ledger cached = cached(subject);
        if (cached != null) {
            counters.cacheHit();
            return cached;
        }
        counters.cacheMiss();
        return miss(subject);
    }

    /**
     * The subject's ledger when it is cached and the cache may be read (on, fresh, outside a host transaction), else
     * null; reads no store and counts nothing. Allocates nothing.
     */
    Ledger cached(SubjectId subject) {
        return off || loader.inHostTransaction() || !fresh() ? null : cache.getIfPresent(subject);
    }

    private Ledger miss(SubjectId subject) {
        if (off) {
            return loader.load(subject);
        }
        if (loader.inHostTransaction()) {
            LOG.debug("ledger cache: read inside the host's transaction, past the cache");
            return loader.load(subject);
        }
        if (!fresh()) {
            Ledger ledger = loader.load(subject);
            dropAll();
            LOG.debug("ledger cache: the change feed was not read within the staleness bound; read past the cache");
            return ledger;
        }
        LOG.debug("ledger cache: miss, reading the subject's decision facts");
        long dropsBefore = drops.get();
        Ledger loaded = cache.get(subject, loader.loadOne);
        evictIfDroppedMeanwhile(subject, dropsBefore);
        return loaded;
    }

    /**
     * The subject's ledger read from the store, replacing the cached one. Read inside the cache's compute, as
     * {@link #ledger} does: a read followed by a put could cache a ledger older than a change the feed had already
     * reported, and no later entry would ever evict it.
     */
    Ledger reload(SubjectId subject) {
        counters.cacheMiss();
        if (off || loader.inHostTransaction()) {
            return loader.load(subject);
        }
        long dropsBefore = drops.get();
        Ledger ledger = cache.asMap().compute(subject, (s, old) -> loader.loadAnswered(s));
        evictIfDroppedMeanwhile(subject, dropsBefore);
        return ledger;
    }

    /**
     * Hands each subject's ledger to {@code action}: cached ones when the cache is fresh, at once; the others read from
     * the store {@code chunkSize} subjects per read, once their chunk is read, and not added to the cache (a bulk read
     * would evict the subjects checked one at a time), narrowed to what deciding a purpose of {@code purposes} reads
     * ({@link LedgerLoader#load(Collection, Set)}). An action that must keep the order given fills an
     * insertion-ordered map holding the subjects beforehand.
     */
    void forEachLedger(Collection<SubjectId> subjects, Set<PurposeId> purposes, int chunkSize,
            BiConsumer<SubjectId, Ledger> action) {
        boolean usable = !off && fresh() && !loader.inHostTransaction();
        List<SubjectId> misses = new ArrayList<>(Math.min(subjects.size(), chunkSize));
        for (SubjectId s : subjects) {
            Ledger cached = usable ? cache.getIfPresent(s) : null;
            if (cached != null) {
                counters.cacheHit();
                action.accept(s, cached);
            } else {
                counters.cacheMiss();
                misses.add(s);
                if (misses.size() == chunkSize) {
                    loadMisses(misses, purposes, action);
                }
            }
        }
        loadMisses(misses, purposes, action);
    }

    private void loadMisses(List<SubjectId> misses, Set<PurposeId> purposes, BiConsumer<SubjectId, Ledger> action) {
        if (misses.isEmpty()) {
            return;
        }
        LOG.debug("ledger cache: {} subjects not cached, read from the store in one chunk", misses.size());
        Map<SubjectId, Ledger> ledgers = loader.load(misses, purposes);
        for (SubjectId s : misses) {
            action.accept(s, ledgers.get(s));
        }
        misses.clear();
    }

    /** Whether cached ledgers may be answered from: the change feed was read within the staleness bound. */
    boolean fresh() {
        return maxStalenessNanos == Long.MAX_VALUE || ticker.getAsLong() - lastFeedReadNanos <= maxStalenessNanos;
    }

    /** Records a successful read of the change feed that started at {@code startedNanos} (by the ticker). */
    /** Nanoseconds since the last successful read of the change feed started (or since this cache was built). */
    long nanosSinceFeedRead() {
        return ticker.getAsLong() - lastFeedReadNanos;
    }

    /** The staleness bound in nanoseconds; {@link Long#MAX_VALUE} when the feed is not read. */
    long maxStalenessNanos() {
        return maxStalenessNanos;
    }

    void feedRead(long startedNanos) {
        lastFeedReadNanos = startedNanos;
    }

    /** The time source staleness is measured with. */
    long ticker() {
        return ticker.getAsLong();
    }

    /** Drops the subject's cached ledger, waiting for a load of it in flight. */
    void invalidate(SubjectId subject) {
        cache.invalidate(subject);
    }

    /**
     * Drops the cached ledger of a subject just written, and, when it was written inside a host transaction, drops it
     * again once that transaction completes: another thread may have read and cached the committed ledger in between,
     * which the commit makes stale.
     */
    void invalidateWritten(SubjectId subject) {
        cache.invalidate(subject);
        loader.afterHostTransaction(() -> cache.invalidate(subject));
    }

    /**
     * Drops every cached ledger. Counted first, so that a load in flight, which the invalidation skips, sees the count
     * move and evicts what it put ({@link #evictIfDroppedMeanwhile}).
     */
    void dropAll() {
        drops.incrementAndGet();
        cache.invalidateAll();
    }

    /** The number of subjects cached (approximate). */
    long size() {
        return cache.estimatedSize();
    }

    /**
     * After a load that read {@link #drops} as {@code dropsBefore} and has put its ledger: if the cache was dropped
     * meanwhile, the ledger may predate what the drop stood for (the drop skipped it while it was being computed), so
     * it goes. Either the drop's count is seen here, or the drop came after the put and removed it.
     */
    private void evictIfDroppedMeanwhile(SubjectId subject, long dropsBefore) {
        if (drops.get() != dropsBefore) {
            cache.invalidate(subject);
        }
    }
}

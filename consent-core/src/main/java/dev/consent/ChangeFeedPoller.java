package dev.consent;

import dev.consent.ledger.SubjectId;
import dev.consent.store.ConsentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reads the store's change feed and drops the cached ledgers of the subjects other nodes wrote: on a daemon thread
 * every poll interval, and at once when the store pushes a wake-up ({@link ConsentStore#onChanges}, e.g. PostgreSQL's
 * LISTEN/NOTIFY).
 *
 * <p>Guarantees: each successful read tells the cache when it <em>started</em> ({@link LedgerCache#feedRead}), since
 * every change committed before then is in what it read, while changes committed during a slow read may not be. When
 * the feed no longer holds the entry read last (pruned past it, emptied, restored from a backup, positions restarted),
 * changes may have been missed: the whole cache is dropped and reading goes on from the newest entry. A read that
 * fails changes nothing; the cache goes stale once the staleness bound passes. Logs name no subject.
 */
final class ChangeFeedPoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ChangeFeedPoller.class);
    /** Change-feed entries read per round trip. */
    static final int FEED_PAGE = 10_000;

    private final ConsentStore store;
    private final LedgerCache cache;
    private final ScheduledExecutorService executor;
    private final AutoCloseable push;
    /** The change-feed entry this node has read last. Written by the (synchronized) poll only. */
    private volatile ConsentStore.FeedCursor cursor;

    private ChangeFeedPoller(ConsentStore store, LedgerCache cache, ScheduledExecutorService executor) {
        this.store = store;
        this.cache = cache;
        this.executor = executor;
        this.cursor = store.changeCursor();
        this.push = executor == null ? null : store.onChanges(this::wakeUp);
    }

    /** A poller reading the feed every {@code intervalMillis} on its own thread, and whenever the store pushes. */
    static ChangeFeedPoller start(ConsentStore store, LedgerCache cache, long intervalMillis) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "consent-change-feed");
            t.setDaemon(true);
            return t;
        });
        ChangeFeedPoller poller = new ChangeFeedPoller(store, cache, executor);
        executor.scheduleWithFixedDelay(poller::poll, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        return poller;
    }

    /** A poller that reads the feed only when {@link #poll} is called, starting from the feed's newest entry. */
    static ChangeFeedPoller manual(ConsentStore store, LedgerCache cache) {
        return new ChangeFeedPoller(store, cache, null);
    }

    private void wakeUp() {
        if (!executor.isShutdown()) {
            try {
                executor.execute(this::poll);
            } catch (RejectedExecutionException closing) {
                LOG.trace("consent change feed: wake-up after close ignored");
            }
        }
    }

    /** Reads the feed from the entry read last to its end, dropping the cached ledgers of the subjects named. */
    synchronized void poll() {
        long started = cache.ticker();
        int changes = 0;
        try {
            ConsentStore.FeedCursor next = cursor;
            while (true) {
                ConsentStore.ChangeRead read = store.readChanges(next, FEED_PAGE);
                if (!read.continuous()) {
                    cache.dropAll();
                    next = read.next();
                    LOG.warn("consent change feed: the entry this node read last is gone (the feed was pruned past it, "
                            + "emptied or restored); every cached answer was dropped");
                    break;
                }
                for (ConsentStore.Change c : read.changes()) {
                    SubjectId subject = c.subject();
                    cache.invalidate(subject);
                }
                changes += read.changes().size();
                next = read.next();
                if (read.changes().size() < FEED_PAGE) {
                    break;
                }
            }
            cursor = next;
            cache.feedRead(started);
            if (changes > 0) {
                LOG.debug("consent change feed: {} changes read, their subjects' cached answers dropped", changes);
            } else {
                LOG.trace("consent change feed: no changes");
            }
        } catch (RuntimeException e) {
            // The exception logged is a StoreException, whose message quotes no stored value; subject ids never go
            // to logs.
            LOG.warn("consent change feed could not be read; cached answers expire after the staleness bound",
                    e instanceof StoreException ? e : new StoreException("readChanges", e));
        }
    }

    @Override
    public void close() {
        if (push != null) {
            try {
                push.close();
            } catch (Exception e) {
                LOG.debug("consent change feed: closing the store's change push failed",
                        e instanceof ConsentException ? e : new StoreException("onChanges close", e));
            }
        }
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}

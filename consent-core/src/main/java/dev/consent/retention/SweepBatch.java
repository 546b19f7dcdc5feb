package dev.consent.retention;

import dev.consent.StoreException;
import dev.consent.ledger.SubjectId;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * One claimed batch, worked through in claim order on a handler thread ({@link #run}) while the thread that
 * started it watches the handler calls (the {@link Sweeper}'s {@code workThrough}). The batch's state is used by one thread at a time:
 * the handler thread while it runs; the watching thread once it has given up a call (the handler thread is then
 * inside that call, and leaves without touching anything when it returns), until it starts the batch again.
 */
final class SweepBatch implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

    private final Sweeper sweeper;
    private final List<Claim> claims; // null where given up at a renewal
    private final Stopwatch budget; // null: no budget (disposeDue)
    private final Duration maxDuration;
    private final SweepTally tally;
    /** The outcomes recorded, per item. */
    final Map<ItemKey, DisposalRecord.Outcome> recorded = new LinkedHashMap<>();
    private final List<ItemJudge.Pending> pending = new ArrayList<>();
    private Stopwatch leaseAge;
    private Instant readAt;
    private Map<SubjectId, List<LegalHold>> holds;
    /** The rest of the batch's items as read at the last refresh, by key; null while the claims' own are fresh. */
    private Map<ItemKey, RetainedItem> reread;
    private int next;
    boolean stopped; // read by the watching thread once the batch is done
    /** What the call in progress records if it is given up, by failure. */
    private Function<String, ItemJudge.Pending> ifGivenUp;

    // between the handler thread and the watching thread
    final ReentrantLock lock = new ReentrantLock();
    final Condition changed = lock.newCondition();
    /** The handler thread working on the batch; null before it starts and once its call was given up. */
    Thread worker; // guarded by lock
    boolean inCall; // guarded by lock
    long callStarted; // guarded by lock
    boolean done; // guarded by lock
    Throwable failure; // guarded by lock
    volatile boolean stopAsked;

    SweepBatch(Sweeper sweeper, List<Claim> claims, Instant readAt, Stopwatch leaseAge, Stopwatch budget,
            Duration maxDuration, SweepTally tally) {
        this.sweeper = sweeper;
        this.claims = new ArrayList<>(claims);
        this.readAt = readAt;
        this.leaseAge = leaseAge;
        this.budget = budget;
        this.maxDuration = maxDuration;
        this.tally = tally;
    }

    @Override
    public void run() {
        lock.lock();
        try {
            worker = Thread.currentThread();
        } finally {
            lock.unlock();
        }
        Throwable thrown = null;
        try {
            workThrough();
        } catch (GivenUp e) {
            return; // the watching thread owns the batch now
        } catch (Throwable t) {
            thrown = t;
        }
        lock.lock();
        try {
            failure = thrown;
            done = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The sweep's loop over the batch's items, from {@code next} on. */
    private void workThrough() {
        // each claim carries its item as stored when claimed: no need to read it again while that is fresh
        if (holds == null) {
            holds = sweeper.store.holds(subjectsOf(claims, next, claims.size()));
        }
        for (; next < claims.size(); next++) {
            if (stopAsked || budget != null && budget.reached(maxDuration)) {
                // no handler is called once the budget is spent: record what is done, give the rest back
                stop();
                return;
            }
            if (claims.get(next) == null) {
                continue; // given up at a renewal: another sweeper holds it
            }
            if (next > 0 && sweeper.stale(readAt)) {
                // slow handlers: record what is done, then read holds and items again for the rest, one call each
                // (with refreshHoldsAfter zero, for this item alone: the next one reads them again anyway)
                recordPending();
                readAt = sweeper.clock.instant();
                int until = sweeper.refreshHoldsAfter.isZero() ? next + 1 : claims.size();
                holds = sweeper.store.holds(subjectsOf(claims, next, until));
                reread = sweeper.store.items(keysOf(claims, next, until));
            }
            if (!sweeper.leaseCovers(leaseAge)) {
                // the lease may end while the handler runs: record what is done while its claims still hold,
                // then renew the rest of the batch at once, giving up what another sweeper has taken over
                recordPending();
                leaseAge = new Stopwatch(sweeper.clock);
                renewRest();
                if (!sweeper.leaseCovers(leaseAge)) {
                    LOG.warn("retention sweep on {}: renewing the leases took so long that they no longer cover"
                            + " a handler call; stopping, the rest of the batch is given back", sweeper.node);
                    stop();
                    return;
                }
                if (claims.get(next) == null) {
                    continue;
                }
            }
            Claim claim = claims.get(next);
            // an item no longer stored is judged as it was when claimed
            RetainedItem item = reread == null ? claim.item() : reread.getOrDefault(claim.item().key(), claim.item());
            List<LegalHold> itsHolds = holds.getOrDefault(item.key().subject(), List.of());
            pending.add(sweeper.judge.attempt(claim, item, itsHolds, this));
        }
        recordPending();
    }

    /**
     * Calls the handler on this (handler) thread, visibly to the watching thread, which may give the call up.
     * Returns empty when the handler returned, else the failure to audit (the class name of what it threw).
     *
     * @throws GivenUp if the watching thread gave the call up meanwhile
     */
    Optional<String> call(DisposalHandler handler, DisposalRequest request,
            Function<String, ItemJudge.Pending> recordIfGivenUp) {
        Duration backoff = sweeper.backoff(request.attempt());
        if (!sweeper.running.add(request.item())) {
            LOG.warn("disposal handler for {} not called on attempt {}: a call given up after {} has not returned"
                    + " yet; retrying in {}", request.item().category(), request.attempt(), sweeper.handlerTimeout,
                    backoff);
            return Optional.of(RejectedExecutionException.class.getName());
        }
        lock.lock();
        try {
            ifGivenUp = recordIfGivenUp;
            inCall = true;
            callStarted = System.nanoTime();
        } finally {
            lock.unlock();
        }
        Throwable thrown = null;
        try {
            handler.dispose(request);
        } catch (Throwable t) {
            thrown = t;
        } finally {
            sweeper.running.remove(request.item());
        }
        boolean late;
        lock.lock();
        try {
            if (worker != Thread.currentThread()) {
                throw new GivenUp(); // whatever the handler did, too late: nothing of it is recorded
            }
            inCall = false;
            // returned after its time, before the watching thread got round to giving it up: failed all the same,
            // since the lease was only sure to outlast handlerTimeout
            late = System.nanoTime() - callStarted >= sweeper.waitNanos;
        } finally {
            lock.unlock();
        }
        if (thrown instanceof Error error && !(thrown instanceof AssertionError)) {
            throw error; // the JVM is failing (or a test stands for it dying), not the disposal
        }
        if (late) {
            LOG.warn("disposal handler for {} returned after more than {} on attempt {}; counted as failed,"
                    + " retrying in {}", request.item().category(), sweeper.handlerTimeout, request.attempt(), backoff);
            return Optional.of(TimeoutException.class.getName());
        }
        if (thrown == null) {
            return Optional.empty();
        }
        LOG.warn("disposal handler for {} failed on attempt {} ({}); retrying in {}", request.item().category(),
                request.attempt(), thrown.getClass().getName(), backoff);
        return Optional.of(thrown.getClass().getName());
    }

    /** On the watching thread, once it gave up the call in progress: that item failed, with {@code failure}. */
    void giveUpCall(String failure) {
        ItemJudge.Pending p = ifGivenUp.apply(failure);
        Claim claim = p.attempt().claim();
        LOG.warn("disposal handler for {} given up on attempt {} ({}, timeout {}); interrupted, retrying in {}",
                claim.item().key().category(), claim.attempt(), failure, sweeper.handlerTimeout,
                sweeper.backoff(claim.attempt()));
        pending.add(p);
        next++;
    }

    /** Records the pending attempts in one store call, if any, and counts their outcomes. */
    private void recordPending() {
        List<DisposalRecord.Outcome> outcomes = sweeper.judge.record(pending);
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) != null) {
                recorded.put(pending.get(i).attempt().claim().item().key(), outcomes.get(i));
            }
        }
        tally.add(outcomes);
        pending.clear();
    }

    /** Renews the claims from {@code next} on in one store call; those lost to another sweeper become null. */
    private void renewRest() {
        List<Integer> at = new ArrayList<>();
        List<Claim> held = new ArrayList<>();
        for (int i = next; i < claims.size(); i++) {
            if (claims.get(i) != null) {
                at.add(i);
                held.add(claims.get(i));
            }
        }
        List<Optional<Claim>> renewed = sweeper.store.renewClaims(held, sweeper.lease);
        if (renewed.size() != held.size()) {
            throw new StoreException("renewClaims", "the store answered " + renewed.size() + " renewals for "
                    + held.size());
        }
        int lost = 0;
        for (int n = 0; n < held.size(); n++) {
            claims.set(at.get(n), renewed.get(n).orElse(null));
            lost += renewed.get(n).isPresent() ? 0 : 1;
        }
        LOG.debug("retention sweep on {}: renewed {} of {} claims for {}", sweeper.node, held.size() - lost,
                held.size(), sweeper.lease);
        if (lost > 0) {
            tally.lost += lost;
            LOG.warn("retention sweep on {}: {} claims expired before their handlers were called and were taken"
                    + " over by another sweeper; given up", sweeper.node, lost);
        }
    }

    /** Ends the sweep early: records what is done and gives the claims not taken up back for the next sweep. */
    private void stop() {
        recordPending();
        List<Claim> back = new ArrayList<>();
        for (int i = next; i < claims.size(); i++) {
            if (claims.get(i) != null) {
                back.add(claims.get(i));
            }
        }
        if (!back.isEmpty()) {
            LOG.debug("retention sweep on {}: giving {} claims back for the next sweep", sweeper.node, back.size());
            sweeper.store.releaseClaims(back);
            tally.claimed -= back.size();
        }
        next = claims.size();
        stopped = true;
    }

    /** The subjects of the claims from {@code from} until {@code until} (exclusive), those given up left out. */
    private static Set<SubjectId> subjectsOf(List<Claim> claims, int from, int until) {
        Set<SubjectId> out = new LinkedHashSet<>();
        for (int i = from; i < until; i++) {
            if (claims.get(i) != null) {
                out.add(claims.get(i).item().key().subject());
            }
        }
        return out;
    }

    /** The item keys of the claims from {@code from} until {@code until} (exclusive), those given up left out. */
    private static List<ItemKey> keysOf(List<Claim> claims, int from, int until) {
        List<ItemKey> out = new ArrayList<>();
        for (int i = from; i < until; i++) {
            if (claims.get(i) != null) {
                out.add(claims.get(i).item().key());
            }
        }
        return out;
    }

    /** Thrown on a handler thread whose call was given up: it leaves the batch at once, touching nothing of it. */
    private static final class GivenUp extends RuntimeException {
        private static final long serialVersionUID = 1L;

        GivenUp() {
            super(null, null, false, false);
        }
    }
}

package dev.consent.retention;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sweeper: disposes of the due items of a {@link RetentionService} through the host's {@link DisposalHandler}s,
 * under that service's policy, store, clock and reference key. Built with {@link #builder(RetentionService)}; any
 * number of sweepers, on any number of nodes, may sweep one store at once.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Holds are re-checked just before every disposal, not only when planning: the holds and the item state an
 *       item is judged on were read at most {@link Builder#refreshHoldsAfter(Duration) refreshHoldsAfter} (default
 *       1 s, by the service's clock) before its handler is called. The sweeper reads them for a whole claimed batch at
 *       once, and reads them again for the rest of the batch whenever that much time has passed since the last read,
 *       so a slow handler cannot stretch the window. A hold placed less than {@code refreshHoldsAfter} before an
 *       item's handler is called may therefore not stop it; {@code refreshHoldsAfter(Duration.ZERO)} reads them again
 *       before every item.</li>
 *   <li>Several sweepers, on any number of nodes, never hold the same item at once; each disposal is audited
 *       exactly once; a crashed sweeper's items are taken over when its lease ends, and its handler is called
 *       again with the same idempotency key (at-least-once).</li>
 *   <li><b>One clock for leases.</b> Leases are set and judged by the store's clock (the database's
 *       {@code CURRENT_TIMESTAMP} in consent-jdbc, the in-memory store's own clock), never by a node's: a node whose
 *       clock is ahead, by any amount, cannot take over the live claims of the others. Node clocks still decide
 *       which items are due and when a backoff ends (the policy's time): a node whose clock is X ahead disposes of
 *       items up to X early, so keep the nodes' clocks synchronised (NTP) to within what your retention periods
 *       tolerate; leases do not depend on it.</li>
 *   <li><b>A live lease for every handler call.</b> A handler is called only while the claim's lease, by this
 *       sweeper's own measure from before the claim or renewal was asked for, outlasts {@code handlerTimeout} plus a
 *       hundredth of the lease; otherwise the rest of the batch is renewed first, in one store call, and items another
 *       sweeper has taken over are given up without a call. A late outcome never overwrites another sweeper's:
 *       recording is checked by the claim's token.</li>
 *   <li><b>Bounded handler calls and sweeps.</b> A handler call that has not returned within
 *       {@link Builder#handlerTimeout(Duration) handlerTimeout} (default a fifth of the lease) counts as failed and is
 *       retried later; {@link #sweep} calls no handler once its budget is spent, and returns at most one
 *       {@code handlerTimeout} (plus a few store calls) after it.</li>
 *   <li>The outcomes of a batch (item states and audit entries) are recorded together after its handlers ran, in
 *       one atomic store call ({@link RetentionStore#finishClaims}), and sooner, before the next item, whenever the
 *       batch has run for longer than {@code refreshHoldsAfter}. A sweeper that dies, or whose store write fails,
 *       leaves the unrecorded items of its batch claimed until the lease ends; they are then handled again with the
 *       same idempotency key, so at most one batch is handled twice per crash.</li>
 *   <li>A failing handler is retried with exponential backoff while the sweep goes on with other items;
 *       every attempt is audited. A category without a handler is never disposed of (fail closed).</li>
 *   <li>The audit holds no personal data: it names items only by an HMAC under the service's
 *       {@link RetentionService.Builder#referenceKey reference key}, and failures by the exception's class name.
 *       Logs name categories, counts and the node, never a subject.</li>
 * </ul>
 * Thread-safe.
 */
public final class Sweeper {
    private static final Logger LOG = LoggerFactory.getLogger(Sweeper.class);

    final RetentionService retention;
    final RetentionStore store;
    final Clock clock;
    final ReferenceKey referenceKey;
    final Map<CategoryId, DisposalHandler> handlers;
    final String node;
    final Duration lease;
    private final int batchSize;
    final Duration retryBase;
    final Duration retryMax;
    final Duration refreshHoldsAfter;
    final Duration handlerTimeout;
    /** {@code handlerTimeout} in nanoseconds, at most {@code Long.MAX_VALUE}. */
    final long waitNanos;
    /** Run batches (and so handler calls), so that the sweeper can stop waiting for a call (daemon threads, ended when idle). */
    private final ExecutorService handlerThreads;
    /** Items whose handler call has not returned yet, including calls given up after {@code handlerTimeout}. */
    final Set<ItemKey> running = ConcurrentHashMap.newKeySet();
    /** Judges claimed items and records their outcomes. */
    final ItemJudge judge;

    private Sweeper(Builder b, Duration handlerTimeout) {
        this.retention = b.retention;
        this.store = b.retention.store();
        this.clock = b.retention.clock();
        this.referenceKey = b.retention.referenceKey();
        this.handlers = Map.copyOf(b.handlers);
        this.node = b.node;
        this.lease = b.lease;
        this.batchSize = b.batchSize;
        this.retryBase = b.retryBase;
        this.retryMax = b.retryMax;
        this.refreshHoldsAfter = b.refreshHoldsAfter;
        this.handlerTimeout = handlerTimeout;
        // a timeout of more than 292 years (the most nanoseconds a long holds) is waited for as that
        this.waitNanos = handlerTimeout.compareTo(Duration.ofNanos(Long.MAX_VALUE)) >= 0 ? Long.MAX_VALUE
                : handlerTimeout.toNanos();
        AtomicInteger threads = new AtomicInteger();
        String threadPrefix = "consent-disposal-" + node + "-";
        this.handlerThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, threadPrefix + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.judge = new ItemJudge(this);
    }

    /**
     * A builder of a sweeper for the due items of {@code retention}, under its policy, store, clock and keys.
     *
     * @param retention the service whose due index is swept
     * @return a builder with the defaults listed on its setters
     * @throws InvalidValueException when {@code retention} is null
     */
    public static Builder builder(RetentionService retention) {
        return new Builder(Checks.required("retention", retention));
    }

    /**
     * The retention service whose items this sweeper disposes of.
     *
     * @return the service given to {@link #builder}
     */
    public RetentionService retention() {
        return retention;
    }

    /**
     * This node's name in claims and in the audit.
     *
     * @return the name given to {@link Builder#node}, or the random one chosen at build
     */
    public String node() {
        return node;
    }

    /**
     * The due items of {@code plan} that this sweeper has no handler for, counted per category: a sweep audits them
     * as {@link DisposalRecord.Outcome#NO_HANDLER} and disposes of nothing (fail closed). Empty when every due
     * category has a handler.
     *
     * @param plan a plan of the same service
     * @return due items per category id without a handler, held ones excluded
     */
    public Map<String, Long> withoutHandler(DisposalPlan plan) {
        Checks.required("plan", plan);
        Map<String, Long> out = new TreeMap<>();
        plan.dueByCategory().forEach((category, count) -> {
            if (!handlers.containsKey(CategoryId.of(category))) {
                out.put(category, count);
            }
        });
        return out;
    }

    /**
     * Disposes of due items until none is left or the budget is spent: claims a batch, reads the holds of its
     * subjects in one call, re-checks each item (holds, anchors) and calls the category's handler, then records the
     * batch's outcomes and audit entries in one store call. When the batch has taken longer than
     * {@link Builder#refreshHoldsAfter(Duration) refreshHoldsAfter} (slow handlers), the outcomes so far are recorded
     * and the holds and items are read again before the next item. Safe to run on several nodes at once.
     *
     * <p>Threads: each batch is worked through on one of this sweeper's handler threads while the calling thread
     * watches how long each handler call takes (see {@link Builder#handlerTimeout(Duration)}); a batch costs one
     * hand-over between threads, not one per item.
     *
     * <p>Leases: a handler is called only while the item's lease outlasts the call; when less is left, the rest of
     * the batch is renewed in one store call first, and items another sweeper has taken over meanwhile are given up
     * without calling their handlers.
     *
     * <p>Budget: at most {@code maxItems} items are claimed, and no handler is called once {@code maxDuration} has
     * passed (by the service's clock or the JVM's monotonic clock, whichever says more); the claims of the batch not
     * yet taken up are then given back for the next sweep. So a sweep returns at most {@code maxDuration} plus one
     * {@code handlerTimeout} after it started, plus the time of the store calls made around that last handler call
     * (reading holds and the item, renewing, recording the batch, giving claims back: each bounded by the store's
     * own timeouts, not by this method). If the calling thread is interrupted, the handler call in progress is given
     * up as failed, the batch's outcomes are recorded, the rest is given back, and the sweep returns with the
     * thread's interrupt status set.
     *
     * <p>Logs the report at INFO when the sweep claimed anything, at DEBUG when it found nothing due.
     *
     * @param maxItems the most items this sweep claims
     * @param maxDuration how long it claims new batches; a batch claimed is finished
     * @return the counts of the sweep, per outcome
     * @throws InvalidValueException if {@code maxItems} is below 1 or {@code maxDuration} is null
     */
    public SweepReport sweep(int maxItems, Duration maxDuration) {
        if (maxItems < 1) {
            throw new InvalidValueException("maxItems", maxItems, "must be 1 or more");
        }
        Checks.required("maxDuration", maxDuration);
        Stopwatch budget = new Stopwatch(clock);
        SweepTally tally = new SweepTally();
        boolean exhausted = false;
        while (true) {
            if (tally.claimed >= maxItems || budget.reached(maxDuration) || Thread.currentThread().isInterrupted()) {
                exhausted = true;
                break;
            }
            Instant readAt = clock.instant();
            Instant now = readAt.truncatedTo(ChronoUnit.MICROS);
            // started before the claim is asked for: the store starts the lease later, so it lasts at least this long
            Stopwatch leaseAge = new Stopwatch(clock);
            int wanted = Math.min(batchSize, maxItems - tally.claimed);
            List<Claim> claims = store.claimDue(now, wanted, node, lease);
            LOG.debug("retention sweep on {}: claimed {} of {} asked for, lease {}", node, claims.size(), wanted,
                    lease);
            if (claims.isEmpty()) {
                break;
            }
            tally.claimed += claims.size();
            SweepBatch batch = new SweepBatch(this, claims, readAt, leaseAge, budget, maxDuration, tally);
            if (!workThrough(batch)) {
                exhausted = true;
                break;
            }
        }
        SweepReport report = tally.report(exhausted);
        if (report.claimed() == 0 && !exhausted) {
            LOG.debug("retention sweep on {}: nothing due", node);
        } else {
            LOG.info("retention sweep on {}: {}", node, report);
        }
        return report;
    }

    /**
     * Disposes of the subject's items that are due now (after an erasure request), through the same claims, checks,
     * handlers, handler timeout and audit as {@link #sweep}; items claimed by a running sweeper are left to it. Returns
     * the outcome per item attempted.
     *
     * @param subject the subject whose due items are disposed of
     * @return the audit outcome per item attempted; empty when none was due or claimable
     */
    public Map<ItemKey, DisposalRecord.Outcome> disposeDue(SubjectId subject) {
        Checks.required("subject", subject);
        Map<ItemKey, DisposalRecord.Outcome> out = new LinkedHashMap<>();
        for (RetainedItem item : store.items(subject)) {
            Instant readAt = clock.instant();
            Stopwatch leaseAge = new Stopwatch(clock);
            Optional<Claim> claim = store.claimItem(item.key(), readAt, node, lease);
            LOG.debug("disposal on {} of one item of category {}: {}", node, item.key().category(),
                    claim.isPresent() ? "claimed" : "not due, or claimed by another sweeper");
            if (claim.isPresent()) {
                // the claim carries the item as stored when claimed; the holds are read by the batch
                SweepBatch batch = new SweepBatch(this, List.of(claim.get()), readAt, leaseAge, null, null,
                        new SweepTally());
                workThrough(batch);
                out.putAll(batch.recorded);
                if (Thread.currentThread().isInterrupted()) {
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Works {@code batch} through on handler threads, from this thread: starts it on one, and whenever a handler call
     * outlives {@code handlerTimeout} (or this thread is interrupted) gives that call up, records it as failed and
     * starts the rest of the batch on another handler thread. Returns whether the sweep may go on (false when the
     * batch stopped early). What the batch threw (a store failure, an {@link Error} from a handler) is thrown here.
     */
    private boolean workThrough(SweepBatch batch) {
        boolean interrupted = false;
        try {
            while (true) {
                handlerThreads.execute(batch);
                String givenUp = null;
                batch.lock.lock();
                try {
                    while (!batch.done) {
                        long wait = waitNanos;
                        if (batch.inCall) {
                            long elapsed = System.nanoTime() - batch.callStarted;
                            if (interrupted || elapsed >= waitNanos) {
                                givenUp = interrupted ? InterruptedException.class.getName()
                                        : TimeoutException.class.getName();
                                batch.worker.interrupt();
                                batch.worker = null; // from now on that thread leaves as soon as its call returns
                                batch.inCall = false;
                                break;
                            }
                            wait = waitNanos - elapsed;
                        }
                        // not in a call: wake at the latest when a call begun meanwhile would be due to end
                        try {
                            batch.changed.awaitNanos(wait);
                        } catch (InterruptedException e) {
                            // asked to stop: the batch stops before its next item, a call in progress is given up
                            interrupted = true;
                            batch.stopAsked = true;
                        }
                    }
                } finally {
                    batch.lock.unlock();
                }
                if (givenUp == null) {
                    if (batch.failure instanceof RuntimeException e) {
                        throw e;
                    }
                    if (batch.failure instanceof Error e) {
                        throw e;
                    }
                    return !batch.stopped;
                }
                // the given-up thread touches nothing of the batch any more: record the item, go on with the rest
                batch.giveUpCall(givenUp);
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Whether a lease obtained when {@code leaseAge} was started still outlasts a handler call begun now, with a
     * margin of a hundredth of the lease for the store's clock running at another rate than this JVM's.
     */
    boolean leaseCovers(Stopwatch leaseAge) {
        return leaseAge.elapsed().plus(handlerTimeout).plus(lease.dividedBy(100)).compareTo(lease) <= 0;
    }

    /** Whether holds and items read at {@code readAt} are too old to judge the next item on. */
    boolean stale(Instant readAt) {
        return refreshHoldsAfter.isZero() || Duration.between(readAt, clock.instant()).compareTo(refreshHoldsAfter) > 0;
    }

    /** The backoff after failed attempt number {@code attempt}: base, doubling per attempt, capped at max. */
    Duration backoff(int attempt) {
        long factor = 1L << Math.min(attempt - 1, 20);
        Duration d = retryBase.multipliedBy(factor);
        return d.compareTo(retryMax) > 0 ? retryMax : d;
    }

    /**
     * Configures a {@link Sweeper}; every setter checks its argument at once, {@link #build()} checks how they fit
     * together (the handler timeout within the lease, handlers for declared categories).
     */
    public static final class Builder {
        private final RetentionService retention;
        private final Map<CategoryId, DisposalHandler> handlers = new HashMap<>();
        private String node = "node-" + UUID.randomUUID().toString().substring(0, 8);
        private Duration lease = Duration.ofMinutes(5);
        private int batchSize = 1000;
        private Duration retryBase = Duration.ofMinutes(1);
        private Duration retryMax = Duration.ofHours(6);
        private Duration refreshHoldsAfter = Duration.ofSeconds(1);
        private Duration handlerTimeout; // null: a fifth of the lease

        private Builder(RetentionService retention) {
            this.retention = retention;
        }

        /**
         * The host's disposal code for one category, declared by the service's policy (checked by {@link #build()}).
         * A category without a handler is never disposed of: its due items are audited as
         * {@link DisposalRecord.Outcome#NO_HANDLER} and retried after the maximum backoff.
         *
         * @param category the category id
         * @param handler the host's code; one per category, a later one replaces an earlier
         * @return this builder
         * @throws InvalidValueException if {@code category} is not a valid category id or {@code handler} is null
         */
        public Builder handler(String category, DisposalHandler handler) {
            handlers.put(CategoryId.of(category), Checks.required("handler", handler));
            return this;
        }

        /**
         * This node's name in claims and the audit (1 to 100 characters). Defaults to a random one.
         *
         * @param name the node's name
         * @return this builder
         * @throws InvalidValueException if {@code name} is blank or longer than 100 characters
         */
        public Builder node(String name) {
            this.node = Checks.text("node", name, 100);
            return this;
        }

        /**
         * How long a claim is exclusive; a crashed sweeper's items are taken over after it. Default 5 min. Measured by
         * the store's clock (a database's own clock), never by a node's: see {@link RetentionStore#claimDue}. A sweeper
         * renews its claims before a handler call whenever less than {@link #handlerTimeout(Duration) handlerTimeout}
         * (plus a hundredth of the lease) is left of them.
         *
         * @param lease how long a claim lasts
         * @return this builder
         * @throws InvalidValueException if {@code lease} is null, zero or negative
         */
        public Builder lease(Duration lease) {
            if (lease == null || lease.isNegative() || lease.isZero()) {
                throw new InvalidValueException("lease", lease, "must be a positive duration");
            }
            this.lease = lease;
            return this;
        }

        /**
         * How many items one store call claims at most. Default 1,000: each batch costs a fixed number of store round
         * trips and commits whatever its size, so larger batches sweep faster; a sweeper that dies mid-batch leaves
         * at most one batch to be handled again once its lease ends (handlers are idempotent), and holds stay fresh
         * whatever the size ({@link #refreshHoldsAfter(Duration)}).
         *
         * @param items the batch size
         * @return this builder
         * @throws InvalidValueException if {@code items} is not between 1 and 10,000
         */
        public Builder batchSize(int items) {
            if (items < 1 || items > 10_000) {
                throw new InvalidValueException("batchSize", items, "must be between 1 and 10000");
            }
            this.batchSize = items;
            return this;
        }

        /**
         * Backoff after a failed disposal: base, doubling per attempt, capped at max. Default 1 min to 6 h.
         *
         * @param base the backoff after the first failure
         * @param max the cap
         * @return this builder
         * @throws InvalidValueException if {@code base} is null or negative, or {@code max} is null or below it
         */
        public Builder retryBackoff(Duration base, Duration max) {
            if (base == null || base.isNegative() || max == null || max.compareTo(base) < 0) {
                throw new InvalidValueException("retryBackoff", base + ".." + max,
                        "must be a non-negative base no larger than the maximum");
            }
            this.retryBase = base;
            this.retryMax = max;
            return this;
        }

        /**
         * How old, at most, the legal holds and item state an item is judged on may be when its handler is called (by
         * the service's clock). The sweeper reads them once per claimed batch, and again for the rest of the batch
         * (recording the outcomes so far first) whenever this much time has passed since the last read. Default
         * 1 s; {@link Duration#ZERO} reads them before every item.
         *
         * @param maxAge how old the holds read may be
         * @return this builder
         * @throws InvalidValueException if {@code maxAge} is null or negative
         */
        public Builder refreshHoldsAfter(Duration maxAge) {
            if (maxAge == null || maxAge.isNegative()) {
                throw new InvalidValueException("refreshHoldsAfter", maxAge, "must be zero or a positive duration");
            }
            this.refreshHoldsAfter = maxAge;
            return this;
        }

        /**
         * How long the sweeper waits for one {@link DisposalHandler} call. A call that has not returned within it
         * counts as failed, whenever it returns: it is audited with the failure
         * {@code java.util.concurrent.TimeoutException}, its item is retried after the backoff like any failure, and
         * the handler's thread is interrupted. Nothing the handler does after that is recorded, so a late return
         * cannot turn the failure into a disposal; until it returns, this node does not call the handler for that item
         * again. The claim's lease outlasts the call's time (see {@link #lease(Duration)}), so no other sweeper takes
         * the item over while the sweeper still waits for the call; a handler that ignores interruption may still be
         * running when the item is retried elsewhere after its backoff, so handlers must be idempotent (they must be
         * anyway: see {@link DisposalHandler}).
         *
         * <p>Handlers run on the sweeper's own daemon threads ({@code consent-disposal-<node>-<n>}): a sweep works
         * each batch through on one of them while the thread that called {@link #sweep} watches the calls' time. State
         * bound to the calling thread (a transaction, a logging context) is not there. Default: a fifth of the
         * {@link #lease(Duration) lease} (1 min with the default 5-min lease); at most half the lease (checked by
         * {@link #build()}), so that a lease always outlasts the call it covers.
         *
         * @param timeout how long a handler call may run
         * @return this builder
         * @throws InvalidValueException if {@code timeout} is null, zero or negative
         */
        public Builder handlerTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new InvalidValueException("handlerTimeout", timeout, "must be a positive duration");
            }
            this.handlerTimeout = timeout;
            return this;
        }

        /**
         * The sweeper.
         *
         * @return the sweeper, with its own handler threads (daemon threads, started on demand)
         * @throws InvalidValueException if a handler names a category the service's policy does not declare, or the
         *     handler timeout is more than half the lease (or the lease too short to leave a call any time)
         */
        public Sweeper build() {
            Duration timeout = handlerTimeout == null ? lease.dividedBy(5) : handlerTimeout;
            if (timeout.isZero()) {
                throw new InvalidValueException("lease", lease, "is too short to leave a handler call any time");
            }
            if (timeout.compareTo(lease.dividedBy(2)) > 0) {
                throw new InvalidValueException("handlerTimeout", timeout, "must be at most half the lease (" + lease
                        + "): a handler is called only while its claim's lease outlasts the call");
            }
            Set<CategoryId> unknown = new LinkedHashSet<>();
            for (CategoryId c : handlers.keySet()) {
                if (retention.policyVersions().all().stream().allMatch(p -> p.findCategory(c).isEmpty())) {
                    unknown.add(c);
                }
            }
            if (!unknown.isEmpty()) {
                throw new InvalidValueException("handler", unknown, "names categories no policy version declares");
            }
            return new Sweeper(this, timeout);
        }
    }
}

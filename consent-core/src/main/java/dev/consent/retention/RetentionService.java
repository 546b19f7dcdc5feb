package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.MessageValues;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Retention, kept: records the anchor events of each subject's data, keeps every item's due instant indexed,
 * places and releases legal holds, answers erasure requests, plans disposals (a dry run) and sweeps them
 * through the host's {@link DisposalHandler}s.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Holds are re-checked just before every disposal, not only when planning: the holds and the item state an
 *       item is judged on were read at most {@link Builder#holdRecheck(Duration) holdRecheck} (default 1 s, by this
 *       service's clock) before its handler is called. The sweeper reads them for a whole claimed batch at once,
 *       and reads them again for the rest of the batch whenever that much time has passed since the last read, so
 *       a slow handler cannot stretch the window. A hold placed less than {@code holdRecheck} before an item's
 *       handler is called may therefore not stop it; {@code holdRecheck(Duration.ZERO)} reads them again before
 *       every item.</li>
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
 *       service's own measure from before the claim or renewal was asked for, outlasts {@code handlerTimeout} plus a
 *       hundredth of the lease; otherwise the rest of the batch is renewed first, in one store call, and items another
 *       sweeper has taken over are given up without a call. A late outcome never overwrites another sweeper's:
 *       recording is checked by the claim's token.</li>
 *   <li><b>Bounded handler calls and sweeps.</b> A handler call that has not returned within
 *       {@link Builder#handlerTimeout(Duration) handlerTimeout} (default a fifth of the lease) counts as failed and is
 *       retried later; {@link #sweep} calls no handler once its budget is spent, and returns at most one
 *       {@code handlerTimeout} (plus a few store calls) after it.</li>
 *   <li>The outcomes of a batch (item states and audit entries) are recorded together after its handlers ran, in
 *       one atomic store call ({@link RetentionStore#finishClaims}), and sooner, before the next item, whenever the
 *       batch has run for longer than {@code holdRecheck}. A sweeper that dies, or whose store write fails, leaves
 *       the unrecorded items of its batch claimed until the lease ends; they are then handled again with the same
 *       idempotency key, so at most one batch is handled twice per crash.</li>
 *   <li>A failing handler is retried with exponential backoff while the sweep goes on with other items;
 *       every attempt is audited. A category without a handler is never disposed of (fail closed).</li>
 *   <li>The audit holds no personal data, and erasure requests leave a tombstone: both name subjects and items only
 *       by an HMAC under the host's {@link Builder#referenceKey reference key}. An erased subject's item rows are
 *       deleted once disposed of; docs/erasure.md lists what an erasure leaves in the store.</li>
 * </ul>
 * Thread-safe.
 */
public final class RetentionService {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionService.class);
    private static final int MAX_SAVE_ATTEMPTS = 20;
    /** How many items the planner reads from the store at a time. */
    private static final int PLAN_PAGE = 500;

    private final RetentionEngine engine;
    private final RetentionStore store;
    private final Clock clock;
    private final Map<CategoryId, DisposalHandler> handlers;
    private final String node;
    private final Duration lease;
    private final int batchSize;
    private final Duration retryBase;
    private final Duration retryMax;
    private final Duration holdRecheck;
    private final Duration handlerTimeout;
    private final long waitNanos;
    /** Run batches (and so handler calls), so that the sweeper can stop waiting for a call (daemon threads, ended when idle). */
    private final ExecutorService handlerThreads;
    /** Items whose handler call has not returned yet, including calls given up after {@code handlerTimeout}. */
    private final Set<ItemKey> running = ConcurrentHashMap.newKeySet();
    private final ReferenceKey referenceKey;
    /** The current key and the retired ones, by id: references are matched under the key they name. */
    private final Map<String, ReferenceKey> referenceKeys;

    private RetentionService(Builder b, Duration handlerTimeout) {
        this.engine = new RetentionEngine(b.policy);
        this.store = b.store;
        this.clock = b.clock;
        this.handlers = Map.copyOf(b.handlers);
        this.node = b.node;
        this.lease = b.lease;
        this.batchSize = b.batchSize;
        this.retryBase = b.retryBase;
        this.retryMax = b.retryMax;
        this.holdRecheck = b.holdRecheck;
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
        this.referenceKey = b.referenceKey;
        Map<String, ReferenceKey> keys = new java.util.LinkedHashMap<>();
        keys.put(b.referenceKey.id(), b.referenceKey);
        b.retiredKeys.forEach(k -> keys.put(k.id(), k));
        this.referenceKeys = java.util.Collections.unmodifiableMap(keys);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Policy policy() {
        return engine.policy();
    }

    /** The stateless verdict for facts the host keeps itself. */
    public RetentionVerdict evaluate(ItemFacts facts, Instant at) {
        return engine.evaluate(facts, at);
    }

    // ------------------------------------------------------------------------------------------ anchors

    /**
     * Records that {@code anchor} happened for {@code item} at {@code at} (a purchase: {@code last_transaction}).
     * Anchors only move forward: an older instant than the one stored (a late, out-of-order delivery) is kept
     * out. Recomputes the item's due instant and returns its verdict now.
     */
    public RetentionVerdict recordAnchor(ItemKey item, Anchor anchor, Instant at) {
        Checks.required("anchor", anchor);
        Instant when = Checks.required("at", at).truncatedTo(ChronoUnit.MICROS);
        return update(item, i -> {
            Map<Anchor, Instant> anchors = new TreeMap<>(i.anchors());
            anchors.merge(anchor, when, (a, b) -> a.isAfter(b) ? a : b);
            RetainedItem next = i.withAnchors(anchors);
            // new data after a disposal makes the item active again
            return i.state() == RetainedItem.State.DISPOSED && !when.isBefore(i.dueAt().orElse(Instant.MIN))
                    ? next.withState(RetainedItem.State.ACTIVE) : next;
        });
    }

    public RetentionVerdict recordAnchor(SubjectId subject, String category, Anchor anchor, Instant at) {
        return recordAnchor(ItemKey.of(subject, CategoryId.of(category)), anchor, at);
    }

    /** Removes an anchor (an account that was closed is reopened). */
    public RetentionVerdict clearAnchor(ItemKey item, Anchor anchor) {
        return update(item, i -> {
            Map<Anchor, Instant> anchors = new TreeMap<>(i.anchors());
            anchors.remove(anchor);
            return i.withAnchors(anchors);
        });
    }

    private RetentionVerdict update(ItemKey key, UnaryOperator<RetainedItem> change) {
        checkCategory(key.category());
        for (int attempt = 0; attempt < MAX_SAVE_ATTEMPTS; attempt++) {
            RetainedItem current = store.item(key).orElseGet(() -> RetainedItem.create(key));
            RetainedItem changed = change.apply(current);
            List<LegalHold> holds = store.holds(key.subject());
            RetentionVerdict verdict = engine.evaluate(changed.facts(holds), clock.instant());
            RetainedItem indexed = changed.withDue(dueIndexOf(changed, holds)).withRetry(0, Optional.empty());
            if (store.saveItem(indexed)) {
                return verdict;
            }
        }
        throw new StoreException("saveItem", "the item kept changing under concurrent writers; nothing was saved");
    }

    /**
     * The due index holds when disposal falls due ignoring holds: holds are checked when claiming, so a
     * released hold needs no re-index. Items that no rule will ever make due are not indexed: NOT_STARTED and
     * NO_RULE items, even while a minimum keeps them (when that minimum ends nothing falls due, so a claim then would
     * only be skipped as not due). The planner lists them through {@link RetentionStore#undatedItems} instead.
     */
    private Optional<Instant> dueIndexOf(RetainedItem item, List<LegalHold> holds) {
        RetentionVerdict ignoringHolds = engine.evaluate(item.facts(List.of()), clock.instant());
        return unscheduled(ignoringHolds) ? Optional.empty() : ignoringHolds.disposalAt();
    }

    /** Whether no rule has the item due ever, as things stand: no maximum has started, or none covers it. */
    private static boolean unscheduled(RetentionVerdict v) {
        return v.status() == RetentionVerdict.Status.NOT_STARTED || v.status() == RetentionVerdict.Status.NO_RULE;
    }

    private void checkCategory(CategoryId category) {
        if (engine.policy().findCategory(category).isEmpty()) {
            throw new InvalidValueException("category", category, "is not declared by policy "
                    + engine.policy().id() + " version " + engine.policy().version());
        }
    }

    /**
     * Recomputes the due instant of every stored item under this service's policy: run it once after deploying a
     * policy whose retention rules changed, so that a shortened period takes effect for data already held.
     * Returns how many items' due instants changed.
     */
    public long reindexAll() {
        long changed = 0;
        Optional<ItemKey> after = Optional.empty();
        while (true) {
            List<RetainedItem> page = after.isPresent() ? store.allItemsAfter(after.get(), 500) : store.allItems(500);
            for (RetainedItem item : page) {
                if (item.state() != RetainedItem.State.ACTIVE) {
                    continue;
                }
                Optional<Instant> before = item.dueAt();
                if (engine.policy().findCategory(item.key().category()).isEmpty()) {
                    LOG.warn("retained items of category {} are not governed by policy {} {}", item.key().category(),
                            engine.policy().id(), engine.policy().version());
                    continue;
                }
                RetentionVerdict v = update(item.key(), UnaryOperator.identity());
                if (!(unscheduled(v) ? Optional.<Instant>empty() : v.disposalAt()).equals(before)) {
                    changed++;
                }
            }
            if (page.size() < 500) {
                return changed;
            }
            after = Optional.of(page.get(page.size() - 1).key());
        }
    }

    // ----------------------------------------------------------------------------------------- verdicts

    public RetentionVerdict verdict(ItemKey item) {
        return verdict(item, clock.instant());
    }

    public RetentionVerdict verdict(ItemKey item, Instant at) {
        checkCategory(item.category());
        RetainedItem stored = store.item(item).orElseGet(() -> RetainedItem.create(item));
        return engine.evaluate(stored.facts(store.holds(item.subject())), at);
    }

    /** The verdict of every item of a subject now: its retention schedule (GDPR Art. 15(1)(d)). */
    public List<RetentionVerdict> schedule(SubjectId subject) {
        Instant now = clock.instant();
        List<LegalHold> holds = store.holds(subject);
        return store.items(subject).stream().filter(i -> i.state() == RetainedItem.State.ACTIVE)
                .map(i -> engine.evaluate(i.facts(holds), now)).toList();
    }

    // ---------------------------------------------------------------------------------------------- holds

    /** Places a legal hold on a subject's data in some categories (all when none are given). */
    public LegalHold placeHold(SubjectId subject, Set<CategoryId> categories, String reason, String placedBy) {
        categories.forEach(this::checkCategory);
        LegalHold hold = new LegalHold("hold-" + UUID.randomUUID(), subject, categories, reason, placedBy,
                clock.instant().truncatedTo(ChronoUnit.MICROS), Optional.empty());
        store.saveHold(hold);
        LOG.info("legal hold {} placed on {} categories", hold.id(), categories.isEmpty() ? "all" : categories.size());
        return hold;
    }

    /** Releases a hold; the sweeper may then dispose of what it kept. */
    public LegalHold releaseHold(String holdId, String releasedBy, String reason) {
        LegalHold hold = store.hold(holdId)
                .orElseThrow(() -> new InvalidValueException("holdId", holdId, "is not a placed legal hold"));
        if (hold.release().isPresent()) {
            throw new ConflictException("holdId: " + MessageValues.inMessage("holdId", holdId) + " was already released at "
                    + hold.release().get().releasedAt());
        }
        LegalHold released = hold.released(new LegalHold.Release(releasedBy, reason,
                clock.instant().truncatedTo(ChronoUnit.MICROS)));
        store.saveHold(released);
        // items the sweeper set aside while held become claimable at once
        for (RetainedItem item : store.items(hold.subject())) {
            if (item.state() == RetainedItem.State.ACTIVE && item.notBefore().isPresent()) {
                update(item.key(), UnaryOperator.identity());
            }
        }
        LOG.info("legal hold {} released", holdId);
        return released;
    }

    public List<LegalHold> holds(SubjectId subject) {
        return store.holds(subject);
    }

    /**
     * The holds of several subjects, read together (one store call): every subject asked about has an entry, with its
     * holds, released ones included, in placement order.
     */
    public Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        return store.holds(Checks.required("subjects", subjects));
    }

    // -------------------------------------------------------------------------------------------- erasure

    /**
     * The subject asks for erasure (GDPR Art. 17). Every item of the subject falls due at once unless a legal
     * minimum or a hold keeps it; the answer says, per item, which. Leaves a tombstone under the current
     * {@link Builder#referenceKey reference key}. Items already disposed of are removed (their rows held nothing
     * but the subject's id and past instants); the others are removed once they are disposed of. When no active item
     * of the subject is known (its anchors were never recorded, or everything was disposed of), the answer says so
     * ({@link ErasureAnswer#nothingKnown()}) instead of reading as "nothing to erase": the shop's own tables may still
     * hold the data (Art. 17(1)).
     */
    public ErasureAnswer requestErasure(SubjectId subject) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        store.addTombstone(new Tombstone(referenceKey.subjectReference(subject), now));
        List<ErasureAnswer.Entry> entries = new ArrayList<>();
        for (RetainedItem item : store.items(subject)) {
            if (item.state() != RetainedItem.State.ACTIVE) {
                // disposed of before the request: nothing is left to dispose of, so nothing needs the row; a row
                // changed meanwhile (new data made it active) is left alone and answered by the next request
                store.removeItem(item);
                continue;
            }
            RetentionVerdict v = update(item.key(), i -> i.erasureRequestedAt().isPresent() ? i
                    : i.withErasureRequestedAt(now));
            entries.add(entryOf(v));
        }
        return new ErasureAnswer(subject, now, entries);
    }

    private ErasureAnswer.Entry entryOf(RetentionVerdict v) {
        if (v.status() == RetentionVerdict.Status.HELD) {
            return new ErasureAnswer.Entry(v.item(), ErasureAnswer.Outcome.HELD, Optional.empty(), Optional.empty(),
                    Optional.empty(), v.holds());
        }
        if (v.status() == RetentionVerdict.Status.KEEP) {
            Optional<String> reference = v.decidingRule().flatMap(id -> engine.policy().retentionRules().stream()
                    .filter(r -> r.id().equals(id)).findFirst()).map(RetentionRule::legalReference);
            return new ErasureAnswer.Entry(v.item(), ErasureAnswer.Outcome.KEPT_UNTIL, v.keepUntil(), v.decidingRule(),
                    reference, List.of());
        }
        return new ErasureAnswer.Entry(v.item(), ErasureAnswer.Outcome.ERASED_NOW, Optional.empty(), v.decidingRule(),
                Optional.empty(), List.of());
    }

    /**
     * Whether an erasure request for this subject is on record (look up data restored from a backup): a tombstone
     * made under the current reference key or any retired one.
     */
    public boolean wasErased(SubjectId subject) {
        Checks.required("subject", subject);
        for (ReferenceKey key : referenceKeys.values()) {
            if (store.tombstone(key.subjectReference(subject)).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The reference under which new audit entries name an item: keyed with the current reference key, so only the
     * holder of the key can match an entry to an item.
     */
    public String itemReference(ItemKey item) {
        return referenceKey.itemReference(item);
    }

    /**
     * Whether an audit entry is about {@code item}: its reference is recomputed under the key the entry names
     * (current or retired). False for an entry made under a key this service does not hold.
     */
    public boolean refersTo(DisposalRecord record, ItemKey item) {
        Checks.required("record", record);
        Checks.required("item", item);
        return ReferenceKey.keyIdOf(record.itemReference()).map(referenceKeys::get)
                .map(k -> k.itemReference(item).equals(record.itemReference())).orElse(false);
    }

    /** Of the given subjects (found in restored data), those with an erasure on record. */
    public List<SubjectId> erasedAmong(Collection<SubjectId> subjects) {
        return subjects.stream().filter(this::wasErased).toList();
    }

    // -------------------------------------------------------------------------------------------- sweeping

    /**
     * The dry run: every item due at {@code at}, through the same selection and the same checks as
     * {@link #sweep}, disposing of nothing; and, so that nothing is skipped silently, every item no rule has due:
     * those whose maximum rules wait for an anchor event that never happened (NOT_STARTED: an account never closed)
     * and those of a category no maximum rule covers (NO_RULE: a gap in the policy), each with its verdict and
     * {@link RetentionVerdict#reason() reason} (GDPR Art. 5(1)(e) storage limitation, Art. 5(2) accountability,
     * Art. 30(1)(f) the time limits of each category).
     *
     * <p>It pages through the store (500 items a page): the due index up to {@code at}, then the undated items
     * ({@link RetentionStore#undatedItems}). It keeps every due and held verdict, as before; of the unscheduled items
     * it keeps counts and the first {@link DisposalPlan#UNSCHEDULED_SAMPLE} verdicts, so its memory does not grow
     * with them; {@link #unscheduled} lists them all. Items changed while it runs may be counted as they were or as
     * they are: it is not a snapshot.
     */
    public DisposalPlan plan(Instant at) {
        Checks.required("at", at);
        List<RetentionVerdict> verdicts = new ArrayList<>();
        Map<String, Long> byCategory = new TreeMap<>();
        Map<String, Long> byRule = new TreeMap<>();
        long held = 0;
        long withoutHandler = 0;
        UnscheduledTally unscheduled = new UnscheduledTally();
        Optional<RetentionStore.DueCursor> cursor = Optional.empty();
        Map<SubjectId, List<LegalHold>> holdCache = new HashMap<>();
        while (true) {
            List<RetainedItem> page = cursor.isPresent() ? store.dueItemsAfter(at, cursor.get(), PLAN_PAGE)
                    : store.dueItems(at, PLAN_PAGE);
            for (RetainedItem item : page) {
                List<LegalHold> holds = holdsOf(item, page, holdCache);
                RetentionVerdict v = engine.evaluate(item.facts(holds), at);
                if (v.status() == RetentionVerdict.Status.HELD) {
                    held++;
                    verdicts.add(v);
                } else if (v.status() == RetentionVerdict.Status.DUE) {
                    verdicts.add(v);
                    if (!handlers.containsKey(item.key().category())) {
                        withoutHandler++;
                    }
                    byCategory.merge(item.key().category().value(), 1L, Long::sum);
                    byRule.merge(v.decidingRule().orElse("?"), 1L, Long::sum);
                } else {
                    // a minimum ended with no maximum started: the sweep will only drop it from the due index
                    unscheduled.add(v);
                }
            }
            if (page.size() < PLAN_PAGE) {
                break;
            }
            RetainedItem last = page.get(page.size() - 1);
            cursor = Optional.of(new RetentionStore.DueCursor(last.dueAt().orElseThrow(), last.key()));
            if (holdCache.size() > 10_000) {
                holdCache.clear();
            }
        }
        Optional<ItemKey> after = Optional.empty();
        while (true) {
            List<RetainedItem> page = after.isPresent() ? store.undatedItemsAfter(after.get(), PLAN_PAGE)
                    : store.undatedItems(PLAN_PAGE);
            for (RetainedItem item : page) {
                unscheduled.add(engine.evaluate(item.facts(holdsOf(item, page, holdCache)), at));
            }
            if (page.size() < PLAN_PAGE) {
                break;
            }
            after = Optional.of(page.get(page.size() - 1).key());
            if (holdCache.size() > 10_000) {
                holdCache.clear();
            }
        }
        return new DisposalPlan(at, verdicts, byCategory, byRule, held, withoutHandler, unscheduled.result());
    }

    /**
     * The items no rule has due, listed on their own: up to {@code limit} verdicts at {@code at} of active items
     * without a due instant, in key order after {@code after} (exclusive; empty to start; pass the last item's key to
     * read on). These are the NOT_STARTED items (the anchor their maximum rules count from never happened: an account
     * never closed, a ticket never resolved) and the NO_RULE items (no maximum rule covers their category), each with
     * its {@link RetentionVerdict#reason() reason}: no sweep will reach them until an anchor is recorded or the
     * policy gains a rule, so the shop must see them (GDPR Art. 5(1)(e), Art. 5(2), Art. 30(1)(f)).
     *
     * @throws InvalidValueException if {@code limit} is not between 1 and 10,000
     */
    public List<RetentionVerdict> unscheduled(Instant at, Optional<ItemKey> after, int limit) {
        Checks.required("at", at);
        Checks.required("after", after);
        if (limit < 1 || limit > 10_000) {
            throw new InvalidValueException("limit", limit, "must be between 1 and 10000");
        }
        List<RetainedItem> page = after.isPresent() ? store.undatedItemsAfter(after.get(), limit)
                : store.undatedItems(limit);
        Map<SubjectId, List<LegalHold>> holds = new HashMap<>();
        List<RetentionVerdict> out = new ArrayList<>(page.size());
        for (RetainedItem item : page) {
            out.add(engine.evaluate(item.facts(holdsOf(item, page, holds)), at));
        }
        return out;
    }

    /** The holds of the item's subject, reading those of the whole page's new subjects in one call when missing. */
    private List<LegalHold> holdsOf(RetainedItem item, List<RetainedItem> page, Map<SubjectId, List<LegalHold>> cache) {
        if (!cache.containsKey(item.key().subject())) {
            Set<SubjectId> unread = new LinkedHashSet<>();
            for (RetainedItem i : page) {
                if (!cache.containsKey(i.key().subject())) {
                    unread.add(i.key().subject());
                }
            }
            cache.putAll(store.holds(unread));
        }
        return cache.getOrDefault(item.key().subject(), List.of());
    }

    /** The unscheduled part of a plan: counts of every item, verdicts of the first few. */
    private static final class UnscheduledTally {
        private final Map<RetentionVerdict.Status, Long> byStatus =
                new java.util.EnumMap<>(RetentionVerdict.Status.class);
        private final Map<String, Long> byCategory = new TreeMap<>();
        private final List<RetentionVerdict> sample = new ArrayList<>();

        void add(RetentionVerdict v) {
            byStatus.merge(v.status(), 1L, Long::sum);
            byCategory.merge(v.item().category().value(), 1L, Long::sum);
            if (sample.size() < DisposalPlan.UNSCHEDULED_SAMPLE) {
                sample.add(v);
            }
        }

        DisposalPlan.Unscheduled result() {
            return new DisposalPlan.Unscheduled(byStatus, byCategory, sample);
        }
    }

    /**
     * Disposes of due items until none is left or the budget is spent: claims a batch, reads the holds of its
     * subjects in one call, re-checks each item (holds, anchors) and calls the category's handler, then records the
     * batch's outcomes and audit entries in one store call. When the batch has taken longer than
     * {@link Builder#holdRecheck(Duration) holdRecheck} (slow handlers), the outcomes so far are recorded and the
     * holds and items are read again before the next item. Safe to run on several nodes at once.
     *
     * <p>Threads: each batch is worked through on one of this service's handler threads while the calling thread
     * watches how long each handler call takes (see {@link Builder#handlerTimeout(Duration)}); a batch costs one
     * hand-over between threads, not one per item.
     *
     * <p>Leases: a handler is called only while the item's lease outlasts the call; when less is left, the rest of
     * the batch is renewed in one store call first, and items another sweeper has taken over meanwhile are given up
     * without calling their handlers.
     *
     * <p>Budget: at most {@code maxItems} items are claimed, and no handler is called once {@code maxDuration} has
     * passed (by this service's clock or the JVM's monotonic clock, whichever says more); the claims of the batch not
     * yet taken up are then given back for the next sweep. So a sweep returns at most {@code maxDuration} plus one
     * {@code handlerTimeout} after it started, plus the time of the store calls made around that last handler call
     * (reading holds and the item, renewing, recording the batch, giving claims back: each bounded by the store's
     * own timeouts, not by this method). If the calling thread is interrupted, the handler call in progress is given
     * up as failed, the batch's outcomes are recorded, the rest is given back, and the sweep returns with the
     * thread's interrupt status set.
     *
     * @throws InvalidValueException if {@code maxItems} is below 1 or {@code maxDuration} is null
     */
    public SweepReport sweep(int maxItems, Duration maxDuration) {
        if (maxItems < 1) {
            throw new InvalidValueException("maxItems", maxItems, "must be 1 or more");
        }
        Checks.required("maxDuration", maxDuration);
        Stopwatch budget = new Stopwatch(clock);
        Tally tally = new Tally();
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
            List<Claim> claims = store.claimDue(now, Math.min(batchSize, maxItems - tally.claimed), node, lease);
            if (claims.isEmpty()) {
                break;
            }
            tally.claimed += claims.size();
            Batch batch = new Batch(claims, readAt, leaseAge, budget, maxDuration, tally);
            if (!workThrough(batch)) {
                exhausted = true;
                break;
            }
        }
        SweepReport report = new SweepReport(tally.claimed, tally.disposed, tally.failed, tally.held, tally.notDue,
                tally.noHandler, tally.lost, exhausted);
        LOG.info("retention sweep on {}: {}", node, report);
        return report;
    }

    /**
     * Disposes of the subject's items that are due now (after an erasure request), through the same claims, checks,
     * handlers, handler timeout and audit as {@link #sweep}; items claimed by a running sweeper are left to it. Returns
     * the outcome per item attempted.
     */
    public Map<ItemKey, DisposalRecord.Outcome> disposeDue(SubjectId subject) {
        Map<ItemKey, DisposalRecord.Outcome> out = new java.util.LinkedHashMap<>();
        for (RetainedItem item : store.items(subject)) {
            Instant readAt = clock.instant();
            Stopwatch leaseAge = new Stopwatch(clock);
            Optional<Claim> claim = store.claimItem(item.key(), readAt, node, lease);
            if (claim.isPresent()) {
                // the claim carries the item as stored when claimed; the holds are read by the batch
                Batch batch = new Batch(List.of(claim.get()), readAt, leaseAge, null, null, new Tally());
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
    private boolean workThrough(Batch batch) {
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
    private boolean leaseCovers(Stopwatch leaseAge) {
        return leaseAge.elapsed().plus(handlerTimeout).plus(lease.dividedBy(100)).compareTo(lease) <= 0;
    }

    /** Whether holds and items read at {@code readAt} are too old to judge the next item on. */
    private boolean stale(Instant readAt) {
        return holdRecheck.isZero() || Duration.between(readAt, clock.instant()).compareTo(holdRecheck) > 0;
    }

    private static Set<SubjectId> subjectsOf(List<Claim> claims, int from) {
        Set<SubjectId> out = new LinkedHashSet<>();
        for (int i = from; i < claims.size(); i++) {
            if (claims.get(i) != null) {
                out.add(claims.get(i).item().key().subject());
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

    /**
     * One claimed batch, worked through in claim order on a handler thread ({@link #run}) while the thread that
     * started it watches the handler calls ({@link #workThrough}). The batch's state is used by one thread at a time:
     * the handler thread while it runs; the watching thread once it has given up a call (the handler thread is then
     * inside that call, and leaves without touching anything when it returns), until it starts the batch again.
     */
    private final class Batch implements Runnable {
        private final List<Claim> claims; // null where given up at a renewal
        private final Stopwatch budget; // null: no budget (disposeDue)
        private final Duration maxDuration;
        private final Tally tally;
        /** The outcomes recorded, per item. */
        final Map<ItemKey, DisposalRecord.Outcome> recorded = new java.util.LinkedHashMap<>();
        private final List<Pending> pending = new ArrayList<>();
        private Stopwatch leaseAge;
        private Instant readAt;
        private Map<SubjectId, List<LegalHold>> holds;
        private boolean itemsFresh = true;
        private int next;
        private boolean stopped;
        /** What the call in progress records if it is given up, by failure. */
        private Function<String, Pending> ifGivenUp;

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

        Batch(List<Claim> claims, Instant readAt, Stopwatch leaseAge, Stopwatch budget, Duration maxDuration,
                Tally tally) {
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
                holds = store.holds(subjectsOf(claims, next));
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
                if (next > 0 && stale(readAt)) {
                    // slow handlers: record what is done, then read holds (and items) again for the rest
                    recordPending();
                    readAt = clock.instant();
                    holds = store.holds(subjectsOf(claims, next));
                    itemsFresh = false;
                }
                if (!leaseCovers(leaseAge)) {
                    // the lease may end while the handler runs: record what is done while its claims still hold,
                    // then renew the rest of the batch at once, giving up what another sweeper has taken over
                    recordPending();
                    leaseAge = new Stopwatch(clock);
                    renewRest();
                    if (!leaseCovers(leaseAge)) {
                        LOG.warn("retention sweep on {}: renewing the leases took so long that they no longer cover"
                                + " a handler call; stopping, the rest of the batch is given back", node);
                        stop();
                        return;
                    }
                    if (claims.get(next) == null) {
                        continue;
                    }
                }
                Claim claim = claims.get(next);
                RetainedItem item = itemsFresh ? claim.item() : store.item(claim.item().key()).orElse(claim.item());
                pending.add(attempt(claim, item, holds.getOrDefault(item.key().subject(), List.of()), this));
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
                Function<String, Pending> recordIfGivenUp) {
            Duration backoff = backoff(request.attempt());
            if (!running.add(request.item())) {
                LOG.warn("disposal handler for {} not called on attempt {}: a call given up after {} has not returned"
                        + " yet; retrying in {}", request.item().category(), request.attempt(), handlerTimeout, backoff);
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
                running.remove(request.item());
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
                late = System.nanoTime() - callStarted >= waitNanos;
            } finally {
                lock.unlock();
            }
            if (thrown instanceof Error error && !(thrown instanceof AssertionError)) {
                throw error; // the JVM is failing (or a test stands for it dying), not the disposal
            }
            if (late) {
                LOG.warn("disposal handler for {} returned after more than {} on attempt {}; counted as failed,"
                        + " retrying in {}", request.item().category(), handlerTimeout, request.attempt(), backoff);
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
            Pending p = ifGivenUp.apply(failure);
            Claim claim = p.attempt().claim();
            LOG.warn("disposal handler for {} given up on attempt {} ({}, timeout {}); interrupted, retrying in {}",
                    claim.item().key().category(), claim.attempt(), failure, handlerTimeout, backoff(claim.attempt()));
            pending.add(p);
            next++;
        }

        private void recordPending() {
            List<DisposalRecord.Outcome> outcomes = record(pending);
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
            List<Optional<Claim>> renewed = store.renewClaims(held, lease);
            if (renewed.size() != held.size()) {
                throw new StoreException("renewClaims", "the store answered " + renewed.size() + " renewals for "
                        + held.size());
            }
            int lost = 0;
            for (int n = 0; n < held.size(); n++) {
                claims.set(at.get(n), renewed.get(n).orElse(null));
                lost += renewed.get(n).isPresent() ? 0 : 1;
            }
            if (lost > 0) {
                tally.lost += lost;
                LOG.warn("retention sweep on {}: {} claims expired before their handlers were called and were taken"
                        + " over by another sweeper; given up", node, lost);
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
                store.releaseClaims(back);
                tally.claimed -= back.size();
            }
            next = claims.size();
            stopped = true;
        }
    }

    /**
     * Time passed since it was started, by the service's clock and by the JVM's monotonic clock, whichever says more:
     * a wall clock stepped back cannot stretch a lease or a budget, and a test clock moved forward runs them out as
     * a slow handler would.
     */
    private static final class Stopwatch {
        private final Clock clock;
        private final Instant startedAt;
        private final long startedNanos;

        Stopwatch(Clock clock) {
            this.clock = clock;
            this.startedAt = clock.instant();
            this.startedNanos = System.nanoTime();
        }

        Duration elapsed() {
            Duration byClock = Duration.between(startedAt, clock.instant());
            Duration byTicks = Duration.ofNanos(System.nanoTime() - startedNanos);
            return byClock.compareTo(byTicks) > 0 ? byClock : byTicks;
        }

        boolean reached(Duration limit) {
            return elapsed().compareTo(limit) >= 0;
        }
    }

    /** A sweep's counts so far. */
    private static final class Tally {
        int claimed, disposed, failed, held, notDue, noHandler, lost;

        void add(List<DisposalRecord.Outcome> outcomes) {
            for (DisposalRecord.Outcome outcome : outcomes) {
                if (outcome == null) {
                    lost++; // the lease ran out during the attempt and another sweeper took the item over
                    continue;
                }
                switch (outcome) {
                    case DISPOSED -> disposed++;
                    case FAILED -> failed++;
                    case SKIPPED_HELD -> held++;
                    case SKIPPED_NOT_DUE -> notDue++;
                    case NO_HANDLER -> noHandler++;
                }
            }
        }
    }

    /** An attempt whose handler has run (or was not called), waiting to be recorded. */
    private record Pending(RetentionStore.FinishedAttempt attempt, DisposalRecord.Outcome outcome) {
    }

    /**
     * Records attempts in one store call; returns their outcomes in order, null where the claim was lost to another
     * sweeper.
     */
    private List<DisposalRecord.Outcome> record(List<Pending> pending) {
        if (pending.isEmpty()) {
            return List.of();
        }
        List<RetentionStore.FinishedAttempt> attempts = new ArrayList<>(pending.size());
        for (Pending p : pending) {
            attempts.add(p.attempt());
        }
        List<Boolean> recorded = store.finishClaims(attempts);
        if (recorded.size() != pending.size()) {
            throw new StoreException("finishClaims", "the store answered " + recorded.size() + " finishes for "
                    + pending.size());
        }
        List<DisposalRecord.Outcome> out = new ArrayList<>(pending.size());
        for (int i = 0; i < pending.size(); i++) {
            if (recorded.get(i)) {
                out.add(pending.get(i).outcome());
            } else {
                LOG.warn("a disposal claim expired before it was recorded; another sweeper has taken the item over");
                out.add(null);
            }
        }
        return out;
    }

    /**
     * Judges one claimed item on {@code item} (as read at most {@code holdRecheck} ago) and the subject's
     * {@code holds}, and calls its handler through {@code batch} if it is due; returns the attempt to record.
     */
    private Pending attempt(Claim claim, RetainedItem item, List<LegalHold> holds, Batch batch) {
        // the ledger keeps microseconds: backoffs and cut-offs are computed from a truncated "now"
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        // 1. holds are checked again here, just before disposal, not only when planning
        RetentionVerdict v = engine.evaluate(item.facts(holds), now);
        Instant cutoff = item.dueAt().orElse(now);
        DisposalAction action = v.action().orElse(DisposalAction.DELETE);
        String ruleId = v.decidingRule().orElse("none");
        String key = referenceKey.itemReference(item.key()) + ":" + cutoff.toEpochMilli() + ":" + action;
        if (v.status() == RetentionVerdict.Status.HELD) {
            // holds are not in the due index: look again once a day, or when the hold is released
            return pending(claim, item.withRetry(item.attempts(), Optional.of(now.plus(Duration.ofDays(1)))),
                    DisposalRecord.Outcome.SKIPPED_HELD, cutoff, action, ruleId, key, Optional.empty());
        }
        if (v.status() != RetentionVerdict.Status.DUE) {
            return pending(claim, item.withDue(v.disposalAt()).withRetry(0, Optional.empty()),
                    DisposalRecord.Outcome.SKIPPED_NOT_DUE, cutoff, action, ruleId, key, Optional.empty());
        }
        DisposalHandler handler = handlers.get(item.key().category());
        if (handler == null) {
            return pending(claim, item.withRetry(claim.attempt(), Optional.of(now.plus(retryMax))),
                    DisposalRecord.Outcome.NO_HANDLER, cutoff, action, ruleId, key, Optional.empty());
        }
        DisposalRequest request = new DisposalRequest(item.key(), action, ruleId, cutoff, key, claim.attempt());
        RetainedItem retry = item.withRetry(claim.attempt(), Optional.of(now.plus(backoff(claim.attempt()))));
        Optional<String> failure = batch.call(handler, request, givenUp -> pending(claim, retry,
                DisposalRecord.Outcome.FAILED, cutoff, action, ruleId, key, Optional.of(givenUp)));
        if (failure.isPresent()) {
            return pending(claim, retry, DisposalRecord.Outcome.FAILED, cutoff, action, ruleId, key, failure);
        }
        return pending(claim, item.withState(RetainedItem.State.DISPOSED).withRetry(0, Optional.empty()),
                DisposalRecord.Outcome.DISPOSED, cutoff, action, ruleId, key, Optional.empty());
    }

    private Pending pending(Claim claim, RetainedItem updated, DisposalRecord.Outcome outcome, Instant cutoff,
            DisposalAction action, String ruleId, String key, Optional<String> failure) {
        ItemKey item = claim.item().key();
        Optional<RetentionRule> rule = engine.policy().retentionRules().stream().filter(r -> r.id().equals(ruleId))
                .findFirst();
        Optional<Anchor> anchor = rule.map(RetentionRule::anchor);
        DisposalRecord audit = new DisposalRecord(0, clock.instant().truncatedTo(ChronoUnit.MICROS),
                referenceKey.itemReference(item),
                item.category().value(), item.purposeKey(), ruleId, engine.policy().version(), anchor,
                anchor.map(a -> claim.item().anchors().get(a)), cutoff, action, outcome, claim.attempt(), key, node,
                failure);
        return new Pending(new RetentionStore.FinishedAttempt(claim, updated, audit), outcome);
    }

    private Duration backoff(int attempt) {
        long factor = 1L << Math.min(attempt - 1, 20);
        Duration d = retryBase.multipliedBy(factor);
        return d.compareTo(retryMax) > 0 ? retryMax : d;
    }

    /** Audit entries after {@code afterSequence}, in order. */
    public List<DisposalRecord> disposals(long afterSequence, int limit) {
        return store.disposals(afterSequence, limit);
    }

    /** Configures a {@link RetentionService}; validated in {@link #build()}. */
    public static final class Builder {
        private Policy policy;
        private RetentionStore store;
        private Clock clock = Clock.systemUTC();
        private final Map<CategoryId, DisposalHandler> handlers = new HashMap<>();
        private String node = "node-" + UUID.randomUUID().toString().substring(0, 8);
        private Duration lease = Duration.ofMinutes(5);
        private int batchSize = 100;
        private Duration retryBase = Duration.ofMinutes(1);
        private Duration retryMax = Duration.ofHours(6);
        private Duration holdRecheck = Duration.ofSeconds(1);
        private Duration handlerTimeout; // null: a fifth of the lease
        private ReferenceKey referenceKey;
        private final List<ReferenceKey> retiredKeys = new ArrayList<>();

        private Builder() {
        }

        /**
         * Required: the host's secret for the references that outlive an erasure (tombstones, the disposal audit's
         * item references and idempotency keys), HMAC-SHA256 under a key named {@code id} (1 to 32 characters of
         * {@code [A-Za-z0-9._-]}) with a secret of at least 16 bytes. Load it from your secret store, not from the
         * database the references are kept in. To rotate, make the new key current and pass the old one to
         * {@link #retiredReferenceKey}; see {@link ReferenceKey}.
         *
         * @throws InvalidValueException when the id or the secret breaks those rules
         */
        public Builder referenceKey(String id, byte[] secret) {
            this.referenceKey = ReferenceKey.of(id, secret);
            return this;
        }

        /**
         * A former {@link #referenceKey reference key}, kept only to recognise references made with it: tombstones
         * ({@link RetentionService#wasErased}) and audit entries ({@link RetentionService#refersTo}). Repeatable;
         * nothing new is made with it.
         *
         * @throws InvalidValueException when the id or the secret breaks the rules of {@link #referenceKey}
         */
        public Builder retiredReferenceKey(String id, byte[] secret) {
            retiredKeys.add(ReferenceKey.of(id, secret));
            return this;
        }

        public Builder policy(Policy policy) {
            this.policy = policy;
            return this;
        }

        /**
         * Required: where the service keeps its state, e.g. consent-jdbc's {@code JdbcStore}, or an
         * {@link dev.consent.store.InMemoryStore} for tests and single-node hosts.
         */
        public Builder store(RetentionStore store) {
            this.store = store;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** The host's disposal code for one category. */
        public Builder handler(String category, DisposalHandler handler) {
            handlers.put(CategoryId.of(category), Checks.required("handler", handler));
            return this;
        }

        /** This node's name in claims and the audit. Defaults to a random one. */
        public Builder node(String name) {
            this.node = name;
            return this;
        }

        /**
         * How long a claim is exclusive; a crashed sweeper's items are taken over after it. Default 5 min. Measured by
         * the store's clock (a database's own clock), never by a node's: see {@link RetentionStore#claimDue}. A sweeper
         * renews its claims before a handler call whenever less than {@link #handlerTimeout(Duration) handlerTimeout}
         * (plus a hundredth of the lease) is left of them.
         */
        public Builder lease(Duration lease) {
            this.lease = lease;
            return this;
        }

        public Builder batchSize(int items) {
            this.batchSize = items;
            return this;
        }

        /** Backoff after a failed disposal: base, doubling per attempt, capped at max. Default 1 min to 6 h. */
        public Builder retryBackoff(Duration base, Duration max) {
            this.retryBase = base;
            this.retryMax = max;
            return this;
        }

        /**
         * How old, at most, the holds and item state an item is judged on may be when its handler is called (by
         * this service's clock). The sweeper reads them once per claimed batch, and again for the rest of the batch
         * (recording the outcomes so far first) whenever this much time has passed since the last read. Default
         * 1 s; {@link Duration#ZERO} reads them before every item.
         */
        public Builder holdRecheck(Duration bound) {
            this.holdRecheck = bound;
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
         * <p>Handlers run on this service's own daemon threads ({@code consent-disposal-<node>-<n>}): a sweep works
         * each batch through on one of them while the thread that called {@link #sweep} watches the calls' time. State
         * bound to the calling thread (a transaction, a logging context) is not there. Default: a fifth of the {@link #lease(Duration) lease} (1 min with the default 5-min lease); at most
         * half the lease (checked by {@link #build()}), so that a lease always outlasts the call it covers.
         *
         * @throws InvalidValueException if {@code timeout} is null, zero or negative
         */
        public Builder handlerTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new InvalidValueException("handlerTimeout", timeout, "must be a positive duration");
            }
            this.handlerTimeout = timeout;
            return this;
        }

        public RetentionService build() {
            Checks.required("policy", policy);
            if (referenceKey == null) {
                throw new InvalidValueException("referenceKey", null, "is required: tombstones and the disposal "
                        + "audit name subjects and items only by an HMAC under the host's secret");
            }
            Set<String> keyIds = new java.util.HashSet<>();
            keyIds.add(referenceKey.id());
            for (ReferenceKey k : retiredKeys) {
                if (!keyIds.add(k.id())) {
                    throw new InvalidValueException("referenceKey.id", k.id(), "is used by two reference keys");
                }
            }
            if (store == null) {
                throw new InvalidValueException("store", null, "is required: give the builder a store, e.g. consent-jdbc's"
                        + " JdbcStore, or an InMemoryStore for tests and single-node hosts");
            }
            Checks.required("clock", clock);
            Checks.text("node", node, 100);
            if (lease == null || lease.isNegative() || lease.isZero()) {
                throw new InvalidValueException("lease", lease, "must be a positive duration");
            }
            if (batchSize < 1 || batchSize > 10_000) {
                throw new InvalidValueException("batchSize", batchSize, "must be between 1 and 10000");
            }
            if (retryBase == null || retryBase.isNegative() || retryMax == null || retryMax.compareTo(retryBase) < 0) {
                throw new InvalidValueException("retryBackoff", retryBase + ".." + retryMax,
                        "must be a non-negative base no larger than the maximum");
            }
            if (holdRecheck == null || holdRecheck.isNegative()) {
                throw new InvalidValueException("holdRecheck", holdRecheck, "must be zero or a positive duration");
            }
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
                if (policy.findCategory(c).isEmpty()) {
                    unknown.add(c);
                }
            }
            if (!unknown.isEmpty()) {
                throw new InvalidValueException("handler", unknown, "names categories the policy does not declare");
            }
            return new RetentionService(this, timeout);
        }
    }
}

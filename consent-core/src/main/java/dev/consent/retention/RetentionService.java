package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.store.InMemoryStore;
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
 *   <li>The outcomes of a batch (item states and audit entries) are recorded together after its handlers ran, in
 *       one atomic store call ({@link RetentionStore#finishClaims}), and sooner, before the next item, whenever the
 *       batch has run for longer than {@code holdRecheck}. A sweeper that dies, or whose store write fails, leaves
 *       the unrecorded items of its batch claimed until the lease ends; they are then handled again with the same
 *       idempotency key, so at most one batch is handled twice per crash.</li>
 *   <li>A failing handler is retried with exponential backoff while the sweep goes on with other items;
 *       every attempt is audited. A category without a handler is never disposed of (fail closed).</li>
 *   <li>The audit holds no personal data; erasure requests leave a tombstone.</li>
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

    private RetentionService(Builder b) {
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
            List<RetainedItem> page = store.allItems(after, 500);
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
            throw new ConflictException("holdId: \"" + holdId + "\" was already released at "
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

    // -------------------------------------------------------------------------------------------- erasure

    /**
     * The subject asks for erasure (GDPR Art. 17). Every item of the subject falls due at once unless a legal
     * minimum or a hold keeps it; the answer says, per item, which. Leaves a tombstone. When no active item of the
     * subject is known (its anchors were never recorded, or everything was disposed of), the answer says so
     * ({@link ErasureAnswer#nothingKnown()}) instead of reading as "nothing to erase": the shop's own tables may still
     * hold the data (Art. 17(1)).
     */
    public ErasureAnswer requestErasure(SubjectId subject) {
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        store.addTombstone(new Tombstone(ItemKey.subjectReference(subject), now));
        List<ErasureAnswer.Entry> entries = new ArrayList<>();
        for (RetainedItem item : store.items(subject)) {
            if (item.state() != RetainedItem.State.ACTIVE) {
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

    /** Whether an erasure request for this subject is on record (look up data restored from a backup). */
    public boolean wasErased(SubjectId subject) {
        return store.tombstone(ItemKey.subjectReference(subject)).isPresent();
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
            List<RetainedItem> page = store.dueItems(at, cursor, PLAN_PAGE);
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
            List<RetainedItem> page = store.undatedItems(after, PLAN_PAGE);
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
        List<RetainedItem> page = store.undatedItems(after, limit);
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
     */
    public SweepReport sweep(int maxItems, Duration maxDuration) {
        if (maxItems < 1) {
            throw new InvalidValueException("maxItems", maxItems, "must be 1 or more");
        }
        long deadline = System.nanoTime() + Checks.required("maxDuration", maxDuration).toNanos();
        Tally tally = new Tally();
        boolean exhausted = false;
        while (true) {
            if (tally.claimed >= maxItems || System.nanoTime() >= deadline) {
                exhausted = true;
                break;
            }
            Instant readAt = clock.instant();
            Instant now = readAt.truncatedTo(ChronoUnit.MICROS);
            List<Claim> claims = store.claimDue(now, Math.min(batchSize, maxItems - tally.claimed), node, lease);
            if (claims.isEmpty()) {
                break;
            }
            tally.claimed += claims.size();
            // each claim carries its item as stored when claimed: no need to read it again while that is fresh
            Map<SubjectId, List<LegalHold>> holds = store.holds(subjectsOf(claims, 0));
            boolean itemsFresh = true;
            List<Pending> pending = new ArrayList<>(claims.size());
            for (int i = 0; i < claims.size(); i++) {
                Claim claim = claims.get(i);
                if (i > 0 && stale(readAt)) {
                    // slow handlers: record what is done, then read holds (and items) again for the rest
                    tally.add(record(pending));
                    pending.clear();
                    readAt = clock.instant();
                    holds = store.holds(subjectsOf(claims, i));
                    itemsFresh = false;
                }
                RetainedItem item = itemsFresh ? claim.item()
                        : store.item(claim.item().key()).orElse(claim.item());
                pending.add(attempt(claim, item, holds.getOrDefault(item.key().subject(), List.of())));
            }
            tally.add(record(pending));
        }
        SweepReport report = new SweepReport(tally.claimed, tally.disposed, tally.failed, tally.held, tally.notDue,
                tally.noHandler, tally.lost, exhausted);
        LOG.info("retention sweep on {}: {}", node, report);
        return report;
    }

    /** Whether holds and items read at {@code readAt} are too old to judge the next item on. */
    private boolean stale(Instant readAt) {
        return holdRecheck.isZero() || Duration.between(readAt, clock.instant()).compareTo(holdRecheck) > 0;
    }

    private static Set<SubjectId> subjectsOf(List<Claim> claims, int from) {
        Set<SubjectId> out = new LinkedHashSet<>();
        for (int i = from; i < claims.size(); i++) {
            out.add(claims.get(i).item().key().subject());
        }
        return out;
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

    /**
     * Disposes of the subject's items that are due now (after an erasure request), through the same claims, checks,
     * handlers and audit as {@link #sweep}; items claimed by a running sweeper are left to it. Returns the outcome
     * per item attempted.
     */
    public Map<ItemKey, DisposalRecord.Outcome> disposeDue(SubjectId subject) {
        Map<ItemKey, DisposalRecord.Outcome> out = new java.util.LinkedHashMap<>();
        for (RetainedItem item : store.items(subject)) {
            Optional<Claim> claim = store.claimItem(item.key(), clock.instant(), node, lease);
            claim.ifPresent(c -> {
                // the claim carries the item as stored when claimed; the holds are read now
                Pending p = attempt(c, c.item(), store.holds(subject));
                DisposalRecord.Outcome outcome = record(List.of(p)).get(0);
                if (outcome != null) {
                    out.put(item.key(), outcome);
                }
            });
        }
        return out;
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
     * {@code holds}, and calls its handler if it is due; returns the attempt to record.
     */
    private Pending attempt(Claim claim, RetainedItem item, List<LegalHold> holds) {
        // the ledger keeps microseconds: backoffs and cut-offs are computed from a truncated "now"
        Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
        // 1. holds are checked again here, just before disposal, not only when planning
        RetentionVerdict v = engine.evaluate(item.facts(holds), now);
        Instant cutoff = item.dueAt().orElse(now);
        DisposalAction action = v.action().orElse(DisposalAction.DELETE);
        String ruleId = v.decidingRule().orElse("none");
        String key = item.key().reference() + ":" + cutoff.toEpochMilli() + ":" + action;
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
        try {
            handler.dispose(new DisposalRequest(item.key(), action, ruleId, cutoff, key, claim.attempt()));
        } catch (Exception | AssertionError e) {
            Duration backoff = backoff(claim.attempt());
            LOG.warn("disposal handler for {} failed on attempt {} ({}); retrying in {}", item.key().category(),
                    claim.attempt(), e.getClass().getName(), backoff);
            return pending(claim, item.withRetry(claim.attempt(), Optional.of(now.plus(backoff))),
                    DisposalRecord.Outcome.FAILED, cutoff, action, ruleId, key, Optional.of(e.getClass().getName()));
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
        DisposalRecord audit = new DisposalRecord(0, clock.instant().truncatedTo(ChronoUnit.MICROS), item.reference(),
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

        private Builder() {
        }

        public Builder policy(Policy policy) {
            this.policy = policy;
            return this;
        }

        /** Defaults to a new {@link InMemoryStore}. */
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

        /** How long a claim is exclusive; a crashed sweeper's items are taken over after it. Default 5 min. */
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

        public RetentionService build() {
            Checks.required("policy", policy);
            if (store == null) {
                store = new InMemoryStore();
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
            Set<CategoryId> unknown = new LinkedHashSet<>();
            for (CategoryId c : handlers.keySet()) {
                if (policy.findCategory(c).isEmpty()) {
                    unknown.add(c);
                }
            }
            if (!unknown.isEmpty()) {
                throw new InvalidValueException("handler", unknown, "names categories the policy does not declare");
            }
            return new RetentionService(this);
        }
    }
}

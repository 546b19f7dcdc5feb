package dev.consent.retention;

import dev.consent.internal.Checks;
import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.MessageValues;
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
 *   <li>The audit holds no personal data, and erasure requests leave a tombstone: both name subjects and items only
 *       by an HMAC under the host's {@link Builder#referenceKey reference key}. An erased subject's item rows are
 *       deleted once disposed of; docs/erasure.md lists what an erasure leaves in the store.</li>
 * </ul>
 * Thread-safe.
 */
public final class RetentionService {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionService.class);
    private static final int MAX_SAVE_ATTEMPTS = 20;

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
    private final ReferenceKey referenceKey;
    /** The current key and the retired ones, by id: references are matched under the key they name. */
    private final Map<String, ReferenceKey> referenceKeys;

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
     * released hold needs no re-index. Items that no rule will ever make due are not indexed.
     */
    private Optional<Instant> dueIndexOf(RetainedItem item, List<LegalHold> holds) {
        RetentionVerdict ignoringHolds = engine.evaluate(item.facts(List.of()), clock.instant());
        return ignoringHolds.disposalAt();
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
                if (!v.disposalAt().equals(before)) {
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

    // -------------------------------------------------------------------------------------------- erasure

    /**
     * The subject asks for erasure (GDPR Art. 17). Every item of the subject falls due at once unless a legal
     * minimum or a hold keeps it; the answer says, per item, which. Leaves a tombstone under the current
     * {@link Builder#referenceKey reference key}. Items already disposed of are removed (their rows held nothing
     * but the subject's id and past instants); the others are removed once they are disposed of.
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
     * {@link #sweep}, disposing of nothing.
     */
    public DisposalPlan plan(Instant at) {
        List<RetentionVerdict> verdicts = new ArrayList<>();
        Map<String, Long> byCategory = new TreeMap<>();
        Map<String, Long> byRule = new TreeMap<>();
        long held = 0;
        long withoutHandler = 0;
        Optional<RetentionStore.DueCursor> cursor = Optional.empty();
        Map<SubjectId, List<LegalHold>> holdCache = new HashMap<>();
        while (true) {
            List<RetainedItem> page = store.dueItems(at, cursor, 500);
            Set<SubjectId> unread = new LinkedHashSet<>();
            for (RetainedItem item : page) {
                if (!holdCache.containsKey(item.key().subject())) {
                    unread.add(item.key().subject());
                }
            }
            if (!unread.isEmpty()) {
                holdCache.putAll(store.holds(unread));
            }
            for (RetainedItem item : page) {
                List<LegalHold> holds = holdCache.getOrDefault(item.key().subject(), List.of());
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
                }
            }
            if (page.size() < 500) {
                break;
            }
            RetainedItem last = page.get(page.size() - 1);
            cursor = Optional.of(new RetentionStore.DueCursor(last.dueAt().orElseThrow(), last.key()));
            if (holdCache.size() > 10_000) {
                holdCache.clear();
            }
        }
        return new DisposalPlan(at, verdicts, byCategory, byRule, held, withoutHandler);
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

package dev.consent.retention;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.internal.MessageValues;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.store.RetentionStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.UnaryOperator;

/**
 * Retention, kept: records the anchor events of each subject's data, keeps every item's due instant indexed,
 * places and releases legal holds, answers erasure requests, leaves tombstones and plans disposals (a dry run). The
 * disposals themselves are the {@link Sweeper}'s, built over this service with {@link Sweeper#builder}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Every item's due instant ({@link RetainedItem#dueAt()}) is recomputed, under this service's policy, whenever
 *       its anchors or its erasure request change; {@link #reindexAll()} recomputes them all after a policy change.</li>
 *   <li><b>One view of the policy versions.</b> The service knows every version that has been in force
 *       ({@link PolicyVersions}: give it the consent service's, {@link Builder#policyVersions}), and judges an item
 *       under the version in force at the instant judged: a {@link #verdict(ItemKey, Instant) verdict} at its instant,
 *       a {@link #plan plan} at its instant, the sweeper when it is about to dispose (its audit entry names that
 *       version). The due index looks ahead across the versions already known: an item falls due at the first instant
 *       at which the version then in force makes it due.</li>
 *   <li>Nothing is skipped silently: {@link #plan} counts every active item the due index has due, and every item no
 *       rule has due; {@link #unscheduled} lists the latter.</li>
 *   <li>Erasure requests leave a tombstone naming the subject only by an HMAC under the host's
 *       {@link Builder#referenceKey reference key}; the disposal audit names items the same way. An erased subject's
 *       item rows are deleted once disposed of; docs/erasure.md lists what an erasure leaves in the store.</li>
 * </ul>
 * Why the version in force at the instant judged, not the one in force when the item's anchor happened: storage
 * limitation is a continuing duty, data is kept "for no longer than is necessary" (GDPR Art. 5(1)(e)) at every instant
 * it is still held, so a period the shop shortens applies to the data it already holds; and a minimum set by law
 * (Art. 17(3)(b), Art. 6(1)(c)) keeps what the law in force requires, including what was collected before the law
 * changed. The same holds for a lengthened period: a shop that told subjects the shorter one when it collected their
 * data (Art. 13(2)(a)) must tell them of the change before it takes effect. Thread-safe.
 */
public final class RetentionService {
    private static final Logger LOG = LoggerFactory.getLogger(RetentionService.class);

    private final PolicyVersions versions;
    /** One engine per version, by identity. */
    private final Map<Policy, RetentionEngine> engines;
    private final RetentionStore store;
    private final Clock clock;
    private final DisposalPlanner planner;
    private final DueIndex dueIndex;
    private final ReferenceKey referenceKey;
    /** The current key and the retired ones, by id: references are matched under the key they name. */
    private final Map<String, ReferenceKey> referenceKeys;

    private RetentionService(Builder b) {
        this.versions = b.versions;
        Map<Policy, RetentionEngine> byVersion = new IdentityHashMap<>();
        versions.all().forEach(p -> byVersion.put(p, new RetentionEngine(p)));
        this.engines = Collections.unmodifiableMap(byVersion);
        this.store = b.store;
        this.clock = b.clock;
        this.planner = new DisposalPlanner(this::engineAt, store);
        this.dueIndex = new DueIndex(versions, engines, store, clock);
        this.referenceKey = b.referenceKey;
        Map<String, ReferenceKey> keys = new LinkedHashMap<>();
        keys.put(b.referenceKey.id(), b.referenceKey);
        b.retiredKeys.forEach(k -> keys.put(k.id(), k));
        this.referenceKeys = Collections.unmodifiableMap(keys);
    }

    /**
     * A builder with the system UTC clock and nothing else set; {@link Builder#build()} says what is required.
     *
     * @return a new, empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The policy version in force now.
     *
     * @return the version {@link PolicyVersions#at} answers for this service's clock now
     */
    public Policy policy() {
        return versions.at(clock.instant());
    }

    /**
     * The policy version in force at {@code at}, under which items are judged at that instant.
     *
     * @param at the instant judged
     * @return the version in force at {@code at}, never null
     */
    public Policy policyAt(Instant at) {
        return versions.at(at);
    }

    /**
     * Every policy version this service knows, and which is in force when.
     *
     * @return the versions given to the builder, the same instance the consent service uses when built over it
     */
    public PolicyVersions policyVersions() {
        return versions;
    }

    /** The engine of the version in force at {@code at}. */
    RetentionEngine engineAt(Instant at) {
        return engines.get(versions.at(at));
    }

    RetentionStore store() {
        return store;
    }

    Clock clock() {
        return clock;
    }

    ReferenceKey referenceKey() {
        return referenceKey;
    }

    /**
     * The stateless verdict for facts the host keeps itself, under the policy version in force at {@code at}.
     *
     * @param facts the item's anchors, erasure request and holds, as the host keeps them; nothing is read from the
     *     store
     *
     * @param at the instant judged
     * @return the verdict at {@code at}; nothing is stored
     */
    public RetentionVerdict evaluate(ItemFacts facts, Instant at) {
        return engineAt(Checks.required("at", at)).evaluate(facts, at);
    }

    // ------------------------------------------------------------------------------------------ anchors

    /**
     * Records that {@code anchor} happened for {@code item} at {@code at} (a purchase: {@code last_transaction}).
     * Anchors only move forward: an older instant than the one stored (a late, out-of-order delivery) is kept
     * out. Recomputes the item's due instant and returns its verdict now.
     *
     * @param item the subject's item in one category; created when not yet stored
     * @param anchor the event that happened
     * @param at when it happened, truncated to microseconds as every store keeps it
     * @return the item's verdict now, after its due instant was recomputed
     * @throws InvalidValueException when {@code anchor} or {@code at} is null, or the policy in force does not declare
     *     the item's category
     */
    public RetentionVerdict recordAnchor(ItemKey item, Anchor anchor, Instant at) {
        Checks.required("anchor", anchor);
        Instant when = Checks.required("at", at).truncatedTo(ChronoUnit.MICROS);
        return dueIndex.update(item, i -> {
            Map<Anchor, Instant> anchors = new TreeMap<>(i.anchors());
            anchors.merge(anchor, when, (a, b) -> a.isAfter(b) ? a : b);
            RetainedItem next = i.withAnchors(anchors);
            // new data after a disposal makes the item active again
            return i.state() == RetainedItem.State.DISPOSED && !when.isBefore(i.dueAt().orElse(Instant.MIN))
                    ? next.withState(RetainedItem.State.ACTIVE) : next;
        });
    }

    /**
     * {@link #recordAnchor(ItemKey, Anchor, Instant)} for the subject's item of the category named {@code category}.
     *
     * @param subject whose data it is
     * @param category a category id of the policy, e.g. {@code invoices}
     * @param anchor the event that happened
     * @param at when it happened
     * @return the item's verdict now
     * @throws InvalidValueException when {@code category} is not a valid category id, or as the other overload
     */
    public RetentionVerdict recordAnchor(SubjectId subject, String category, Anchor anchor, Instant at) {
        return recordAnchor(ItemKey.of(subject, CategoryId.of(category)), anchor, at);
    }

    /**
     * Removes an anchor (an account that was closed is reopened).
     *
     * @param item the item whose anchor is removed
     * @param anchor the anchor removed; removing one that is not recorded changes nothing
     * @return the item's verdict now, after its due instant was recomputed without the anchor
     */
    public RetentionVerdict clearAnchor(ItemKey item, Anchor anchor) {
        return dueIndex.update(item, i -> {
            Map<Anchor, Instant> anchors = new TreeMap<>(i.anchors());
            anchors.remove(anchor);
            return i.withAnchors(anchors);
        });
    }

    /**
     * The subject was found below the policy's service-wide minimum age at {@code foundAt}: records the
     * {@link Anchor#MINOR_FOUND} anchor on each of the subject's active items (the earliest finding is kept), which
     * under a policy with a minimum age makes each item due at once, unless a legal minimum (invoices: GDPR
     * Art. 17(3)(b)) or a hold keeps it; every item's due instant is saved in the store's due index, so that every
     * sweeper on every node disposes of it. Items first recorded for the subject afterwards carry the anchor from the
     * start. Seed 004 (HappySell), section 8: "If you are a minor (under the age of 18), this platform refuses to
     * provide you with services" and "If we discover that we have collected personal information about minors ...
     * we will try to delete the data as soon as possible": data held of a child the service refuses is held
     * unlawfully (GDPR Art. 8, Art. 6(1)) and is to be erased without undue delay (Art. 17(1)(d)).
     *
     * <p>Built over a consent service ({@link Builder#consents}) this service is told of every minor the consent
     * service finds when an age is declared; call it directly for a minor found otherwise. Idempotent. A later
     * declaration of an adult age does not undo it: the finding stands once made (fail closed).
     *
     * @param subject the subject found below the minimum age
     * @param foundAt when it was found
     * @return the verdicts of the subject's active items now, in the store's order
     * @throws InvalidValueException when an argument is null
     */
    public List<RetentionVerdict> minorFound(SubjectId subject, Instant foundAt) {
        Checks.required("subject", subject);
        Instant when = Checks.required("foundAt", foundAt).truncatedTo(ChronoUnit.MICROS);
        List<RetentionVerdict> verdicts = new ArrayList<>();
        for (RetainedItem item : store.items(subject)) {
            if (item.state() != RetainedItem.State.ACTIVE) {
                continue;
            }
            if (policy().findCategory(item.key().category()).isEmpty()) {
                LOG.warn("retained items of category {} are not governed by the policy in force; a minor's item of"
                        + " it is left to reindexAll", item.key().category());
                continue;
            }
            verdicts.add(dueIndex.update(item.key(), i -> DueIndex.withMinorFound(i, when)));
        }
        LOG.info("a subject was found below the service's minimum age: {} items made due", verdicts.size());
        return verdicts;
    }

    /**
     * Recomputes the due instant of every stored item under this service's policy versions: run it once after
     * deploying a policy version whose retention rules changed, so that a shortened period takes effect for data
     * already held. (Versions known when an item's due instant is computed need no re-index when they take effect.)
     * Returns how many items' due instants changed.
     *
     * @return the number of items whose due instant changed
     */
    public long reindexAll() {
        return dueIndex.reindexAll();
    }

    // ----------------------------------------------------------------------------------------- verdicts

    /**
     * The item's verdict now: {@link #verdict(ItemKey, Instant)} at this service's clock.
     *
     * @param item the item judged; an item never recorded is judged with no anchors
     * @return its verdict now
     * @throws InvalidValueException when the policy in force does not declare the item's category
     */
    public RetentionVerdict verdict(ItemKey item) {
        return verdict(item, clock.instant());
    }

    /**
     * The item's verdict at {@code at}, under the policy version in force then.
     *
     * @param item the item judged; an item never recorded is judged with no anchors
     * @param at the instant judged
     * @return its verdict at {@code at}, with the holds stored for its subject; nothing is stored
     * @throws InvalidValueException when {@code at} is null, or that version does not declare the item's category
     */
    public RetentionVerdict verdict(ItemKey item, Instant at) {
        RetentionEngine engine = engineAt(Checks.required("at", at));
        DueIndex.checkCategory(item.category(), engine.policy());
        RetainedItem stored = store.item(item).orElseGet(() -> RetainedItem.create(item));
        return engine.evaluate(stored.facts(store.holds(item.subject())), at);
    }

    /**
     * The verdict of every item of a subject now: its retention schedule (GDPR Art. 15(1)(d)).
     *
     * @param subject whose schedule it is
     * @return the verdicts of the subject's active items, in the store's order; empty when none is recorded
     */
    public List<RetentionVerdict> schedule(SubjectId subject) {
        Instant now = clock.instant();
        RetentionEngine engine = engineAt(now);
        List<LegalHold> holds = store.holds(subject);
        return store.items(subject).stream().filter(i -> i.state() == RetainedItem.State.ACTIVE)
                .map(i -> engine.evaluate(i.facts(holds), now)).toList();
    }

    // ---------------------------------------------------------------------------------------------- holds

    /**
     * Places a legal hold on a subject's data in some categories (all when none are given).
     *
     * @param subject whose data is held
     * @param categories the categories held; empty holds every category of the subject
     * @param reason why, e.g. the case or the authority's request; kept in the hold
     * @param placedBy who placed it, kept for the audit
     * @return the stored hold, with a new id
     * @throws InvalidValueException when a category is not declared by the policy in force, or an argument breaks a
     *     rule of {@link LegalHold}
     */
    public LegalHold placeHold(SubjectId subject, Set<CategoryId> categories, String reason, String placedBy) {
        Policy now = policy();
        categories.forEach(c -> DueIndex.checkCategory(c, now));
        LegalHold hold = new LegalHold("hold-" + UUID.randomUUID(), subject, categories, reason, placedBy,
                clock.instant().truncatedTo(ChronoUnit.MICROS), Optional.empty());
        store.saveHold(hold);
        LOG.info("legal hold {} placed on {} categories", hold.id(), categories.isEmpty() ? "all" : categories.size());
        return hold;
    }

    /**
     * Releases a hold; the sweeper may then dispose of what it kept.
     *
     * @param holdId the id {@link #placeHold} returned
     * @param releasedBy who released it, kept for the audit
     * @param reason why
     * @return the stored hold with its release
     * @throws InvalidValueException when no hold has that id
     * @throws ConflictException when the hold was already released
     */
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
                dueIndex.update(item.key(), UnaryOperator.identity());
            }
        }
        LOG.info("legal hold {} released", holdId);
        return released;
    }

    /**
     * The holds of one subject.
     *
     * @param subject whose holds are read
     * @return its holds, released ones included, in placement order; empty when none was placed
     */
    public List<LegalHold> holds(SubjectId subject) {
        return store.holds(subject);
    }

    /**
     * The holds of several subjects, read together (one store call): every subject asked about has an entry, with its
     * holds, released ones included, in placement order.
     *
     * @param subjects the subjects asked about
     * @return an entry per subject, with an empty list for a subject without holds
     * @throws InvalidValueException when {@code subjects} is null
     */
    public Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        return store.holds(Checks.required("subjects", subjects));
    }

    // -------------------------------------------------------------------------------------------- erasure

    /**
     * The subject asks for erasure (GDPR Art. 17). Every item of the subject falls due at once unless a legal
     * minimum or a hold keeps it; the answer says, per item, which. Nothing is disposed of here: the items due are
     * answered {@link ErasureAnswer.Outcome#DUE_NOW}, left to the next sweep (or to {@link Sweeper#disposeDue}). Leaves a tombstone under the current
     * {@link Builder#referenceKey reference key}. Items already disposed of are removed (their rows held nothing
     * but the subject's id and past instants); the others are removed once they are disposed of. When no active item
     * of the subject is known (its anchors were never recorded, or everything was disposed of), the answer says so
     * ({@link ErasureAnswer#nothingKnown()}) instead of reading as "nothing to erase": the shop's own tables may still
     * hold the data (Art. 17(1)).
     *
     * @param subject who asks
     * @return per active item, whether it is due now, kept until a date by a legal minimum, or held
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
            RetentionVerdict v = dueIndex.update(item.key(), i -> i.erasureRequestedAt().isPresent() ? i
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
            Optional<String> reference = v.decidingRule().flatMap(id -> policyAt(v.at()).retentionRules().stream()
                    .filter(r -> r.id().equals(id)).findFirst()).map(RetentionRule::legalReference);
            return new ErasureAnswer.Entry(v.item(), ErasureAnswer.Outcome.KEPT_UNTIL, v.dueAt(), v.decidingRule(),
                    reference, List.of());
        }
        return new ErasureAnswer.Entry(v.item(), ErasureAnswer.Outcome.DUE_NOW, v.dueAt(), v.decidingRule(),
                Optional.empty(), List.of());
    }

    /**
     * Whether an erasure request for this subject is on record (look up data restored from a backup): a tombstone
     * made under the current reference key or any retired one.
     *
     * @param subject the subject looked up
     * @return true when a tombstone names it under any key this service holds
     * @throws InvalidValueException when {@code subject} is null
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
     *
     * @param item the item named
     * @return its HMAC reference under the current key, prefixed with that key's id
     */
    public String itemReference(ItemKey item) {
        return referenceKey.itemReference(item);
    }

    /**
     * Whether an audit entry is about {@code item}: its reference is recomputed under the key the entry names
     * (current or retired). False for an entry made under a key this service does not hold.
     *
     * @param record an audit entry
     * @param item the item it may name
     * @return true when the entry's reference is the item's under the key the entry names
     * @throws InvalidValueException when an argument is null
     */
    public boolean refersTo(DisposalRecord record, ItemKey item) {
        Checks.required("record", record);
        Checks.required("item", item);
        return ReferenceKey.keyIdOf(record.itemReference()).map(referenceKeys::get)
                .map(k -> k.itemReference(item).equals(record.itemReference())).orElse(false);
    }

    /**
     * Of the given subjects (found in restored data), those with an erasure on record.
     *
     * @param subjects subjects found in restored data
     * @return those {@link #wasErased} answers true for, in the given order
     */
    public List<SubjectId> erasedAmong(Collection<SubjectId> subjects) {
        return subjects.stream().filter(this::wasErased).toList();
    }
    // ------------------------------------------------------------------------------------------ planning

    /**
     * The dry run: every item due at {@code at}, through the same selection and the same checks as
     * {@link Sweeper#sweep}, disposing of nothing; and, so that nothing is skipped silently, every item no rule has due:
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
     *
     * @param at the instant planned for
     * @return the due, held and unscheduled items at {@code at}, with their counts
     */
    public DisposalPlan plan(Instant at) {
        return planner.plan(at);
    }

    /**
     * The items no rule has due, listed on their own: up to {@code limit} verdicts at {@code at} of active items
     * without a due instant, in key order from the first; {@link #unscheduled(Instant, ItemKey, int)} reads on. These are the NOT_STARTED items (the anchor their maximum rules count from never happened: an account
     * never closed, a ticket never resolved) and the NO_RULE items (no maximum rule covers their category), each with
     * its {@link RetentionVerdict#reason() reason}: no sweep will reach them until an anchor is recorded or the
     * policy gains a rule, so the shop must see them (GDPR Art. 5(1)(e), Art. 5(2), Art. 30(1)(f)).
     *
     * @param at the instant judged
     * @param limit the page size
     * @return at most {@code limit} verdicts, in key order
     * @throws InvalidValueException if {@code limit} is not between 1 and 10,000
     */
    public List<RetentionVerdict> unscheduled(Instant at, int limit) {
        return planner.unscheduled(at, null, limit);
    }

    /**
     * The next page of {@link #unscheduled(Instant, int)}: up to {@code limit} verdicts of the items no rule has due
     * whose keys come after {@code after} (exclusive: pass the last item's key of the page before).
     *
     * @param at the instant judged
     * @param after the last key of the page before
     * @param limit the page size
     * @return at most {@code limit} verdicts, in key order
     * @throws InvalidValueException if {@code after} is null, or {@code limit} is not between 1 and 10,000
     */
    public List<RetentionVerdict> unscheduled(Instant at, ItemKey after, int limit) {
        return planner.unscheduled(at, Checks.required("after", after), limit);
    }

    /**
     * Audit entries after {@code afterSequence}, in order.
     *
     * @param afterSequence the last sequence read; 0 from the start
     * @param limit how many entries at most
     * @return the entries in sequence order; empty when none is newer
     */
    public List<DisposalRecord> disposals(long afterSequence, int limit) {
        return store.disposals(afterSequence, limit);
    }

    /**
     * Configures a {@link RetentionService}; every setter checks its argument, {@link #build()} checks that the
     * required ones were given. The disposal options (handlers, lease, batch size, timeouts) are the
     * {@link Sweeper.Builder}'s.
     */
    public static final class Builder {
        private final List<Policy> policies = new ArrayList<>();
        private PolicyVersions versions;
        private RetentionStore store;
        private Clock clock = Clock.systemUTC();
        private ReferenceKey referenceKey;
        private final List<ReferenceKey> retiredKeys = new ArrayList<>();
        private dev.consent.ConsentService consents;

        private Builder() {
        }

        /**
         * The consent service this one works beside: its policy versions (as {@link #policyVersions}), and its
         * {@link dev.consent.ConsentService#onMinorFound minor-found} events, which {@link #build()} subscribes
         * {@link RetentionService#minorFound} to, so that a minor found when an age is declared has its data made due
         * at once (seed 004, section 8). Instead of {@link #policy} and {@link #policyVersions}.
         *
         * @param consents the consent service
         * @return this builder
         * @throws InvalidValueException when {@code consents} is null
         */
        public Builder consents(dev.consent.ConsentService consents) {
            this.consents = Checks.required("consents", consents);
            return this;
        }

        /**
         * Required: the host's secret for the references that outlive an erasure (tombstones, the disposal audit's
         * item references and idempotency keys), HMAC-SHA256 under a key named {@code id} (1 to 32 characters of
         * {@code [A-Za-z0-9._-]}) with a secret of at least 16 bytes. Load it from your secret store, not from the
         * database the references are kept in. To rotate, make the new key current and pass the old one to
         * {@link #retiredReferenceKey}; see {@link ReferenceKey}.
         *
         * @param id the key's name, stored in every reference made with it
         * @param secret the HMAC secret; copied
         * @return this builder
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
         * @param id the retired key's name
         * @param secret its secret; copied
         * @return this builder
         * @throws InvalidValueException when the id or the secret breaks the rules of {@link #referenceKey}
         */
        public Builder retiredReferenceKey(String id, byte[] secret) {
            retiredKeys.add(ReferenceKey.of(id, secret));
            return this;
        }

        /**
         * A policy version. Give every version that has been in force, or rather the consent service's view of them
         * ({@link #policyVersions}); each item is judged under the version in force at the instant judged.
         *
         * @param policy a version, with its effective date
         * @return this builder
         * @throws InvalidValueException when {@code policy} is null
         */
        public Builder policy(Policy policy) {
            policies.add(Checks.required("policy", policy));
            return this;
        }

        /**
         * Every policy version, as the other services see them: pass {@link dev.consent.ConsentService#policyVersions()}
         * so that consent, retention and rights are judged by one policy. Instead of {@link #policy(Policy)}.
         *
         * @param versions the versions
         * @return this builder
         * @throws InvalidValueException when {@code versions} is null
         */
        public Builder policyVersions(PolicyVersions versions) {
            this.versions = Checks.required("policyVersions", versions);
            return this;
        }

        /**
         * Required: where the service keeps its state, e.g. consent-jdbc's {@code JdbcStore}, or an
         * {@link dev.consent.store.InMemoryStore} for tests and single-node hosts.
         *
         * @param store the store; checked by {@link #build()}
         * @return this builder
         */
        public Builder store(RetentionStore store) {
            this.store = store;
            return this;
        }

        /**
         * The clock of anchors, verdicts, holds and tombstones, and of the sweepers built over this service. Defaults
         * to the system's UTC clock.
         *
         * @param clock the clock
         * @return this builder
         * @throws InvalidValueException if {@code clock} is null
         */
        public Builder clock(Clock clock) {
            this.clock = Checks.required("clock", clock);
            return this;
        }

        /**
         * The service.
         *
         * @return a thread-safe service over the given store
         * @throws InvalidValueException if the policy, the reference key or the store is missing, the versions break
         *     a rule of {@link PolicyVersions#of}, both {@code policy} and {@code policyVersions} were given, or two
         *     reference keys share an id
         */
        public RetentionService build() {
            if (consents != null) {
                if (versions != null || !policies.isEmpty()) {
                    throw new InvalidValueException("consents", consents, "was given as well as policy(...) or"
                            + " policyVersions(...): the consent service's versions are used");
                }
                versions = consents.policyVersions();
            }
            if (versions != null && !policies.isEmpty()) {
                throw new InvalidValueException("policyVersions", versions, "was given as well as policy(...): give"
                        + " the versions one way");
            }
            if (versions == null) {
                versions = PolicyVersions.of(policies);
            }
            if (referenceKey == null) {
                throw new InvalidValueException("referenceKey", null, "is required: tombstones and the disposal "
                        + "audit name subjects and items only by an HMAC under the host's secret");
            }
            Set<String> keyIds = new HashSet<>();
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
            RetentionService service = new RetentionService(this);
            if (consents != null) {
                consents.onMinorFound(found -> service.minorFound(found.subject(), found.foundAt()));
            }
            return service;
        }
    }
}

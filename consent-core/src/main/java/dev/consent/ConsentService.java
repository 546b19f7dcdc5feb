package dev.consent;

import dev.consent.internal.Checks;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.internal.MessageValues;
import dev.consent.ledger.Actor;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.LedgerInstants;
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyLimits;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;
import dev.consent.store.OutboxStore;
import dev.consent.recipients.RecipientNotice;
import dev.consent.internal.RecipientSelection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The consent ledger and consent checks: records choices as hash-chained events and answers "may we
 * process this subject's data for this purpose?" with a {@link Decision}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Fail closed.</b> An unknown purpose throws {@link UnknownPurposeException}; a store that cannot
 *       be read, or that returns what the ledger cannot hold, throws {@link StoreException}. Neither is ever answered
 *       "allowed". A check throws nothing else but {@link InvalidValueException} for a missing argument or an
 *       instant outside {@link LedgerInstants} (the instant asked about, or the clock's), and
 *       {@link EvidencePrunedException} for a point-in-time check before a pruning horizon; whatever the store
 *       holds, no other exception escapes a check.</li>
 *   <li><b>Refusals win when in doubt.</b> A refusal made at the same instant as a grant beats it, and a refusal
 *       recorded after a grant beats it whatever occurred-at the grant claims (see {@code ConsentFold}). A choice
 *       cannot be recorded as made later than {@link Builder#futureTolerance(Duration)} after the time of recording,
 *       nor under a consent version its purpose does not have.</li>
 *   <li><b>Nothing half-written.</b> A batch of choices is appended atomically or not at all. Recording an
 *       event id that is already stored returns the stored event (duplicate deliveries are harmless).</li>
 *   <li><b>One chain per subject.</b> Concurrent writers on any number of nodes never fork a chain: the
 *       store refuses an append whose head moved, and the service re-reads and retries.</li>
 *   <li><b>Bounded staleness.</b> Cached answers reflect this node's writes at once and other nodes' writes
 *       within {@link Builder#maxStaleness(Duration)}, counted from when the last successful read of the change
 *       feed <em>started</em>: when the feed has not been read for that long (the store is unreachable, or a read
 *       is slow), checks bypass the cache. {@link #checkFresh} always reads the store.</li>
 *   <li><b>A feed that went back is noticed.</b> When the change feed no longer holds the entry this node read
 *       last (pruned past it, emptied by hand, restored from a backup, positions restarted), the whole cache is
 *       dropped instead of answering from it; see {@link ConsentStore#readChanges} for what is detected.</li>
 * </ul>
 * A withdrawal or restriction is written together with a notice to every recipient the policy names for it, in one
 * atomic append to the store's outbox (GDPR Art. 19; see {@link dev.consent.recipients.RecipientDispatcher}).
 * Thread-safe. Close it to stop the change-feed poller.
 */
public final class ConsentService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConsentService.class);
    /*
     * Each lost attempt means another writer committed to the same subject, so the bound only matters for a
     * subject many writers append to at once. On a database store a commit takes milliseconds (a WAL flush),
     * and 8 writers on one subject needed up to ~35 attempts in consent-jdbc's contract runs; 20 failed them.
     */
    private static final int MAX_APPEND_ATTEMPTS = 100;
    private static final int PAGE = 500;
    /** Change-feed entries read per round trip. */
    private static final int FEED_PAGE = 10_000;
    /** The default of {@link Builder#futureTolerance(Duration)}: 5 seconds. */
    public static final Duration DEFAULT_FUTURE_TOLERANCE = Duration.ofSeconds(5);
    /** The longest {@link Builder#futureTolerance(Duration)} allowed: one hour. */
    public static final Duration MAX_FUTURE_TOLERANCE = Duration.ofHours(1);

    private final List<Policy> policies;
    /** Every purpose id of every policy version, newest versions' instances first: what cached ledgers refer to. */
    private final Ledger.PurposeTable purposeTable;
    private final ConsentStore store;
    private final Clock clock;
    private final IpMinimizer ipMinimizer;
    private final Cache<SubjectId, Ledger> cache;
    private final int bulkChunkSize;
    private final byte[] checkpointKey;
    private final Duration futureTolerance;
    private final ScheduledExecutorService poller;
    private final AutoCloseable push;
    private final long maxStalenessNanos;
    /** Whether any policy version names a recipient to tell of withdrawals and restrictions. */
    private final boolean hasRecipients;
    /** Where staleness is measured from: {@link System#nanoTime()} unless a test injects another. */
    private final LongSupplier ticker;
    /** When the last successful read of the change feed started, by {@link #ticker}. */
    private volatile long lastPollNanos;
    /** The change-feed entry this node has read last. Written by the (synchronized) poll only. */
    private volatile ConsentStore.FeedCursor feedCursor;
    /**
     * How many times the whole cache was dropped. A load that was reading the store while the cache was dropped may
     * hold a ledger older than what the drop stood for, and the drop cannot evict it: a cache-wide invalidation skips
     * entries still being computed. Loads compare this counter before and after and evict what they put.
     */
    private final AtomicLong cacheDrops = new AtomicLong();

    private ConsentService(Builder b) {
        this.policies = b.policies.stream().sorted(Comparator.comparing(Policy::effectiveInstant)).toList();
        List<PurposeId> purposeIds = new ArrayList<>();
        for (int i = policies.size() - 1; i >= 0; i--) {
            policies.get(i).purposes().forEach(purpose -> purposeIds.add(purpose.id()));
        }
        this.purposeTable = Ledger.PurposeTable.of(purposeIds);
        this.hasRecipients = RecipientSelection.anyRecipients(policies);
        this.store = b.store;
        this.clock = b.clock;
        this.ipMinimizer = b.ipMinimizer;
        this.bulkChunkSize = b.bulkChunkSize;
        this.checkpointKey = b.checkpointKey;
        this.futureTolerance = b.futureTolerance;
        // Caffeine's maintenance stays on its default executor: run on the reading thread (executor(Runnable::run)) it
        // made a single-threaded cached read 2-6x slower (CheckBenchmark, caffeineSameThreadGetIfPresent).
        this.cache = Caffeine.newBuilder().maximumSize(b.cacheSize).build();
        this.ticker = b.ticker;
        this.lastPollNanos = ticker.getAsLong();
        if (b.pollInterval != null) {
            this.maxStalenessNanos = (b.maxStaleness != null ? b.maxStaleness : b.pollInterval.multipliedBy(3)).toNanos();
            this.feedCursor = store.changeCursor();
            this.poller = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "consent-change-feed");
                t.setDaemon(true);
                return t;
            });
            long every = b.pollInterval.toMillis();
            poller.scheduleWithFixedDelay(this::pollChanges, every, every, TimeUnit.MILLISECONDS);
            // where the store can push (LISTEN/NOTIFY), read the feed as soon as another node writes
            this.push = store.onChanges(() -> {
                if (!poller.isShutdown()) {
                    try {
                        poller.execute(this::pollChanges);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        // the service is closing
                    }
                }
            });
        } else {
            this.maxStalenessNanos = Long.MAX_VALUE;
            this.poller = null;
            this.push = null;
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    // ----------------------------------------------------------------------------------------- checks

    /**
     * May we process {@code subject}'s data for {@code purpose} now? Answered from the cache when it can
     * be; see the class guarantees for how fresh that is.
     *
     * @throws UnknownPurposeException when the policy in force does not declare {@code purpose}
     * @throws StoreException when the store cannot be read, or returns what the ledger cannot hold
     * @throws InvalidValueException when an argument is missing, or the clock reads outside {@link LedgerInstants}
     */
    public Decision check(SubjectId subject, PurposeId purpose) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Instant now = now();
        Policy policy = policyAt(now);
        policy.purpose(purpose); // unknown purposes throw before any store access
        return ConsentFold.decide(cachedLedger(subject), policy, purpose, now);
    }

    /**
     * As {@link #check(SubjectId, PurposeId)}, but read from the store, bypassing and refreshing the cache. Throws
     * what {@code check} throws.
     */
    public Decision checkFresh(SubjectId subject, PurposeId purpose) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Instant now = now();
        Policy policy = policyAt(now);
        policy.purpose(purpose);
        // Read inside the cache's compute, as cache.get does: an invalidation from the change feed or a local write
        // waits for this read and then drops what it loaded. A read followed by a put could cache a ledger older
        // than a change the feed had already reported, and no later entry would ever evict it.
        long drops = cacheDrops.get();
        Ledger ledger = cache.asMap().compute(subject, (s, old) -> loadLedgers(List.of(s)).get(s));
        evictIfDroppedMeanwhile(subject, drops);
        return ConsentFold.decide(ledger, policy, purpose, now);
    }

    /**
     * Was processing allowed at {@code at}? Read from the store and decided under the policy version in
     * force then, counting only choices made at or before {@code at} (a withdrawal is effective from when
     * it was made, even if it reached the ledger later).
     *
     * @throws InvalidValueException when an argument is missing or {@code at} lies outside {@link LedgerInstants}
     * @throws UnknownPurposeException when the policy in force at {@code at} does not declare {@code purpose}
     * @throws EvidencePrunedException when {@code at} lies before the subject's pruning horizon
     * @throws StoreException when the store cannot be read, or returns what the ledger cannot hold
     */
    public Decision check(SubjectId subject, PurposeId purpose, Instant at) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        LedgerInstants.require("at", at);
        Policy policy = policyAt(at);
        policy.purpose(purpose);
        refuseBeforeHorizon(subject, at);
        return ConsentFold.decide(loadLedgers(List.of(subject)).get(subject), policy, purpose, at);
    }

    /**
     * Decisions for many subjects at once, in the order given. Subjects not in the cache are read in chunks
     * of {@link Builder#bulkChunkSize(int)}, one store call per chunk; they are not added to the cache. Throws what
     * {@link #check(SubjectId, PurposeId)} throws, for the whole collection (one subject the store cannot answer for
     * fails the call: nothing is answered "allowed" on a guess).
     */
    public Map<SubjectId, Decision> checkAll(Collection<SubjectId> subjects, PurposeId purpose) {
        Checks.required("subjects", subjects);
        for (SubjectId s : subjects) {
            Checks.required("subjects[]", s);
        }
        Checks.required("purpose", purpose);
        Instant now = now();
        Policy policy = policyAt(now);
        policy.purpose(purpose);
        boolean cacheUsable = cacheFresh();
        Map<SubjectId, Decision> out = new LinkedHashMap<>();
        List<SubjectId> misses = new ArrayList<>(Math.min(subjects.size(), bulkChunkSize));
        for (SubjectId s : subjects) {
            Ledger cached = cacheUsable ? cache.getIfPresent(s) : null;
            if (cached != null) {
                out.put(s, ConsentFold.decide(cached, policy, purpose, now));
            } else {
                out.put(s, null); // keeps the caller's order; filled below
                misses.add(s);
                if (misses.size() == bulkChunkSize) {
                    decideMisses(misses, policy, purpose, now, out);
                }
            }
        }
        decideMisses(misses, policy, purpose, now, out);
        return out;
    }

    /**
     * The subjects, of those given, that may be processed for {@code purpose} now, in the order given. Throws what
     * {@link #checkAll} throws.
     */
    public List<SubjectId> allowed(Collection<SubjectId> subjects, PurposeId purpose) {
        List<SubjectId> out = new ArrayList<>();
        checkAll(subjects, purpose).forEach((s, d) -> {
            if (d.allowed()) {
                out.add(s);
            }
        });
        return out;
    }

    private void decideMisses(List<SubjectId> misses, Policy policy, PurposeId purpose, Instant now,
            Map<SubjectId, Decision> out) {
        if (misses.isEmpty()) {
            return;
        }
        Map<SubjectId, Ledger> ledgers = loadLedgers(misses);
        for (SubjectId s : misses) {
            out.put(s, ConsentFold.decide(ledgers.get(s), policy, purpose, now));
        }
        misses.clear();
    }

    // ---------------------------------------------------------------------------------------- writing

    public ConsentEvent grant(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.GRANTED, capture);
    }

    public ConsentEvent deny(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.DENIED, capture);
    }

    /**
     * Withdraws consent for a purpose (and so for the purposes beneath it). Not retroactive (GDPR Art. 7(3)). Every
     * recipient the policy names for those purposes, that may have received the subject's data, is told through the
     * store's outbox, written in the same atomic append ({@link dev.consent.recipients.RecipientDispatcher}).
     */
    public ConsentEvent withdraw(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.WITHDRAWN, capture);
    }

    /** Records an objection (GDPR Art. 21) to a purpose on legitimate interests or public task. */
    public ConsentEvent object(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.OBJECTED, capture);
    }

    private ConsentEvent recordOne(SubjectId subject, PurposeId purpose, Choice choice, Capture capture) {
        return record(List.of(new ChoiceRecord(subject, purpose, choice, capture))).get(0);
    }

    /**
     * Withdraws every consent of the subject that currently stands (a grant not yet withdrawn, expired or
     * superseded), e.g. for an erasure request or "unsubscribe from everything". Returns the events added. A grant
     * dated after the withdrawal's occurred-at (within {@link Builder#futureTolerance(Duration)}, or stored before
     * that was enforced) is withdrawn too: a check would see it once its date arrives, and the withdrawal, recorded
     * after it, beats it.
     */
    public List<ConsentEvent> withdrawAll(SubjectId subject, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("capture", capture);
        Instant now = capture.occurredAt().orElseGet(this::now);
        Policy policy = policyAt(now);
        Ledger ledger = loadLedgers(List.of(subject)).get(subject);
        List<ChoiceRecord> records = new ArrayList<>();
        for (Purpose p : policy.purposes()) {
            if (p.basis() != LegalBasis.CONSENT) {
                continue;
            }
            if (ConsentFold.grantStands(ledger, policy, p.id(), now)) {
                records.add(new ChoiceRecord(subject, p.id(), Choice.WITHDRAWN, distinct(capture, p)));
            }
        }
        return record(records);
    }

    /**
     * Restricts processing of the subject's data (GDPR Art. 18): every purpose except those on a legal
     * obligation or vital interests answers {@link Reason#RESTRICTED} until {@link #liftRestriction}.
     * One event is added per root purpose; children inherit it. The recipients of the purposes restricted are told
     * through the store's outbox in the same atomic append (GDPR Art. 19).
     */
    public List<ConsentEvent> restrict(SubjectId subject, Capture capture) {
        return restriction(subject, Choice.RESTRICTED, capture);
    }

    /** Ends a restriction on every root purpose. */
    public List<ConsentEvent> liftRestriction(SubjectId subject, Capture capture) {
        return restriction(subject, Choice.RESTRICTION_LIFTED, capture);
    }

    private List<ConsentEvent> restriction(SubjectId subject, Choice choice, Capture capture) {
        Policy policy = policyAt(capture.occurredAt().orElseGet(clock::instant));
        List<ChoiceRecord> records = new ArrayList<>();
        for (Purpose p : policy.purposes()) {
            if (p.parent().isEmpty()) {
                records.add(new ChoiceRecord(subject, p.id(), choice, distinct(capture, p)));
            }
        }
        return record(records);
    }

    /**
     * A capture applied to several purposes needs one event id per purpose: derived from the given id so that it fits
     * whatever the lengths of that id and of the purpose id ({@link EventId#derive}).
     */
    private static Capture distinct(Capture capture, Purpose p) {
        return capture.eventId().map(id -> capture.withEventId(id.derive(p.id().value()))).orElse(capture);
    }

    /**
     * Applies a Global Privacy Control signal ({@code Sec-GPC: 1}). For each purpose flagged
     * {@code saleOrSharing}: where no explicit choice exists the subject is opted out; where one exists it
     * stands (an opt-in overrides the signal). Either way the signal is recorded with method
     * {@link Method#GPC}, unless it is already on record since the last explicit choice: as DENIED (OBJECTED on
     * legitimate interests or public task) where it opts out or meets a refusal, and as
     * {@link Choice#GPC_OVERRIDDEN} where a standing grant overrides it, so that the ledger, the export and the
     * chain show a signal received and overridden, not a denial (Cal. Code Regs. tit. 11, § 7025(c)). GPC is never an
     * erasure request and never touches other purposes.
     */
    public GpcOutcome applyGpc(SubjectId subject, Capture capture) {
        Capture gpc = new Capture(Method.GPC, Actor.SYSTEM, capture.evidence(), capture.occurredAt(),
                OptionalInt.empty(), capture.eventId(), OptionalInt.empty(), Optional.empty());
        Instant now = gpc.occurredAt().orElseGet(clock::instant);
        Policy policy = policyAt(now);
        Ledger ledger = loadLedgers(List.of(subject)).get(subject);
        Map<PurposeId, GpcOutcome.Effect> effects = new LinkedHashMap<>();
        List<ChoiceRecord> records = new ArrayList<>();
        for (Purpose p : policy.purposes()) {
            if (!p.saleOrSharing()) {
                continue;
            }
            // the same order and tie-breaks as the decisions themselves, so the effect reported is the one checked
            ConsentFold.GpcState state = ConsentFold.gpcState(ledger, policy, p.id(), now);
            GpcOutcome.Effect effect = state.explicit() == null ? GpcOutcome.Effect.APPLIED
                    : state.explicit() == Choice.GRANTED ? GpcOutcome.Effect.OVERRIDDEN
                    : GpcOutcome.Effect.ALREADY_REFUSED;
            effects.put(p.id(), effect);
            if (!state.signalOnRecord()) {
                // a signal an explicit grant overrides is recorded as what it was, not as a denial
                // (Cal. Code Regs. tit. 11, § 7025(c)(3)); otherwise it opts out (§ 7025(c)(1))
                Choice choice = effect == GpcOutcome.Effect.OVERRIDDEN ? Choice.GPC_OVERRIDDEN
                        : p.basis() == LegalBasis.CONSENT ? Choice.DENIED : Choice.OBJECTED;
                records.add(new ChoiceRecord(subject, p.id(), choice, distinct(gpc, p)));
            }
        }
        return new GpcOutcome(effects, record(records));
    }

    /**
     * Records choices as one atomic batch and returns the stored events, in the order given. A record
     * whose event id is already stored returns the stored event if it says the same thing, and throws
     * {@link ConflictException} if it does not.
     *
     * @throws InvalidValueException when a record breaks a rule, and then nothing of the batch is written: among
     *         others an occurred-at later than the time of recording plus {@link Builder#futureTolerance(Duration)},
     *         a consent version above the purpose's current one in the policy in force at occurred-at, a choice the
     *         purpose's legal basis does not take, or the clock reading outside {@link LedgerInstants}
     * @throws UnknownPurposeException when the policy in force at a record's occurred-at does not declare its purpose
     * @throws ConflictException when an event id is already recorded with a different content
     * @throws StoreException when the store cannot be written (see its javadoc for the one unknown outcome)
     */
    public List<ConsentEvent> record(List<ChoiceRecord> records) {
        Checks.required("records", records);
        for (ChoiceRecord r : records) {
            Checks.required("records[]", r);
        }
        if (records.isEmpty()) {
            return List.of();
        }
        Instant recordedAt = LedgerInstants.require("recordedAt", clock.instant());
        List<NewConsentEvent> drafts = new ArrayList<>(records.size());
        Set<EventId> ids = new HashSet<>();
        // Only ids the caller chose can be stored already (a redelivery); an id drawn here is a fresh random UUID.
        Set<EventId> givenIds = new HashSet<>();
        for (ChoiceRecord r : records) {
            NewConsentEvent draft = draft(r, recordedAt);
            if (!ids.add(draft.id())) {
                throw new InvalidValueException("eventId", draft.id().value(), "appears twice in one batch");
            }
            if (r.capture().eventId().isPresent()) {
                givenIds.add(draft.id());
            }
            drafts.add(draft);
        }
        for (int attempt = 1; attempt <= MAX_APPEND_ATTEMPTS; attempt++) {
            // After a refusal every id is looked up: the store names the ids it already holds, drawn ones included.
            Set<EventId> lookUp = attempt == 1 ? givenIds : ids;
            Map<EventId, ConsentEvent> existing = lookUp.isEmpty() ? Map.of() : store.findEvents(lookUp);
            List<NewConsentEvent> fresh = new ArrayList<>();
            for (int i = 0; i < drafts.size(); i++) {
                NewConsentEvent d = drafts.get(i);
                ConsentEvent stored = existing.get(d.id());
                if (stored == null) {
                    fresh.add(d);
                } else if (!sameChoice(stored, d, records.get(i).capture())) {
                    throw new ConflictException("eventId: " + MessageValues.inMessage("eventId", d.id().value())
                            + " is already recorded as event #"
                            + stored.sequence() + " with a different content; an event id names one choice only");
                }
            }
            List<ConsentEvent> chained = chain(fresh);
            // read after chain() read the heads: a grant appended since moves a head and this append is refused
            List<RecipientNotice> notices = recipientNotices(chained, recordedAt);
            ConsentStore.AppendResult result = chained.isEmpty() ? ConsentStore.AppendResult.appended(Set.of())
                    : notices.isEmpty() ? store.append(chained) : outbox().append(chained, notices);
            if (result.appended()) {
                result.changedSubjects().forEach(cache::invalidate);
                Map<EventId, ConsentEvent> byId = new HashMap<>(existing);
                chained.forEach(e -> byId.put(e.id(), e));
                return drafts.stream().map(d -> byId.get(d.id())).toList();
            }
            LOG.debug("append conflict on attempt {} ({} heads moved, {} ids already stored); retrying", attempt,
                    result.headConflicts().size(), result.duplicateIds().size());
            if (attempt > 3) {
                sleepQuietly(attempt);
            }
        }
        throw new StoreException("append", "the chain heads kept moving under concurrent writers; gave up after "
                + MAX_APPEND_ATTEMPTS + " attempts without writing anything");
    }

    /**
     * The recipients to tell of the withdrawals and restrictions among {@code chained} (GDPR Art. 19; seed
     * 001_f688c41ce3130c59.txt, section 4.2), written in the same atomic append as the events: see
     * {@link RecipientSelection} for who is told of what. Empty, at no cost, when the batch withdraws and restricts
     * nothing or no policy version names a recipient.
     */
    private List<RecipientNotice> recipientNotices(List<ConsentEvent> chained, Instant recordedAt) {
        if (chained.isEmpty() || !hasRecipients || !RecipientSelection.concernsRecipients(chained)) {
            return List.of();
        }
        Set<SubjectId> subjects = new LinkedHashSet<>();
        chained.forEach(e -> subjects.add(e.subject()));
        Map<SubjectId, List<ChoiceFact>> facts;
        try {
            facts = store.decisionFacts(subjects);
        } catch (ConsentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException("decisionFacts", e);
        }
        return RecipientSelection.forEvents(this::policyAt, chained, facts, recordedAt);
    }

    /** The store's outbox; a store without one cannot take a change recipients must be told of (fail closed). */
    private OutboxStore outbox() {
        if (store instanceof OutboxStore outbox) {
            return outbox;
        }
        throw new StoreException("append", "the store keeps no recipients' outbox (it is not an OutboxStore), so a "
                + "withdrawal or restriction could not be passed on to the recipients the policy names (GDPR Art. 19); "
                + "nothing was written");
    }

    /**
     * Whether a stored event and a draft with its id record the same choice. Occurred-at defaults to the time of
     * recording, and a consent lifetime's expiry follows from it, so a retry (after a commit whose outcome was
     * unknown, say) of a capture that stated neither has new ones; they are taken from the stored event, not held
     * against the retry.
     */
    private static boolean sameChoice(ConsentEvent stored, NewConsentEvent draft, Capture capture) {
        NewConsentEvent d = draft;
        if (capture.occurredAt().isEmpty() && d.choice() == stored.choice()) {
            d = new NewConsentEvent(d.id(), d.subject(), d.purpose(), d.consentVersion(), d.policyVersion(),
                    d.choice(), stored.occurredAt(), d.recordedAt(),
                    capture.expiresAt().isPresent() ? d.expiresAt() : stored.expiresAt(), d.method(), d.actor(),
                    d.declaredAge(), d.evidence());
        }
        return stored.content().sameChoiceAs(d);
    }

    private NewConsentEvent draft(ChoiceRecord r, Instant recordedAt) {
        Capture c = r.capture();
        Instant occurredAt = c.occurredAt().orElse(recordedAt);
        if (occurredAt.isAfter(recordedAt.plus(futureTolerance))) {
            // A choice dated ahead would, once its date arrived, outrank choices really made after it.
            throw new InvalidValueException("occurredAt", occurredAt, "must not be later than the time of recording "
                    + recordedAt + " plus the tolerance " + futureTolerance
                    + " (ConsentService.Builder.futureTolerance): a choice cannot have been made in the future");
        }
        Policy policy = policyAt(occurredAt);
        Purpose purpose = policy.purpose(r.purpose());
        checkChoiceFitsBasis(r.choice(), purpose);
        int version = c.consentVersion().orElse(purpose.consentVersion());
        if (version > purpose.consentVersion()) {
            // A version the purpose never had would never need re-consent, whatever the purpose became.
            throw new InvalidValueException("consentVersion", version, "must be between 1 and "
                    + purpose.consentVersion() + ", the current consent version of purpose " + purpose.id()
                    + " in policy version " + policy.version() + " in force at occurredAt " + occurredAt);
        }
        Optional<Instant> expiresAt = c.expiresAt();
        if (expiresAt.isEmpty() && r.choice() == Choice.GRANTED && purpose.consentLifetime().isPresent()) {
            expiresAt = Optional.of(lifetimeEnd(occurredAt, policy, purpose));
        }
        String ip = ipMinimizer.minimize(c.evidence().ip());
        return new NewConsentEvent(c.eventId().orElseGet(EventId::random), r.subject(), r.purpose(), version,
                policy.version(), r.choice(), occurredAt, recordedAt, expiresAt, c.method(), c.actor(),
                c.declaredAge(), c.evidence().withIp(ip));
    }

    /**
     * When a grant made at {@code occurredAt} lapses under the purpose's consent lifetime. The lifetime runs in the
     * policy's zone: "P1Y" from 29 Feb ends on 28 Feb (java.time's rule). A lifetime that would end after
     * {@link LedgerInstants#MAX} ends there: that far ahead it means "never", and the ledger holds nothing later.
     */
    private static Instant lifetimeEnd(Instant occurredAt, Policy policy, Purpose purpose) {
        try {
            Instant end = occurredAt.atZone(policy.zone()).plus(purpose.consentLifetime().get()).toInstant();
            return end.isAfter(LedgerInstants.MAX) ? LedgerInstants.MAX : end;
        } catch (java.time.DateTimeException | ArithmeticException beyondJavaTime) {
            return LedgerInstants.MAX;
        }
    }

    private static void checkChoiceFitsBasis(Choice choice, Purpose purpose) {
        if (choice.isRestriction()) {
            return;
        }
        switch (purpose.basis()) {
            case CONSENT, LEGITIMATE_INTERESTS, PUBLIC_TASK -> {
            }
            default -> throw new InvalidValueException("choice", choice, "cannot be recorded for purpose "
                    + purpose.id() + " on legal basis " + purpose.basis()
                    + ": there is no consent to give or withdraw and no right to object (only restriction applies)");
        }
    }

    private List<ConsentEvent> chain(List<NewConsentEvent> fresh) {
        if (fresh.isEmpty()) {
            return List.of();
        }
        Set<SubjectId> subjects = new LinkedHashSet<>();
        fresh.forEach(d -> subjects.add(d.subject()));
        Map<SubjectId, ChainHead> heads = store.heads(subjects);
        Map<SubjectId, long[]> nextSeq = new HashMap<>();
        Map<SubjectId, String> prevHash = new HashMap<>();
        for (SubjectId s : subjects) {
            ChainHead h = heads.get(s);
            nextSeq.put(s, new long[] {h == null ? 1 : h.sequence() + 1});
            prevHash.put(s, h == null ? ConsentChain.GENESIS : h.hash());
        }
        // events of one subject must be contiguous in the batch for the store; group them, keeping order (in one
        // pass: comparing every event with every subject was quadratic, a third of record's CPU at 1,000 subjects)
        Map<SubjectId, List<NewConsentEvent>> grouped = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            grouped.put(s, new ArrayList<>(1));
        }
        for (NewConsentEvent d : fresh) {
            grouped.get(d.subject()).add(d);
        }
        List<ConsentEvent> out = new ArrayList<>(fresh.size());
        for (List<NewConsentEvent> group : grouped.values()) {
            for (NewConsentEvent d : group) {
                long[] seq = nextSeq.get(d.subject());
                ConsentEvent e = ConsentEvent.chain(d, seq[0]++, prevHash.get(d.subject()));
                prevHash.put(d.subject(), e.hash());
                out.add(e);
            }
        }
        return out;
    }

    private static void sleepQuietly(int attempt) {
        try {
            Thread.sleep(Math.min(50, attempt * 2L) + (long) (Math.random() * 5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("append", "interrupted while retrying; nothing was written");
        }
    }

    // ----------------------------------------------------------------------------- subjects and chains

    /**
     * Links an anonymous visitor to the customer it turned out to be: the visitor's choices (recorded under
     * {@link VisitorId#subject()}) then count for the customer, the most recent explicit choice winning. Idempotent.
     *
     * <p>Visitors and customers are two namespaces: a visitor id is never a customer id, whatever its value, so a
     * client that sets its cookie to another customer's id links only a visitor of that name, never that customer's
     * history, evidence or links.
     *
     * @throws InvalidValueException when {@code customer} is in the visitor namespace ({@link SubjectId#isVisitor()})
     * @throws ConflictException when the visitor is already linked to another customer
     */
    public void link(VisitorId visitor, SubjectId customer) {
        Checks.required("visitor", visitor);
        Checks.customer("customer", customer);
        ConsentStore.LinkResult result = store.link(visitor, customer, clock.instant());
        if (result == ConsentStore.LinkResult.LINKED_ELSEWHERE) {
            throw new ConflictException("visitor: is already linked to another customer");
        }
        cache.invalidate(customer);
    }

    /**
     * Checks the subject's hash chain against the events, head and pruning checkpoint the store holds; a
     * checkpoint must verify under the configured {@link Builder#checkpointKey(byte[]) checkpoint key}.
     */
    public ChainVerification verify(SubjectId subject) {
        Optional<ChainHead> head = Optional.ofNullable(store.heads(List.of(subject)).get(subject));
        return ConsentChain.verify(subject, new PagedEvents(subject), head, store.checkpoint(subject), checkpointKey);
    }

    /**
     * Applies the ledger's own retention (GDPR Art. 5(1)(e)): removes the oldest events of the subject's chain
     * that have been superseded for at least {@code keep} (e.g. evidence kept three years after a withdrawal was
     * itself replaced), leaving a signed checkpoint so that what remains still verifies. Point-in-time checks
     * before the checkpoint's horizon are refused afterwards ({@link EvidencePrunedException}). Returns the
     * checkpoint, or empty when nothing may go yet. Needs a {@link Builder#checkpointKey(byte[]) checkpoint key}.
     */
    public Optional<dev.consent.ledger.ChainCheckpoint> pruneLedger(SubjectId subject, java.time.Period keep) {
        if (checkpointKey == null) {
            throw new InvalidValueException("checkpointKey", null,
                    "is required to prune: a pruned chain is verified through a signed checkpoint");
        }
        if (keep == null || keep.isNegative()) {
            throw new InvalidValueException("keep", keep, "must be a non-negative period");
        }
        ChainVerification before = verify(subject);
        if (!before.intact()) {
            throw new ConflictException("subject's chain is broken at " + before.firstBreak().orElseThrow()
                    + "; it is not pruned so that the evidence of tampering is kept");
        }
        Instant now = clock.instant();
        Optional<dev.consent.internal.LedgerPruning.Prefix> prefix = dev.consent.internal.LedgerPruning
                .prunablePrefix(history(subject), policyAt(now), now, keep);
        if (prefix.isEmpty()) {
            return Optional.empty();
        }
        Instant horizon = store.checkpoint(subject).map(c -> c.horizon().isAfter(prefix.get().horizon()) ? c.horizon()
                : prefix.get().horizon()).orElse(prefix.get().horizon());
        dev.consent.ledger.ChainCheckpoint cp = dev.consent.ledger.ChainCheckpoint.sign(subject,
                prefix.get().sequence(), prefix.get().hash(), now.truncatedTo(java.time.temporal.ChronoUnit.MICROS),
                horizon, checkpointKey);
        if (!store.prune(cp)) {
            throw new ConflictException("subject's chain changed while it was being pruned; nothing was pruned");
        }
        cache.invalidate(subject);
        VisitorId.from(subject).flatMap(store::customerOf).ifPresent(cache::invalidate);
        return Optional.of(cp);
    }

    /**
     * Removes change-feed entries written more than {@code olderThan} ago (by the writing node's clock), so that the
     * feed stops growing and stops naming subjects long after the fact. Run it regularly (hourly, daily) on one node
     * or several; it is idempotent. Returns how many entries went.
     *
     * <p><b>Choosing the bound.</b> Larger than the longest time any node may go without reading the feed (its
     * {@link Builder#maxStaleness(Duration) staleness bound}, plus the longest database or poller outage you want
     * nodes to ride out with their caches), plus the clock difference between nodes and the longest append: one day
     * suits most shops. The bound is about cost, never correctness: only a prefix of the feed is removed, and the
     * newest entry always stays, so a node whose last-read entry was pruned notices at its next read and drops its
     * whole cache instead of missing a withdrawal. A bound that is too small only makes lagging nodes drop their
     * caches. Must be at least this service's staleness bound (when it polls) and positive.
     *
     * @throws InvalidValueException when {@code olderThan} is null, not positive, or below the staleness bound
     */
    public long pruneChangeFeed(Duration olderThan) {
        return store.pruneChanges(feedCutoff(olderThan));
    }

    /**
     * For erasure (GDPR Art. 17): removes the change-feed entries naming {@code subject} that were written more than
     * {@code olderThan} ago, with the prefix of the feed before them (as {@link #pruneChangeFeed}, with the same rule
     * for the bound, whose reasons apply unchanged). Entries written more recently stay, since other nodes may not
     * have read them yet; call again once they are older (the count returned says whether any are left). Erasing
     * the newest entry of the whole feed makes every node drop its cache once. Returns how many entries naming the
     * subject the feed still holds: 0 when it names the subject no more.
     *
     * @throws InvalidValueException when {@code olderThan} is null, not positive, or below the staleness bound
     */
    public long eraseFromChangeFeed(SubjectId subject, Duration olderThan) {
        Checks.required("subject", subject);
        return store.eraseChanges(subject, feedCutoff(olderThan));
    }

    private Instant feedCutoff(Duration olderThan) {
        if (olderThan == null || olderThan.isNegative() || olderThan.isZero()) {
            throw new InvalidValueException("olderThan", olderThan, "must be a positive duration");
        }
        if (poller != null && olderThan.compareTo(Duration.ofNanos(maxStalenessNanos)) < 0) {
            throw new InvalidValueException("olderThan", olderThan, "must be at least the staleness bound "
                    + Duration.ofNanos(maxStalenessNanos) + ": a smaller bound would prune entries nodes are still "
                    + "expected to read, making them drop their caches");
        }
        try {
            return clock.instant().minus(olderThan);
        } catch (ArithmeticException | java.time.DateTimeException e) {
            throw new InvalidValueException("olderThan", olderThan, "reaches before the earliest instant there is");
        }
    }

    private void refuseBeforeHorizon(SubjectId subject, Instant at) {
        // mapped inside the read: a store that returns a null visitor is a store failure, not a NullPointerException
        List<SubjectId> chains = new ArrayList<>(storeRead("visitorsOf",
                () -> store.visitorsOf(subject).stream().map(dev.consent.ledger.VisitorId::subject).toList()));
        chains.add(subject);
        for (SubjectId s : chains) {
            Optional<dev.consent.ledger.ChainCheckpoint> checkpoint = storeRead("checkpoint", () -> store.checkpoint(s));
            Instant horizon = checkpoint.map(dev.consent.ledger.ChainCheckpoint::horizon).orElse(null);
            if (horizon != null && at.isBefore(horizon)) {
                throw new EvidencePrunedException(at, horizon);
            }
        }
    }

    /**
     * A read of the store on a check's path. Whatever the store throws that is not a {@link StoreException} (a
     * store's own bug, a value it cannot make, a null) becomes one: the store could not be read, and the check
     * fails closed with the one exception that says so.
     */
    private static <T> T storeRead(String operation, java.util.function.Supplier<T> read) {
        T value;
        try {
            value = read.get();
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException(operation, e);
        }
        if (value == null) {
            throw new StoreException(operation, "the store answered null");
        }
        return value;
    }

    /** The clock's instant, which every record and check starts from; refused outside {@link LedgerInstants}. */
    private Instant now() {
        Instant now = clock.instant();
        if (!LedgerInstants.contains(now)) {
            throw new InvalidValueException("clock", now, "must read between " + LedgerInstants.MIN + " and "
                    + LedgerInstants.MAX + ", the range the ledger records");
        }
        return now;
    }

    /** Every event of the subject's own chain, in sequence order, streamed page by page. */
    public void forEachEvent(SubjectId subject, Consumer<ConsentEvent> action) {
        new PagedEvents(subject).forEachRemaining(action);
    }

    /** The stored event with this id, read from the store; empty when no event has it. */
    public Optional<ConsentEvent> event(EventId id) {
        Checks.required("id", id);
        return Optional.ofNullable(store.findEvents(List.of(id)).get(id));
    }

    /** The subject's own chain, in sequence order. For long histories prefer {@link #forEachEvent}. */
    public List<ConsentEvent> history(SubjectId subject) {
        List<ConsentEvent> out = new ArrayList<>();
        forEachEvent(subject, out::add);
        return out;
    }

    /** The visitors linked to a customer, in the order they were linked. */
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return store.visitorsOf(customer);
    }

    /** The policy version in force at {@code at}: the latest one effective at or before it (or the first). */
    public Policy policyAt(Instant at) {
        Checks.required("at", at);
        for (int i = policies.size() - 1; i > 0; i--) {
            Policy p = policies.get(i);
            if (!p.effectiveInstant().isAfter(at)) {
                return p;
            }
        }
        return policies.get(0);
    }

    /** The policy version in force now. */
    public Policy policy() {
        return policyAt(now());
    }

    public Clock clock() {
        return clock;
    }

    // ------------------------------------------------------------------------------------ the cache

    private Ledger cachedLedger(SubjectId subject) {
        if (!cacheFresh()) {
            Ledger ledger = loadLedgers(List.of(subject)).get(subject);
            dropCache();
            return ledger;
        }
        Ledger cached = cache.getIfPresent(subject);
        if (cached != null) {
            return cached;
        }
        long drops = cacheDrops.get();
        Ledger loaded = cache.get(subject, this::loadLedger);
        evictIfDroppedMeanwhile(subject, drops);
        return loaded;
    }

    /**
     * Drops every cached answer. Counted first, so that a load in flight, which the invalidation skips, sees the count
     * move and evicts what it put ({@link #evictIfDroppedMeanwhile}).
     */
    private void dropCache() {
        cacheDrops.incrementAndGet();
        cache.invalidateAll();
    }

    /**
     * After a load that read {@link #cacheDrops} as {@code dropsBefore} and has put its ledger: if the cache was
     * dropped meanwhile, the ledger may predate what the drop stood for (the drop skipped it while it was being
     * computed), so it goes. Either the drop's count is seen here, or the drop came after the put and removed it.
     */
    private void evictIfDroppedMeanwhile(SubjectId subject, long dropsBefore) {
        if (cacheDrops.get() != dropsBefore) {
            cache.invalidate(subject);
        }
    }

    private Ledger loadLedger(SubjectId subject) {
        return loadLedgers(List.of(subject)).get(subject);
    }

    private boolean cacheFresh() {
        return poller == null || ticker.getAsLong() - lastPollNanos <= maxStalenessNanos;
    }

    /**
     * The subjects' ledgers from the store's decision facts. Facts the ledger cannot hold (a sequence beyond
     * {@link ConsentEvent#MAX_SEQUENCE}, a null, more purposes than a ledger indexes) mean the store returned what no
     * service wrote: a {@link StoreException}, never another exception and never a guess.
     */
    private Map<SubjectId, Ledger> loadLedgers(Collection<SubjectId> subjects) {
        Map<SubjectId, List<ChoiceFact>> facts = storeRead("decisionFacts", () -> store.decisionFacts(subjects));
        Map<SubjectId, Ledger> out = new HashMap<>(subjects.size() * 2);
        try {
            for (SubjectId s : subjects) {
                List<ChoiceFact> own = facts.get(s);
                out.put(s, Ledger.of(s, own == null ? List.of() : own, purposeTable));
            }
        } catch (RuntimeException e) {
            throw new StoreException("decisionFacts", e);
        }
        return out;
    }

    /**
     * Reads the change feed and drops the cache entries of subjects that changed on any node. When the feed no longer
     * holds the entry read last (pruned past it, emptied, restored from a backup), changes may have been missed: the
     * whole cache goes, and reading goes on from the newest entry.
     *
     * <p>Staleness is measured from when a successful read <em>started</em>: every change committed before then is
     * in what it read, while changes committed during a slow read may not be. Taking the time when the read finished
     * would stretch the staleness bound by the read's duration.
     */
    synchronized void pollChanges() {
        long started = ticker.getAsLong();
        try {
            ConsentStore.FeedCursor cursor = feedCursor;
            while (true) {
                ConsentStore.ChangeRead read = store.readChanges(cursor, FEED_PAGE);
                if (!read.continuous()) {
                    dropCache();
                    cursor = read.next();
                    LOG.warn("consent change feed: the entry this node read last is gone (the feed was pruned past it, "
                            + "emptied or restored); every cached answer was dropped");
                    break;
                }
                for (ConsentStore.Change c : read.changes()) {
                    cache.invalidate(c.subject());
                }
                cursor = read.next();
                if (read.changes().size() < FEED_PAGE) {
                    break;
                }
            }
            feedCursor = cursor;
            lastPollNanos = started;
        } catch (RuntimeException e) {
            // Subject ids never go to logs above DEBUG; the cause is the store's.
            LOG.warn("consent change feed could not be read; cached answers expire after the staleness bound: {}",
                    StoreException.describe(e));
        }
    }

    /** Drops every cached answer. */
    public void invalidateCache() {
        dropCache();
    }

    /** The number of subjects currently cached (approximate). */
    public long cachedSubjects() {
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        if (push != null) {
            try {
                push.close();
            } catch (Exception e) {
                LOG.debug("closing the change push failed: {}", StoreException.describe(e));
            }
        }
        if (poller != null) {
            poller.shutdownNow();
        }
    }

    private final class PagedEvents implements Iterator<ConsentEvent> {
        private final SubjectId subject;
        private List<ConsentEvent> page = List.of();
        private int index;
        private long after;
        private boolean exhausted;

        PagedEvents(SubjectId subject) {
            this.subject = subject;
        }

        @Override
        public boolean hasNext() {
            if (index < page.size()) {
                return true;
            }
            if (exhausted) {
                return false;
            }
            page = store.events(subject, after, PAGE);
            index = 0;
            if (page.size() < PAGE) {
                exhausted = true;
            }
            if (!page.isEmpty()) {
                after = page.get(page.size() - 1).sequence();
            }
            return !page.isEmpty();
        }

        @Override
        public ConsentEvent next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException();
            }
            return page.get(index++);
        }
    }

    /**
     * Configures a {@link ConsentService}. Everything is validated in {@link #build()}; the built service is
     * immutable apart from its cache.
     */
    public static final class Builder {
        private final List<Policy> policies = new ArrayList<>();
        private ConsentStore store;
        private Clock clock = Clock.systemUTC();
        private IpMinimizer ipMinimizer = IpMinimizer.truncate();
        private long cacheSize = 100_000;
        private int bulkChunkSize = 1_000;
        private Duration pollInterval;
        private Duration maxStaleness;
        private byte[] checkpointKey;
        private LongSupplier ticker = System::nanoTime;
        private Duration futureTolerance = DEFAULT_FUTURE_TOLERANCE;

        private Builder() {
        }

        /**
         * How far after the time of recording (this service's clock) a choice's occurred-at may lie: a client's
         * clock running a little fast is tolerated, a choice dated further ahead is refused with an
         * {@link InvalidValueException} naming {@code occurredAt}. Default
         * {@link ConsentService#DEFAULT_FUTURE_TOLERANCE 5 seconds}.
         * Why refuse at all: a choice dated ahead would, once its date arrived, outrank a choice really made after it
         * (the fold also lets a refusal recorded after a grant beat it, which covers what the tolerance lets in).
         * Clients whose clocks cannot be trusted should leave occurred-at out; it then defaults to the time of
         * recording.
         *
         * @param tolerance between zero and {@link ConsentService#MAX_FUTURE_TOLERANCE one hour}: a clock more than an hour ahead
         *                  is wrong, not drifting
         * @throws InvalidValueException when {@code tolerance} is null, negative or longer than one hour
         */
        public Builder futureTolerance(Duration tolerance) {
            if (tolerance == null || tolerance.isNegative() || tolerance.compareTo(MAX_FUTURE_TOLERANCE) > 0) {
                throw new InvalidValueException("futureTolerance", tolerance,
                        "must be between zero and " + MAX_FUTURE_TOLERANCE);
            }
            this.futureTolerance = tolerance;
            return this;
        }

        /**
         * The secret (at least 16 bytes) that signs and checks the checkpoints left when the ledger is pruned. Keep
         * it outside the database, so that whoever can write the store cannot forge one.
         */
        public Builder checkpointKey(byte[] key) {
            if (key == null || key.length < 16) {
                throw new InvalidValueException("checkpointKey", key == null ? null : key.length + " bytes",
                        "must be at least 16 bytes");
            }
            this.checkpointKey = key.clone();
            return this;
        }

        /**
         * A policy version. Give every version that has been in force; each check is answered under the one
         * in force at the instant asked about. All must share one policy id and differ in effective date.
         */
        public Builder policy(Policy policy) {
            policies.add(Checks.required("policy", policy));
            return this;
        }

        /**
         * Required: where the service keeps its state, e.g. consent-jdbc's {@code JdbcStore}, or an
         * {@link dev.consent.store.InMemoryStore} for tests and single-node hosts.
         */
        public Builder store(ConsentStore store) {
            this.store = store;
            return this;
        }

        /** The clock for "now"; inject one in tests. Defaults to the UTC system clock. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /** How client IP addresses are minimised before they are stored; defaults to /24 and /48. */
        public Builder ipMinimizer(IpMinimizer minimizer) {
            this.ipMinimizer = minimizer;
            return this;
        }

        /** How many subjects' compact ledgers the cache holds; 0 disables caching. Default 100,000. */
        public Builder cacheSize(long subjects) {
            this.cacheSize = subjects;
            return this;
        }

        /** How many subjects bulk checks read from the store per call. Default 1,000. */
        public Builder bulkChunkSize(int subjects) {
            this.bulkChunkSize = subjects;
            return this;
        }

        /**
         * Polls the store's change feed at this interval to drop cache entries written by other nodes. Off by
         * default, which is right only when this service is the store's only writer.
         */
        public Builder changeFeedPollInterval(Duration interval) {
            this.pollInterval = interval;
            return this;
        }

        /**
         * The longest a cached answer may lag other nodes' writes: when the feed has not been read for this
         * long (the store is unreachable), checks bypass the cache. Defaults to three poll intervals.
         */
        public Builder maxStaleness(Duration bound) {
            this.maxStaleness = bound;
            return this;
        }

        /**
         * The nanosecond time source staleness is measured with (as {@link System#nanoTime()}). For tests that move
         * time by hand instead of sleeping; not public, since only a monotonic source keeps the bound honest.
         */
        Builder ticker(LongSupplier nanoTime) {
            this.ticker = Checks.required("ticker", nanoTime);
            return this;
        }

        /**
         * The service, after checking every setting.
         *
         * @throws InvalidValueException for no policy, versions of different policies or with the same effective
         *     date, more than {@link PolicyLimits#MAX_SERVICE_PURPOSES} distinct purposes across the versions (the
         *     cached ledger indexes 65,536 purposes: half for the policies', half for purposes found only in a
         *     subject's stored events), or a setting out of range
         */
        public ConsentService build() {
            if (policies.isEmpty()) {
                throw new InvalidValueException("policy", null, "is required: give at least one policy version");
            }
            Set<String> ids = new HashSet<>();
            Set<Instant> effective = new HashSet<>();
            for (Policy p : policies) {
                ids.add(p.id());
                if (!effective.add(p.effectiveInstant())) {
                    throw new InvalidValueException("policy", p.id() + " " + p.version(),
                            "takes effect on the same date as another version given");
                }
            }
            if (ids.size() > 1) {
                throw new InvalidValueException("policy", ids, "versions must all belong to one policy id");
            }
            // The cached ledger indexes at most 65,536 purposes: the policies' purposes plus, per subject, those found
            // only in the subject's stored events. Half is kept for the latter (PolicyLimits.MAX_SERVICE_PURPOSES).
            Set<PurposeId> purposes = new HashSet<>();
            for (Policy p : policies) {
                p.purposes().forEach(purpose -> purposes.add(purpose.id()));
            }
            if (purposes.size() > PolicyLimits.MAX_SERVICE_PURPOSES) {
                throw new InvalidValueException("policy", purposes.size() + " distinct purposes in "
                        + policies.size() + " versions", "exceed the " + PolicyLimits.MAX_SERVICE_PURPOSES
                        + " purposes one service may hold (PolicyLimits.MAX_SERVICE_PURPOSES)");
            }
            if (store == null) {
                throw new InvalidValueException("store", null, "is required: give the builder a store, e.g. consent-jdbc's"
                        + " JdbcStore, or an InMemoryStore for tests and single-node hosts");
            }
            Checks.required("clock", clock);
            Checks.required("ipMinimizer", ipMinimizer);
            if (cacheSize < 0) {
                throw new InvalidValueException("cacheSize", cacheSize, "must be 0 or more");
            }
            if (bulkChunkSize < 1 || bulkChunkSize > 100_000) {
                throw new InvalidValueException("bulkChunkSize", bulkChunkSize, "must be between 1 and 100000");
            }
            if (pollInterval != null && (pollInterval.isNegative() || pollInterval.toMillis() < 1)) {
                throw new InvalidValueException("changeFeedPollInterval", pollInterval, "must be at least 1 ms");
            }
            if (maxStaleness != null && pollInterval != null && maxStaleness.compareTo(pollInterval) < 0) {
                throw new InvalidValueException("maxStaleness", maxStaleness,
                        "must be at least the poll interval " + pollInterval);
            }
            if (maxStaleness != null && pollInterval == null) {
                throw new InvalidValueException("maxStaleness", maxStaleness,
                        "needs changeFeedPollInterval: without polling there is no other node to lag behind");
            }
            return new ConsentService(this);
        }
    }
}

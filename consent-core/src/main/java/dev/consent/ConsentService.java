package dev.consent;

import dev.consent.internal.Checks;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
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
import dev.consent.ledger.Method;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.Policy;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;
import dev.consent.store.InMemoryStore;
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
import java.util.function.Consumer;

/**
 * The consent ledger and consent checks: records choices as hash-chained events and answers "may we
 * process this subject's data for this purpose?" with a {@link Decision}.
 *
 * <p>Guarantees:
 * <ul>
 *   <li><b>Fail closed.</b> An unknown purpose throws {@link UnknownPurposeException}; a store that cannot
 *       be read throws {@link StoreException}. Neither is ever answered "allowed".</li>
 *   <li><b>Nothing half-written.</b> A batch of choices is appended atomically or not at all. Recording an
 *       event id that is already stored returns the stored event (duplicate deliveries are harmless).</li>
 *   <li><b>One chain per subject.</b> Concurrent writers on any number of nodes never fork a chain: the
 *       store refuses an append whose head moved, and the service re-reads and retries.</li>
 *   <li><b>Bounded staleness.</b> Cached answers reflect this node's writes at once and other nodes' writes
 *       within {@link Builder#maxStaleness(Duration)}: when the change feed cannot be polled for that long,
 *       checks bypass the cache. {@link #checkFresh} always reads the store.</li>
 * </ul>
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

    private final List<Policy> policies;
    /** Every purpose id of every policy version, newest versions' instances first: what cached ledgers refer to. */
    private final Ledger.PurposeTable purposeTable;
    private final ConsentStore store;
    private final Clock clock;
    private final IpMinimizer ipMinimizer;
    private final Cache<SubjectId, Ledger> cache;
    private final int bulkChunkSize;
    private final byte[] checkpointKey;
    private final ScheduledExecutorService poller;
    private final AutoCloseable push;
    private final long maxStalenessNanos;
    private volatile long lastPollNanos;
    private volatile long feedPosition;

    private ConsentService(Builder b) {
        this.policies = b.policies.stream().sorted(Comparator.comparing(Policy::effectiveInstant)).toList();
        List<PurposeId> purposeIds = new ArrayList<>();
        for (int i = policies.size() - 1; i >= 0; i--) {
            policies.get(i).purposes().forEach(purpose -> purposeIds.add(purpose.id()));
        }
        this.purposeTable = Ledger.PurposeTable.of(purposeIds);
        this.store = b.store;
        this.clock = b.clock;
        this.ipMinimizer = b.ipMinimizer;
        this.bulkChunkSize = b.bulkChunkSize;
        this.checkpointKey = b.checkpointKey;
        // Caffeine's maintenance stays on its default executor: run on the reading thread (executor(Runnable::run)) it
        // made a single-threaded cached read 2-6x slower (CheckBenchmark, caffeineSameThreadGetIfPresent).
        this.cache = Caffeine.newBuilder().maximumSize(b.cacheSize).build();
        this.lastPollNanos = System.nanoTime();
        if (b.pollInterval != null) {
            this.maxStalenessNanos = (b.maxStaleness != null ? b.maxStaleness : b.pollInterval.multipliedBy(3)).toNanos();
            this.feedPosition = store.changePosition();
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
     */
    public Decision check(SubjectId subject, PurposeId purpose) {
        Instant now = clock.instant();
        Policy policy = policyAt(now);
        policy.purpose(purpose); // unknown purposes throw before any store access
        return ConsentFold.decide(cachedLedger(subject), policy, purpose, now);
    }

    /** As {@link #check(SubjectId, PurposeId)}, but read from the store, bypassing and refreshing the cache. */
    public Decision checkFresh(SubjectId subject, PurposeId purpose) {
        Instant now = clock.instant();
        Policy policy = policyAt(now);
        policy.purpose(purpose);
        // Read inside the cache's compute, as cache.get does: an invalidation from the change feed or a local write
        // waits for this read and then drops what it loaded. A read followed by a put could cache a ledger older
        // than a change the feed had already reported, and no later entry would ever evict it.
        Ledger ledger = cache.asMap().compute(subject, (s, old) -> loadLedgers(List.of(s)).get(s));
        return ConsentFold.decide(ledger, policy, purpose, now);
    }

    /**
     * Was processing allowed at {@code at}? Read from the store and decided under the policy version in
     * force then, counting only choices made at or before {@code at} (a withdrawal is effective from when
     * it was made, even if it reached the ledger later).
     */
    public Decision check(SubjectId subject, PurposeId purpose, Instant at) {
        Policy policy = policyAt(at);
        policy.purpose(purpose);
        refuseBeforeHorizon(subject, at);
        return ConsentFold.decide(loadLedgers(List.of(subject)).get(subject), policy, purpose, at);
    }

    /**
     * Decisions for many subjects at once, in the order given. Subjects not in the cache are read in chunks
     * of {@link Builder#bulkChunkSize(int)}, one store call per chunk; they are not added to the cache.
     */
    public Map<SubjectId, Decision> checkAll(Collection<SubjectId> subjects, PurposeId purpose) {
        Instant now = clock.instant();
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

    /** The subjects, of those given, that may be processed for {@code purpose} now, in the order given. */
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

    /** Withdraws consent for a purpose (and so for the purposes beneath it). Not retroactive (GDPR Art. 7(3)). */
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
     * superseded), e.g. for an erasure request or "unsubscribe from everything". Returns the events added.
     */
    public List<ConsentEvent> withdrawAll(SubjectId subject, Capture capture) {
        Instant now = capture.occurredAt().orElseGet(clock::instant);
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
     * One event is added per root purpose; children inherit it.
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

    /** A capture applied to several purposes needs one event id per purpose. */
    private static Capture distinct(Capture capture, Purpose p) {
        return capture.eventId().map(id -> capture.withEventId(id.value() + "/" + p.id().value())).orElse(capture);
    }

    /**
     * Applies a Global Privacy Control signal ({@code Sec-GPC: 1}). For each purpose flagged
     * {@code saleOrSharing}: where no explicit choice exists the subject is opted out; where one exists it
     * stands (an opt-in overrides the signal). Either way the signal is recorded with method
     * {@link Method#GPC}, unless it is already on record since the last explicit choice. GPC is never an
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
                Choice choice = p.basis() == LegalBasis.CONSENT ? Choice.DENIED : Choice.OBJECTED;
                records.add(new ChoiceRecord(subject, p.id(), choice, distinct(gpc, p)));
            }
        }
        return new GpcOutcome(effects, record(records));
    }

    /**
     * Records choices as one atomic batch and returns the stored events, in the order given. A record
     * whose event id is already stored returns the stored event if it says the same thing, and throws
     * {@link ConflictException} if it does not.
     */
    public List<ConsentEvent> record(List<ChoiceRecord> records) {
        if (records.isEmpty()) {
            return List.of();
        }
        Instant recordedAt = clock.instant();
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
                    throw new ConflictException("eventId: \"" + d.id() + "\" is already recorded as event #"
                            + stored.sequence() + " with a different content; an event id names one choice only");
                }
            }
            List<ConsentEvent> chained = chain(fresh);
            ConsentStore.AppendResult result = chained.isEmpty() ? ConsentStore.AppendResult.appended(Set.of())
                    : store.append(chained);
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
        Policy policy = policyAt(occurredAt);
        Purpose purpose = policy.purpose(r.purpose());
        checkChoiceFitsBasis(r.choice(), purpose);
        int version = c.consentVersion().orElse(purpose.consentVersion());
        Optional<Instant> expiresAt = c.expiresAt();
        if (expiresAt.isEmpty() && r.choice() == Choice.GRANTED && purpose.consentLifetime().isPresent()) {
            // The lifetime runs in the policy's zone: "P1Y" from 29 Feb ends on 28 Feb (java.time's rule).
            expiresAt = Optional.of(occurredAt.atZone(policy.zone()).plus(purpose.consentLifetime().get()).toInstant());
        }
        String ip = ipMinimizer.minimize(c.evidence().ip());
        return new NewConsentEvent(c.eventId().orElseGet(EventId::random), r.subject(), r.purpose(), version,
                policy.version(), r.choice(), occurredAt, recordedAt, expiresAt, c.method(), c.actor(),
                c.declaredAge(), c.evidence().withIp(ip));
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
     * Links an anonymous visitor to the customer it turned out to be: the visitor's choices then count for
     * the customer, the most recent explicit choice winning. Idempotent; a visitor linked to another
     * customer, or a link that would chain visitors, throws {@link ConflictException}.
     */
    public void link(SubjectId visitor, SubjectId customer) {
        if (visitor.equals(customer)) {
            throw new InvalidValueException("visitor", visitor, "must differ from the customer it is linked to");
        }
        if (!store.visitorsOf(visitor).isEmpty()) {
            throw new ConflictException("visitor: has visitors of its own linked to it; it is a customer id");
        }
        if (store.customerOf(customer).isPresent()) {
            throw new ConflictException("customer: is itself linked as a visitor of another customer");
        }
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
        store.customerOf(subject).ifPresent(cache::invalidate);
        return Optional.of(cp);
    }

    private void refuseBeforeHorizon(SubjectId subject, Instant at) {
        List<SubjectId> chains = new ArrayList<>(store.visitorsOf(subject));
        chains.add(subject);
        for (SubjectId s : chains) {
            store.checkpoint(s).filter(cp -> at.isBefore(cp.horizon())).ifPresent(cp -> {
                throw new EvidencePrunedException(at, cp.horizon());
            });
        }
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

    /** The visitor ids linked to a customer. */
    public List<SubjectId> visitorsOf(SubjectId customer) {
        return store.visitorsOf(customer);
    }

    /** The policy version in force at {@code at}: the latest one effective at or before it (or the first). */
    public Policy policyAt(Instant at) {
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
        return policyAt(clock.instant());
    }

    public Clock clock() {
        return clock;
    }

    // ------------------------------------------------------------------------------------ the cache

    private Ledger cachedLedger(SubjectId subject) {
        if (!cacheFresh()) {
            Ledger ledger = loadLedgers(List.of(subject)).get(subject);
            cache.invalidateAll();
            return ledger;
        }
        Ledger cached = cache.getIfPresent(subject);
        return cached != null ? cached : cache.get(subject, this::loadLedger);
    }

    private Ledger loadLedger(SubjectId subject) {
        return loadLedgers(List.of(subject)).get(subject);
    }

    private boolean cacheFresh() {
        return poller == null || System.nanoTime() - lastPollNanos <= maxStalenessNanos;
    }

    private Map<SubjectId, Ledger> loadLedgers(Collection<SubjectId> subjects) {
        Map<SubjectId, List<ChoiceFact>> facts;
        try {
            facts = store.decisionFacts(subjects);
        } catch (ConsentException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new StoreException("decisionFacts", e);
        }
        Map<SubjectId, Ledger> out = new HashMap<>(subjects.size() * 2);
        for (SubjectId s : subjects) {
            out.put(s, Ledger.of(s, facts.getOrDefault(s, List.of()), purposeTable));
        }
        return out;
    }

    /** Reads the change feed and drops the cache entries of subjects that changed on any node. */
    synchronized void pollChanges() {
        try {
            long position = feedPosition;
            while (true) {
                List<ConsentStore.Change> changes = store.changesSince(position, 10_000);
                for (ConsentStore.Change c : changes) {
                    cache.invalidate(c.subject());
                    position = Math.max(position, c.position());
                }
                if (changes.size() < 10_000) {
                    break;
                }
            }
            feedPosition = position;
            lastPollNanos = System.nanoTime();
        } catch (RuntimeException e) {
            // Subject ids never go to logs above DEBUG; the cause is the store's.
            LOG.warn("consent change feed could not be read; cached answers expire after the staleness bound: {}",
                    e.toString());
        }
    }

    /** Drops every cached answer. */
    public void invalidateCache() {
        cache.invalidateAll();
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
                LOG.debug("closing the change push failed: {}", e.toString());
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

        private Builder() {
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

        /** Defaults to a new {@link InMemoryStore}. */
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
            if (store == null) {
                store = new InMemoryStore();
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

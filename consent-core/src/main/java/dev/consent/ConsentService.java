package dev.consent;

import dev.consent.internal.Checks;
import dev.consent.internal.ConsentFold;
import dev.consent.internal.Ledger;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.SubjectLocation;
import dev.consent.policy.Jurisdiction;
import dev.consent.policy.JurisdictionId;
import dev.consent.policy.OptOut;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainVerification;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.GpcOutcome;
import dev.consent.ledger.GpcSignal;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.LedgerInstants;
import dev.consent.ledger.Method;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
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
 *       is slow), checks bypass the cache. {@link #checkUncached} always reads the store.</li>
 *   <li><b>A feed that went back is noticed.</b> When the change feed no longer holds the entry this node read
 *       last (pruned past it, emptied by hand, restored from a backup, positions restarted), the whole cache is
 *       dropped instead of answering from it; see {@link ConsentStore#readChanges} for what is detected.</li>
 * </ul>
 * A withdrawal or restriction is written together with a notice to every recipient the policy names for it, in one
 * atomic append to the store's outbox (GDPR Art. 19; see {@link dev.consent.recipients.RecipientDispatcher}).
 * Thread-safe. Close it to stop the change-feed poller.
 */
public final class ConsentService implements AutoCloseable {
    /** The default of {@link Builder#futureTolerance(Duration)}: 5 seconds. */
    public static final Duration DEFAULT_FUTURE_TOLERANCE = Duration.ofSeconds(5);
    /** The longest {@link Builder#futureTolerance(Duration)} allowed: one hour. */
    public static final Duration MAX_FUTURE_TOLERANCE = Duration.ofHours(1);

    /** The last millisecond {@link LedgerInstants} covers whole: {@link #allows} answers from the cache up to it. */
    private static final long MAX_CLOCK_MILLIS = LedgerInstants.MAX.toEpochMilli();

    private final PolicyVersions versions;
    private final ConsentStore store;
    private final Clock clock;
    private final int bulkChunkSize;
    private final LedgerLoader loader;
    private final LedgerCache cache;
    /** Null when the change feed is not read (this service is the store's only writer). */
    private final ChangeFeedPoller poller;
    private final LedgerWriter writer;
    private final LedgerPruner pruner;
    private final AgeFindings ages;
    private final ServiceCounters counters;

    private ConsentService(Builder b, ConsentServiceAssembly parts) {
        this.versions = parts.versions;
        this.store = b.store;
        this.clock = b.clock;
        this.bulkChunkSize = b.bulkChunkSize;
        this.loader = parts.loader;
        this.cache = parts.cache;
        this.poller = parts.poller;
        this.writer = parts.writer;
        this.pruner = parts.pruner;
        this.ages = new AgeFindings(versions, loader, clock);
        this.counters = parts.counters;
    }

    /**
     * A builder; give it at least a policy and a store.
     *
     * @return a new builder with the defaults its setters list
     */
    public static Builder builder() {
        return new Builder();
    }

    // ----------------------------------------------------------------------------------------- checks

    /**
     * May we process {@code subject}'s data for {@code purpose} now? Answered from the cache when it can
     * be; see the class guarantees for how fresh that is.
     *
     * @param subject whose data it is
     * @param purpose the purpose of the processing
     * @return whether it is allowed, with the reason and the deciding event
     * @throws UnknownPurposeException when the policy in force does not declare {@code purpose}
     * @throws StoreException when the store cannot be read, or returns what the ledger cannot hold
     * @throws InvalidValueException when an argument is missing, or the clock reads outside {@link LedgerInstants}
     */
    public Decision check(SubjectId subject, PurposeId purpose) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Instant now = now();
        Policy policy = versions.at(now);
        Purpose declared = policy.purpose(purpose); // unknown purposes throw before any store access
        Ledger ledger;
        try {
            ledger = cache.ledger(subject);
        } catch (StoreException e) {
            counters.checkFailed();
            throw e;
        }
        return counters.checked(purpose, ConsentFold.decideCached(ledger, policy, declared, now));
    }

    /**
     * Whether {@code check(subject, purpose).allowed()} would answer true now: the question to ask before sending a
     * marketing email, on the hot path. Guarantees: the answer is exactly {@code check(subject, purpose).allowed()}
     * at the instant the clock reads, and it fails closed the same way (it throws what {@code check} throws, and never
     * answers true when the store cannot be read); with {@link Builder#recordStatistics(boolean) statistics} on, it
     * is counted as one check with its reason.
     *
     * <p>When the subject's ledger is cached (and the cache may be read, as for {@code check}) and holds its
     * precomputed answer for the purpose over the whole millisecond {@link Clock#millis()} reads, that answer is
     * returned without folding and without allocating: it holds at every instant of that millisecond, so it is what
     * {@code check} answers at the clock's instant to any finer precision ({@link Clock#millis()} is the clock's
     * millisecond-based instant, as {@link Clock} specifies it; a clock whose millis disagree with its instant
     * breaks that contract). Otherwise (not cached, no answer held, the
     * answers' window ending within that millisecond, a clock outside {@link LedgerInstants}) it is
     * {@code check(subject, purpose).allowed()}, which reads the clock again. A purpose the policy in force does not
     * declare never has an answer held, so it reaches {@code check}, which throws.
     *
     * @param subject whose data it is
     * @param purpose the purpose of the processing
     * @return true only when processing is allowed
     * @throws UnknownPurposeException when the policy in force does not declare {@code purpose}
     * @throws StoreException when the store cannot be read, or returns what the ledger cannot hold
     * @throws InvalidValueException when an argument is missing, or the clock reads outside {@link LedgerInstants}
     */
    public boolean allows(SubjectId subject, PurposeId purpose) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        long millis = clock.millis();
        if (millis <= MAX_CLOCK_MILLIS) { // before LedgerInstants.MIN is negative: ConsentFold.heldReason refuses it
            Ledger cached = cache.cached(subject);
            if (cached != null) {
                Reason held = ConsentFold.heldReason(cached, purpose, millis);
                if (held != null) {
                    counters.cacheHit();
                    counters.checked(purpose, held);
                    return held.allows();
                }
            }
        }
        return check(subject, purpose).allowed();
    }

    /**
     * As {@link #check(SubjectId, PurposeId)}, but read from the store past the cache, whatever its freshness; the
     * ledger read replaces the cached one. Throws what {@code check} throws.
     *
     * @param subject whose data it is
     * @param purpose the purpose of the processing
     * @return whether it is allowed now, as the store holds the ledger
     */
    public Decision checkUncached(SubjectId subject, PurposeId purpose) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        Instant now = now();
        Policy policy = versions.at(now);
        policy.purpose(purpose);
        Ledger ledger;
        try {
            ledger = cache.reload(subject);
        } catch (StoreException e) {
            counters.checkFailed();
            throw e;
        }
        return counters.checked(purpose, ConsentFold.decideCached(ledger, policy, purpose, now));
    }

    /**
     * Was processing allowed at {@code at}? Read from the store and decided under the policy version in
     * force then, counting only choices made at or before {@code at} (a withdrawal is effective from when
     * it was made, even if it reached the ledger later).
     *
     * @param subject whose data it is
     * @param purpose the purpose of the processing
     * @param at the instant asked about
     * @return whether processing was allowed at {@code at}
     * @throws InvalidValueException when an argument is missing or {@code at} lies outside {@link LedgerInstants}
     * @throws UnknownPurposeException when the policy in force at {@code at} does not declare {@code purpose}
     * @throws EvidencePrunedException when {@code at} lies before the subject's pruning horizon
     * @throws StoreException when the store cannot be read, or returns what the ledger cannot hold
     */
    public Decision check(SubjectId subject, PurposeId purpose, Instant at) {
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        LedgerInstants.require("at", at);
        Policy policy = versions.at(at);
        policy.purpose(purpose);
        Ledger ledger;
        try {
            loader.refuseBeforeHorizon(subject, at);
            ledger = loader.load(subject);
        } catch (StoreException e) {
            counters.checkFailed();
            throw e;
        }
        return counters.checked(purpose, ConsentFold.decide(ledger, policy, purpose, at));
    }

    /**
     * Decisions for many subjects at once, in the order given. Subjects not in the cache are read in chunks
     * of {@link Builder#bulkChunkSize(int)}, one store call per chunk; they are not added to the cache. Throws what
     * {@link #check(SubjectId, PurposeId)} throws, for the whole collection (one subject the store cannot answer for
     * fails the call: nothing is answered "allowed" on a guess).
     *
     * @param subjects the subjects; a subject given twice is answered once
     * @param purpose the purpose of the processing
     * @return a decision per subject, in the order given
     */
    public Map<SubjectId, Decision> checkAll(Collection<SubjectId> subjects, PurposeId purpose) {
        Checks.required("subjects", subjects);
        for (SubjectId s : subjects) {
            Checks.required("subjects[]", s);
        }
        Checks.required("purpose", purpose);
        Instant now = now();
        Policy policy = versions.at(now);
        policy.purpose(purpose);
        Map<SubjectId, Decision> out = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            out.put(s, null); // keeps the caller's order; each filled once its ledger is at hand
        }
        // subjects not cached are read narrowed to what this decision reads: the same fold, on fewer facts
        try {
            cache.forEachLedger(subjects, ConsentFold.purposesRead(policy, purpose), bulkChunkSize,
                    (s, ledger) -> out.put(s, counters.checked(purpose, ConsentFold.decideCached(ledger, policy,
                            purpose, now))));
        } catch (StoreException e) {
            counters.checkFailed();
            throw e;
        }
        return out;
    }

    /**
     * The subjects, of those given, that may be processed for {@code purpose} now, in the order given. Throws what
     * {@link #checkAll} throws.
     *
     * @param subjects the subjects
     * @param purpose the purpose of the processing
     * @return those allowed
     */
    public List<SubjectId> filterAllowed(Collection<SubjectId> subjects, PurposeId purpose) {
        List<SubjectId> out = new ArrayList<>();
        checkAll(subjects, purpose).forEach((s, d) -> {
            if (d.allowed()) {
                out.add(s);
            }
        });
        return out;
    }

    // ---------------------------------------------------------------------------------------- writing

    /**
     * Records consent to a purpose (GDPR Art. 6(1)(a), Art. 7(1): the event is the shop's proof that it was given);
     * {@link #record} with one {@link Choice#GRANTED} record, and what it throws.
     *
     * @param subject who consents
     * @param purpose to what
     * @param capture how, when and under which consent version it was given
     * @return the stored event
     */
    public ConsentEvent grant(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.GRANTED, capture);
    }

    /**
     * Records a refusal of consent to a purpose; {@link #record} with one {@link Choice#DENIED} record, and what it
     * throws. A refusal is recorded, not just the absence of a grant, so that the ledger shows the choice offered.
     *
     * @param subject who refuses
     * @param purpose what
     * @param capture how and when it was refused
     * @return the stored event
     */
    public ConsentEvent deny(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.DENIED, capture);
    }

    /**
     * Withdraws consent for a purpose (and so for the purposes beneath it). Not retroactive (GDPR Art. 7(3)). Every
     * recipient the policy names for those purposes, that may have received the subject's data, is told through the
     * store's outbox, written in the same atomic append ({@link dev.consent.recipients.RecipientDispatcher}).
     *
     * @param subject who withdraws
     * @param purpose the purpose withdrawn
     * @param capture how and when
     * @return the stored event
     */
    public ConsentEvent withdraw(SubjectId subject, PurposeId purpose, Capture capture) {
        return recordOne(subject, purpose, Choice.WITHDRAWN, capture);
    }

    /**
     * Records an objection (GDPR Art. 21) to a purpose on legitimate interests or public task.
     *
     * {@link #record} with one {@link Choice#OBJECTED} record, and what it throws.
     *
     * @param subject who objects
     * @param purpose the purpose objected to
     * @param capture how and when
     * @return the stored event
     */
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
     *
     * @param subject who withdraws
     * @param capture how and when
     * @return the events added, one per standing consent; empty when none stood
     */
    public List<ConsentEvent> withdrawAll(SubjectId subject, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("capture", capture);
        Instant now = capture.occurredAt().orElseGet(this::now);
        Policy policy = versions.at(now);
        return record(PolicyWideChoices.withdrawAll(subject, capture, loader.load(subject), policy, now));
    }

    /**
     * Restricts processing of the subject's data (GDPR Art. 18): every purpose except those on a legal
     * obligation or vital interests answers {@link Reason#RESTRICTED} until {@link #liftRestriction}.
     * One event is added per root purpose; children inherit it. The recipients of the purposes restricted are told
     * through the store's outbox in the same atomic append (GDPR Art. 19).
     *
     * @param subject whose processing is restricted
     * @param capture how and when it was asked for
     * @return the events added
     */
    public List<ConsentEvent> restrict(SubjectId subject, Capture capture) {
        return restriction(subject, Choice.RESTRICTED, capture);
    }

    /**
     * Ends a restriction on every root purpose.
     *
     * @param subject whose restriction ends
     * @param capture how and when
     * @return the events added
     */
    public List<ConsentEvent> liftRestriction(SubjectId subject, Capture capture) {
        return restriction(subject, Choice.RESTRICTION_LIFTED, capture);
    }

    private List<ConsentEvent> restriction(SubjectId subject, Choice choice, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("capture", capture);
        Policy policy = versions.at(capture.occurredAt().orElseGet(clock::instant));
        return record(PolicyWideChoices.onRootPurposes(subject, choice, capture, policy));
    }

    /**
     * Applies a Global Privacy Control signal ({@code Sec-GPC: 1}). For each purpose flagged
     * {@code saleOrSharing}: where no explicit choice exists the subject is opted out; where one exists it
     * stands (an opt-in overrides the signal). Either way the signal is recorded with method
     * {@link Method#GPC} by the system, unless it is already on record since the last explicit choice: as DENIED (OBJECTED on
     * legitimate interests or public task) where it opts out or meets a refusal, and as
     * {@link Choice#GPC_OVERRIDDEN} where a standing grant overrides it, so that the ledger, the export and the
     * chain show a signal received and overridden, not a denial (Cal. Code Regs. tit. 11, § 7025(c)). GPC is never an
     * erasure request and never touches other purposes.
     *
     * @param subject the subject the signal came from
     * @param signal the signal, with when and how it was received
     * @return per purpose, what the signal did, and the events added
     */
    public GpcOutcome applyGpc(SubjectId subject, GpcSignal signal) {
        Checks.required("subject", subject);
        Checks.required("signal", signal);
        Capture gpc = signal.capture();
        Instant now = gpc.occurredAt().orElseGet(clock::instant);
        Policy policy = versions.at(now);
        PolicyWideChoices.GpcRecords gpcRecords = PolicyWideChoices.gpc(subject, gpc, loader.load(subject), policy, now);
        return new GpcOutcome(gpcRecords.effects(), record(gpcRecords.records()));
    }

    /**
     * Records choices as one atomic batch and returns the stored events, in the order given. A record
     * whose event id is already stored returns the stored event if it says the same thing, and throws
     * {@link ConflictException} if it does not.
     *
     * @param records the choices, each with its capture
     * @return the stored events, one per record
     * @throws InvalidValueException when a record breaks a rule, and then nothing of the batch is written: among
     *         others an occurred-at later than the time of recording plus {@link Builder#futureTolerance(Duration)},
     *         a consent version above the purpose's current one in the policy in force at occurred-at, a choice the
     *         purpose's legal basis does not take, or the clock reading outside {@link LedgerInstants}
     * @throws UnknownPurposeException when the policy in force at a record's occurred-at does not declare its purpose
     * @throws ConflictException when an event id is already recorded with a different content
     * @throws StoreException when the store cannot be written (see its javadoc for the one unknown outcome)
     */
    public List<ConsentEvent> record(List<ChoiceRecord> records) {
        List<ConsentEvent> events = writer.append(records);
        ages.afterRecording(events);
        return events;
    }

    // ------------------------------------------------------------------------------------------------ age

    /**
     * Records the subject's age once, on its own, with its evidence: an {@link Choice#AGE_DECLARED} event in the
     * subject's chain (see {@link AgeDeclaration} for how it is stored and read), in the history, verification, the
     * access export and the consent records like every other event. From its occurred-at it is the subject's latest
     * declaration unless a later one is made (this kind or a capture's {@link Capture#withDeclaredAge declared age}):
     * the per-purpose minimum age (GDPR Art. 8(1)) and the policy's service-wide minimum age (seed 004) read it, a
     * birth date at each instant checked in the policy's zone. When it makes the subject a known minor under the
     * service-wide minimum age, the {@link #onMinorFound} listeners are told once it is stored (docs/age.md).
     *
     * @param subject whose age it is
     * @param declaration the declared age or birth date
     * @param capture how and when it was declared
     * @return the stored event
     * @throws InvalidValueException when an argument is missing; when the birth date is after the date of the
     *         declaration or makes the subject older than {@value AgeDeclaration#MAX_AGE} (naming {@code birthDate});
     *         when the capture states a declared age, a consent version or an expiry (about a consent, not an age),
     *         or its method is GPC; or for an occurred-at later than the time of recording plus the future tolerance
     * @throws ConflictException when the capture's event id is already recorded with a different content
     * @throws StoreException when the store cannot be written
     */
    public ConsentEvent declareAge(SubjectId subject, AgeDeclaration declaration, Capture capture) {
        ConsentEvent event = writer.declareAge(subject, declaration, capture);
        ages.afterRecording(List.of(event));
        return event;
    }

    // ------------------------------------------------------------------------------------------------ jurisdiction

    /**
     * Records where the subject is, with its evidence, from the capture's occurred-at on (the time of recording
     * unless given): a {@link Choice#LOCATION_RECORDED} event in the subject's chain (see {@link SubjectLocation}),
     * in the history, verification, the access export and the change feed like every other event. Where the policy
     * declares jurisdictions, every decision about the subject at an instant from then on, until a later location,
     * applies the rules of the jurisdiction covering it ({@code docs/jurisdictions.md}); a policy without
     * jurisdictions reads it and decides nothing differently.
     *
     * @param subject whose location it is
     * @param location the country or subdivision and how the shop learnt it
     * @param capture how it was learnt (the host's evidence: an address's country, a geolocation lookup) and from when
     *     it holds
     * @return the stored event
     * @throws InvalidValueException when an argument is missing; when the capture states a declared age, a consent
     *         version or an expiry, or its method is GPC; or for an occurred-at later than the time of recording plus
     *         the future tolerance
     * @throws ConflictException when the capture's event id is already recorded with a different content
     * @throws StoreException when the store cannot be written
     */
    public ConsentEvent recordLocation(SubjectId subject, SubjectLocation location, Capture capture) {
        return writer.recordLocation(subject, location, capture);
    }

    /**
     * The jurisdiction whose rules hold the subject at {@code at}: the one covering the latest location recorded with
     * an occurred-at at or before {@code at}, or the strictest rules of the policy ({@link JurisdictionId#UNKNOWN})
     * when none covers it. Read from the store (the subject's own chain and its linked visitors').
     *
     * @param subject whose jurisdiction is read
     * @param at the instant
     * @return the jurisdiction, or empty when the policy in force at {@code at} declares none
     * @throws StoreException when the store cannot be read
     */
    public Optional<Jurisdiction> jurisdiction(SubjectId subject, Instant at) {
        Checks.required("subject", subject);
        LedgerInstants.require("at", at);
        return Optional.ofNullable(ConsentFold.jurisdictionAt(loader.load(subject), versions.at(at), at));
    }

    /**
     * The region of the latest location recorded for the subject with an occurred-at at or before {@code at}. Read
     * from the store.
     *
     * @param subject whose location is read
     * @param at the instant
     * @return the country or subdivision code, or empty when none was recorded by then
     * @throws StoreException when the store cannot be read
     */
    public Optional<String> region(SubjectId subject, Instant at) {
        Checks.required("subject", subject);
        LedgerInstants.require("at", at);
        return ConsentFold.regionAt(loader.load(subject), at);
    }

    /**
     * Records a CPRA opt-out ("Do Not Sell or Share My Personal Information", "Limit the Use of My Sensitive Personal
     * Information"): a refusal (a denial of a purpose on consent, an objection to one on legitimate interests or public
     * task) of every purpose the opt-out covers in the subject's jurisdiction at the capture's occurred-at; where that
     * jurisdiction does not declare the opt-out (or is not known), of every purpose it covers in any jurisdiction, so
     * that the request is honoured rather than dropped.
     *
     * @param subject who opts out
     * @param optOut which opt-out
     * @param capture how and when (a capture's event id gives each purpose's event an id derived from it)
     * @return the events added, one per purpose covered
     * @throws InvalidValueException when an argument is missing, or (field {@code optOut}) when the policy in force
     *         declares no jurisdiction that covers any purpose by this opt-out
     * @throws StoreException when the store cannot be read or written
     */
    public List<ConsentEvent> optOut(SubjectId subject, OptOut optOut, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("optOut", optOut);
        Checks.required("capture", capture);
        Instant now = capture.occurredAt().orElseGet(this::now);
        Policy policy = versions.at(now);
        Jurisdiction jurisdiction = ConsentFold.jurisdictionAt(loader.load(subject), policy, now);
        java.util.Set<PurposeId> purposes = jurisdiction == null ? java.util.Set.of()
                : jurisdiction.optOutPurposes(optOut);
        if (purposes.isEmpty() && jurisdiction != null) {
            purposes = policy.jurisdictionRules().orElseThrow().strictest().optOutPurposes(optOut);
        }
        if (purposes.isEmpty()) {
            throw new InvalidValueException("optOut", optOut, "covers no purpose in any jurisdiction of policy "
                    + policy.id() + " " + policy.version() + " (declare it under $.jurisdictionRules)");
        }
        return record(PolicyWideChoices.optOut(subject, purposes, capture, policy));
    }

    /**
     * The subject's age at {@code at}, by the latest declaration made at or before it (an age declaration or a
     * capture's declared age; several at one instant: the lowest), a birth date read in the zone of the policy in
     * force at {@code at}; empty when no age was declared by then. Read from the store (the subject's own chain and
     * its linked visitors').
     *
     * @param subject whose age is read
     * @param at the instant the age is read at
     * @return the age in whole years, or empty
     */
    public OptionalInt age(SubjectId subject, Instant at) {
        return age(subject, at, at);
    }

    /**
     * As {@link #age(SubjectId, Instant)} by the latest declaration made at or before {@code knownAt}: e.g. the age a
     * grant made at {@code at} was given at, as a check at {@code knownAt} reads it for a purpose's minimum age (GDPR
     * Art. 8(1): a later declaration, such as a verified birth date, says how old the subject was when consenting).
     *
     * @param subject whose age is read
     * @param at the instant the age is read at
     * @param knownAt the latest declaration instant counted
     * @return the age in whole years, or empty
     */
    public OptionalInt age(SubjectId subject, Instant at, Instant knownAt) {
        Checks.required("subject", subject);
        return ages.ageAt(subject, LedgerInstants.require("at", at), LedgerInstants.require("knownAt", knownAt));
    }

    /**
     * Adds a listener told of each subject that a declaration recorded through this service makes a known minor under
     * the service-wide minimum age of the policy in force ({@link MinorFound}), after the declaration is stored and
     * before the call that recorded it returns. {@code RetentionService.Builder.consents} registers the retention
     * service's, which makes the subject's retained data due at once (seed 004: minors' data is deleted). A listener
     * that throws makes that call throw, with the declaration stored: recording it again with the same event id tells
     * the listeners again.
     *
     * @param listener the listener, called on the recording thread
     * @throws InvalidValueException when {@code listener} is null
     */
    public void onMinorFound(Consumer<MinorFound> listener) {
        ages.add(listener);
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
     * @param visitor the anonymous visitor
     * @param customer the customer it turned out to be
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
        cache.invalidateWritten(customer);
    }

    /**
     * Checks the subject's hash chain against the events, head and pruning checkpoint the store holds; a
     * checkpoint must verify under the configured {@link Builder#checkpointKey(byte[]) checkpoint key}.
     *
     * @param subject whose chain is verified
     * @return whether it verifies, and where it breaks when it does not
     */
    public ChainVerification verify(SubjectId subject) {
        return pruner.verify(subject);
    }

    /**
     * Applies the ledger's own retention (GDPR Art. 5(1)(e)): removes the oldest events of the subject's chain
     * that have been superseded for at least {@code keep} (e.g. evidence kept three years after a withdrawal was
     * itself replaced), leaving a signed checkpoint so that what remains still verifies. Point-in-time checks
     * before the checkpoint's horizon are refused afterwards ({@link EvidencePrunedException}). Returns the
     * checkpoint, or empty when nothing may go yet. Needs a {@link Builder#checkpointKey(byte[]) checkpoint key}.
     *
     * @param subject whose chain is pruned
     * @param keep how long a superseded event is kept
     * @return the checkpoint left, or empty
     */
    public Optional<ChainCheckpoint> pruneLedger(SubjectId subject, Period keep) {
        return pruner.pruneLedger(subject, keep);
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
     * @param olderThan the age past which entries go
     * @return the number of entries removed
     * @throws InvalidValueException when {@code olderThan} is null, not positive, or below the staleness bound
     */
    public long pruneChangeFeed(Duration olderThan) {
        return pruner.pruneChangeFeed(olderThan);
    }

    /**
     * For erasure (GDPR Art. 17): removes the change-feed entries naming {@code subject} that were written more than
     * {@code olderThan} ago, with the prefix of the feed before them (as {@link #pruneChangeFeed}, with the same rule
     * for the bound, whose reasons apply unchanged). Entries written more recently stay, since other nodes may not
     * have read them yet; call again once they are older (the count returned says whether any are left). Erasing
     * the newest entry of the whole feed makes every node drop its cache once. Returns how many entries naming the
     * subject the feed still holds: 0 when it names the subject no more.
     *
     * @param subject the erased subject
     * @param olderThan the age past which entries go
     * @return the number of entries naming the subject still held
     * @throws InvalidValueException when {@code olderThan} is null, not positive, or below the staleness bound
     */
    public long eraseFromChangeFeed(SubjectId subject, Duration olderThan) {
        return pruner.eraseFromChangeFeed(subject, olderThan);
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

    /**
     * The stored event with this id, read from the store; empty when no event has it.
     *
     * @param id the event's id
     * @return the event, or empty; also empty once it was pruned
     */
    public Optional<ConsentEvent> event(EventId id) {
        Checks.required("id", id);
        return Optional.ofNullable(store.findEvents(List.of(id)).get(id));
    }

    /**
     * Every event of the subject's own chain, in sequence order, streamed page by page.
     *
     * @param subject whose chain is read
     * @param action called once per event, in order
     */
    public void forEachEvent(SubjectId subject, Consumer<ConsentEvent> action) {
        new PagedEvents(store, subject).forEachRemaining(action);
    }

    /**
     * The subject's own chain, in sequence order. For long histories prefer {@link #forEachEvent}.
     *
     * @param subject whose chain is read
     * @return the events still stored; empty for a subject without events
     */
    public List<ConsentEvent> history(SubjectId subject) {
        List<ConsentEvent> out = new ArrayList<>();
        forEachEvent(subject, out::add);
        return out;
    }

    /**
     * The visitors linked to a customer, in the order they were linked.
     *
     * @param customer the customer
     * @return the visitors; empty when none is linked
     */
    public List<VisitorId> visitorsOf(SubjectId customer) {
        return store.visitorsOf(customer);
    }

    /**
     * The policy version in force at {@code at}: the latest one effective at or before it (or the first).
     *
     * @param at the instant asked about
     * @return the version in force then
     */
    public Policy policyAt(Instant at) {
        return versions.at(at);
    }

    /**
     * Every policy version this service knows, and which is in force when.
     *
     * @return the versions given to the builder
     */
    public PolicyVersions policyVersions() {
        return versions;
    }

    /**
     * The policy version in force now.
     *
     * @return the version in force at this service's clock now
     */
    public Policy policy() {
        return versions.at(now());
    }

    /**
     * The clock this service reads "now" from: the builder's, or the UTC system clock.
     *
     * @return the clock
     */
    public Clock clock() {
        return clock;
    }

    // ------------------------------------------------------------------------------------ the cache

    /**
     * Reads the change feed now, on this thread, as the poller does; nothing when the service does not read the feed.
     */
    void pollChanges() {
        if (poller != null) {
            poller.poll();
        }
    }

    /** Drops every cached answer. */
    public void invalidateCache() {
        cache.dropAll();
    }

    /**
     * The number of subjects currently cached (approximate).
     *
     * @return an approximate count; 0 when caching is off
     */
    public long cachedSubjects() {
        return cache.size();
    }

    /**
     * What this service has counted since it was built (checks by purpose and reason, cache hits and misses, appends
     * and conflicts; zeros unless built with {@link Builder#recordStatistics(boolean) recordStatistics(true)}), the
     * cache's size and how recently the change feed was read. For metrics and health checks; names no subject.
     *
     * @return a snapshot
     */
    public ConsentStatistics statistics() {
        ConsentStatistics.Feed feed = cache.maxStalenessNanos() == Long.MAX_VALUE ? ConsentStatistics.Feed.NOT_READ
                : new ConsentStatistics.Feed(true, Duration.ofNanos(Math.max(0, cache.nanosSinceFeedRead())),
                        Duration.ofNanos(cache.maxStalenessNanos()));
        return new ConsentStatistics(counters.on(), counters.checks(), counters.checkFailures(), counters.cacheHits(),
                counters.cacheMisses(), cache.size(), counters.appendedEvents(), counters.appendConflicts(), feed);
    }

    /** Stops the change-feed poller and the store's change push, if the service reads the feed. */
    @Override
    public void close() {
        if (poller != null) {
            poller.close();
        }
    }

    /**
     * Configures a {@link ConsentService}. Each setter checks its own value and throws at once; {@link #build()} checks
     * what depends on several settings. The built service is immutable apart from its cache.
     */
    public static final class Builder {
        private final List<Policy> policies = new ArrayList<>();
        private PolicyVersions versions;
        // read by ConsentServiceAssembly
        ConsentStore store;
        Clock clock = Clock.systemUTC();
        IpMinimizer ipMinimizer = IpMinimizer.truncate();
        long cacheSize = 100_000;
        int bulkChunkSize = 1_000;
        Duration pollInterval;
        Duration maxStaleness;
        byte[] checkpointKey;
        LongSupplier ticker = System::nanoTime;
        Duration futureTolerance = DEFAULT_FUTURE_TOLERANCE;
        boolean recordStatistics;

        private Builder() {
        }

        /**
         * Whether the service counts checks by purpose and reason, cache hits and misses, appended events and append
         * conflicts, for {@link ConsentService#statistics()} (and the metrics built on it). Off by default; on, each
         * count costs one uncontended {@link java.util.concurrent.atomic.LongAdder} increment and allocates nothing.
         * No count is kept per subject.
         *
         * @param record whether to count
         * @return this builder
         */
        public Builder recordStatistics(boolean record) {
            this.recordStatistics = record;
            return this;
        }

        /**
         * How far after the time of recording (this service's clock) a choice's occurred-at may lie; a choice dated
         * further ahead is refused ({@link InvalidValueException} naming {@code occurredAt}), since once its date
         * arrived it would outrank a choice really made after it. Default {@link ConsentService#DEFAULT_FUTURE_TOLERANCE
         * 5 seconds}. Clients whose clocks cannot be trusted should leave occurred-at out (it defaults to the time of
         * recording).
         *
         * @param tolerance between zero and {@link ConsentService#MAX_FUTURE_TOLERANCE one hour}: a clock more than an
         *     hour ahead is wrong, not drifting
         * @return this builder
         * @throws InvalidValueException when {@code tolerance} is null, negative or longer than one hour
         */
        public Builder futureTolerance(Duration tolerance) {
            this.futureTolerance = ConsentServiceAssembly.futureTolerance(tolerance);
            return this;
        }

        /**
         * The secret (at least 16 bytes) that signs and checks the checkpoints left when the ledger is pruned. Keep
         * it outside the database, so that whoever can write the store cannot forge one.
         *
         * @param key the secret; copied
         * @return this builder
         * @throws InvalidValueException when {@code key} is null or shorter than 16 bytes
         */
        public Builder checkpointKey(byte[] key) {
            this.checkpointKey = ConsentServiceAssembly.checkpointKey(key);
            return this;
        }

        /**
         * A policy version. Give every version that has been in force; each check is answered under the one
         * in force at the instant asked about. All must share one policy id and differ in effective date
         * ({@link PolicyVersions}; checked by {@link #build()}).
         *
         * @param policy a version
         * @return this builder
         * @throws InvalidValueException when {@code policy} is null
         */
        public Builder policy(Policy policy) {
            policies.add(Checks.required("policy", policy));
            return this;
        }

        /**
         * Every policy version at once, instead of {@link #policy(Policy)}: e.g. another service's, so that both
         * judge by one policy.
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
         * Required: where the service keeps its state (consent-jdbc's {@code JdbcStore}, an in-memory store).
         *
         * @param store the store; checked by {@link #build()}
         * @return this builder
         */
        public Builder store(ConsentStore store) {
            this.store = store;
            return this;
        }

        /**
         * The clock for "now"; inject one in tests. Defaults to the UTC system clock.
         *
         * @param clock the clock
         * @return this builder
         * @throws InvalidValueException when {@code clock} is null
         */
        public Builder clock(Clock clock) {
            this.clock = Checks.required("clock", clock);
            return this;
        }

        /**
         * How client IP addresses are minimised before they are stored; defaults to /24 and /48.
         *
         * @param minimizer the minimizer
         * @return this builder
         * @throws InvalidValueException when {@code minimizer} is null
         */
        public Builder ipMinimizer(IpMinimizer minimizer) {
            this.ipMinimizer = Checks.required("ipMinimizer", minimizer);
            return this;
        }

        /**
         * How many subjects' compact ledgers the cache holds; 0 disables caching. Default 100,000.
         *
         * @param subjects the number of subjects
         * @return this builder
         * @throws InvalidValueException when {@code subjects} is negative
         */
        public Builder cacheSize(long subjects) {
            this.cacheSize = ConsentServiceAssembly.cacheSize(subjects);
            return this;
        }

        /**
         * How many subjects bulk checks read from the store per call. Default 1,000.
         *
         * @param subjects subjects per store call
         * @return this builder
         * @throws InvalidValueException when {@code subjects} is not between 1 and 100,000
         */
        public Builder bulkChunkSize(int subjects) {
            this.bulkChunkSize = ConsentServiceAssembly.bulkChunkSize(subjects);
            return this;
        }

        /**
         * Polls the store's change feed at this interval to drop cache entries written by other nodes. Off by
         * default, which is right only when this service is the store's only writer.
         *
         * @param interval the poll interval
         * @return this builder
         * @throws InvalidValueException when {@code interval} is null or shorter than 1 ms
         */
        public Builder changeFeedPollInterval(Duration interval) {
            this.pollInterval = ConsentServiceAssembly.pollInterval(interval);
            return this;
        }

        /**
         * The longest a cached answer may lag other nodes' writes: when the feed has not been read for this
         * long (the store is unreachable), checks bypass the cache. Defaults to three poll intervals. Needs
         * {@link #changeFeedPollInterval(Duration)}, and must be at least that interval ({@link #build()} checks both).
         *
         * @param bound the staleness bound
         * @return this builder
         * @throws InvalidValueException when {@code bound} is null, zero or negative
         */
        public Builder maxStaleness(Duration bound) {
            this.maxStaleness = ConsentServiceAssembly.maxStaleness(bound);
            return this;
        }

        /**
         * The nanosecond time source staleness is measured with (as {@link System#nanoTime()}). For tests that move
         * time by hand instead of sleeping; not public, since only a monotonic source keeps the bound honest.
         *
         * @throws InvalidValueException when {@code nanoTime} is null
         */
        Builder ticker(LongSupplier nanoTime) {
            this.ticker = Checks.required("ticker", nanoTime);
            return this;
        }

        /**
         * The service, after checking what depends on several settings.
         *
         * @return the service; its poller, when configured, runs on a daemon thread until {@link
         *     ConsentService#close()}
         * @throws InvalidValueException for no policy or store, versions that break {@link PolicyVersions#of}, both
         *     {@code policy} and {@code policyVersions} given, more distinct purposes across the versions than
         *     {@link dev.consent.policy.PolicyLimits#MAX_SERVICE_PURPOSES} (the cached ledger indexes 65,536: half for
         *     the policies', half for purposes found only in stored events), or a staleness bound without a poll
         *     interval or shorter than it
         */
        public ConsentService build() {
            return new ConsentService(this, ConsentServiceAssembly.of(this, policies, versions));
        }
    }
}

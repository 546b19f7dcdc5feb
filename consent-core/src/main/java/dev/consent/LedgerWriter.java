package dev.consent;

import dev.consent.internal.Checks;
import dev.consent.internal.MessageValues;
import dev.consent.internal.RecipientSelection;
import dev.consent.internal.StoreCalls;
import dev.consent.ledger.AgeDeclaration;
import dev.consent.ledger.SubjectLocation;
import dev.consent.ledger.Capture;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.Choice;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ChoiceRecord;
import dev.consent.ledger.ConsentChain;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.IpMinimizer;
import dev.consent.ledger.LedgerInstants;
import dev.consent.ledger.NewConsentEvent;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.Policy;
import dev.consent.policy.PolicyVersions;
import dev.consent.policy.Purpose;
import dev.consent.recipients.RecipientNotice;
import dev.consent.store.ConsentStore;
import dev.consent.store.OutboxStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Appends choices to the subjects' hash chains: validates and drafts each record, chains the drafts onto the heads the
 * store holds, and appends them (with the notices recipients must be told of, in the same atomic append), retrying
 * while other writers move the heads.
 *
 * <p>Guarantees: a batch is written whole or not at all; a redelivered event id returns the stored event, and one
 * recorded with a different content is a {@link ConflictException}; chains never fork, since the store refuses an
 * append whose heads moved, and the writer re-reads them and tries again, up to {@value #MAX_APPEND_ATTEMPTS} times.
 * Every subject an append changed is reported to {@code changed} (the cache drops it) before the events are returned.
 * Logs name no subject.
 */
final class LedgerWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LedgerWriter.class);
    /*
     * Each lost attempt means another writer committed to the same subject, so the bound only matters for a
     * subject many writers append to at once. On a database store a commit takes milliseconds (a WAL flush),
     * and 8 writers on one subject needed up to ~35 attempts in consent-jdbc's contract runs; 20 failed them.
     */
    static final int MAX_APPEND_ATTEMPTS = 100;

    private final ConsentStore store;
    private final Clock clock;
    private final IpMinimizer ipMinimizer;
    private final Duration futureTolerance;
    private final PolicyVersions versions;
    /** Whether any policy version names a recipient to tell of withdrawals and restrictions. */
    private final boolean hasRecipients;
    private final Consumer<SubjectId> changed;
    private final ServiceCounters counters;

    LedgerWriter(ConsentStore store, Clock clock, IpMinimizer ipMinimizer, Duration futureTolerance,
            PolicyVersions versions, Consumer<SubjectId> changed, ServiceCounters counters) {
        this.store = store;
        this.clock = clock;
        this.ipMinimizer = ipMinimizer;
        this.futureTolerance = futureTolerance;
        this.versions = versions;
        this.hasRecipients = RecipientSelection.anyRecipients(versions.all());
        this.changed = changed;
        this.counters = counters;
    }

    /** As {@link ConsentService#record}, which states what it throws. */
    List<ConsentEvent> append(List<ChoiceRecord> records) {
        Checks.required("records", records);
        for (ChoiceRecord r : records) {
            Checks.required("records[]", r);
        }
        if (records.isEmpty()) {
            return List.of();
        }
        Instant recordedAt = LedgerInstants.require("recordedAt", clock.instant());
        List<NewConsentEvent> drafts = new ArrayList<>(records.size());
        List<Capture> captures = new ArrayList<>(records.size());
        for (ChoiceRecord r : records) {
            drafts.add(draft(r, recordedAt));
            captures.add(r.capture());
        }
        return appendDrafts(drafts, captures);
    }

    /**
     * Appends one age declaration to its subject's chain (as {@link ConsentService#declareAge}, which states what it
     * throws): an {@link Choice#AGE_DECLARED} event under the declaration's reserved purpose id, its declared age the
     * age at occurred-at in the zone of the policy then in force.
     */
    ConsentEvent declareAge(SubjectId subject, AgeDeclaration declaration, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("declaration", declaration);
        Checks.required("capture", capture);
        if (capture.declaredAge().isPresent()) {
            throw new InvalidValueException("capture.declaredAge", capture.declaredAge().getAsInt(),
                    "must not be given with an age declaration: the declaration states the age");
        }
        if (capture.expiresAt().isPresent() || capture.consentVersion().isPresent()) {
            throw new InvalidValueException(capture.expiresAt().isPresent() ? "capture.expiresAt"
                    : "capture.consentVersion", capture.expiresAt().isPresent() ? capture.expiresAt().get()
                    : capture.consentVersion().getAsInt(), "is about a consent, not an age declaration");
        }
        if (capture.method() == dev.consent.ledger.Method.GPC) {
            throw new InvalidValueException("capture.method", capture.method(), "is a signal, not an age declaration");
        }
        Instant recordedAt = LedgerInstants.require("recordedAt", clock.instant());
        Instant occurredAt = occurredAt(capture, recordedAt);
        Policy policy = versions.at(occurredAt);
        declaration.requirePlausibleAt(occurredAt, policy.zone());
        String ip = ipMinimizer.minimize(capture.evidence().ip());
        NewConsentEvent draft = new NewConsentEvent(capture.eventId().orElseGet(EventId::random), subject,
                declaration.purposeId(), 1, policy.version(), Choice.AGE_DECLARED, occurredAt, recordedAt,
                Optional.empty(), capture.method(), capture.actor(),
                java.util.OptionalInt.of(declaration.ageAt(occurredAt, policy.zone())),
                capture.evidence().withIp(ip));
        return appendDrafts(List.of(draft), List.of(capture)).get(0);
    }

    /**
     * Appends one location to its subject's chain (as {@link ConsentService#recordLocation}, which states what it
     * throws): a {@link Choice#LOCATION_RECORDED} event under the location's reserved purpose id.
     */
    ConsentEvent recordLocation(SubjectId subject, SubjectLocation location, Capture capture) {
        Checks.required("subject", subject);
        Checks.required("location", location);
        Checks.required("capture", capture);
        if (capture.declaredAge().isPresent() || capture.expiresAt().isPresent()
                || capture.consentVersion().isPresent()) {
            String field = capture.declaredAge().isPresent() ? "capture.declaredAge"
                    : capture.expiresAt().isPresent() ? "capture.expiresAt" : "capture.consentVersion";
            Object value = capture.declaredAge().isPresent() ? capture.declaredAge().getAsInt()
                    : capture.expiresAt().isPresent() ? capture.expiresAt().get()
                    : capture.consentVersion().getAsInt();
            throw new InvalidValueException(field, value, "is about a consent or an age, not a location");
        }
        if (capture.method() == dev.consent.ledger.Method.GPC) {
            throw new InvalidValueException("capture.method", capture.method(), "is a signal, not a location");
        }
        Instant recordedAt = LedgerInstants.require("recordedAt", clock.instant());
        Instant occurredAt = occurredAt(capture, recordedAt);
        Policy policy = versions.at(occurredAt);
        String ip = ipMinimizer.minimize(capture.evidence().ip());
        NewConsentEvent draft = new NewConsentEvent(capture.eventId().orElseGet(EventId::random), subject,
                location.purposeId(), 1, policy.version(), Choice.LOCATION_RECORDED, occurredAt, recordedAt,
                Optional.empty(), capture.method(), capture.actor(), java.util.OptionalInt.empty(),
                capture.evidence().withIp(ip));
        return appendDrafts(List.of(draft), List.of(capture)).get(0);
    }

    private List<ConsentEvent> appendDrafts(List<NewConsentEvent> drafts, List<Capture> captures) {
        Set<EventId> ids = new HashSet<>();
        // Only ids the caller chose can be stored already (a redelivery); an id drawn here is a fresh random UUID.
        Set<EventId> givenIds = new HashSet<>();
        for (int i = 0; i < drafts.size(); i++) {
            NewConsentEvent draft = drafts.get(i);
            if (!ids.add(draft.id())) {
                throw new InvalidValueException("eventId", draft.id().value(), "appears twice in one batch");
            }
            if (captures.get(i).eventId().isPresent()) {
                givenIds.add(draft.id());
            }
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
                } else if (!sameChoice(stored, d, captures.get(i))) {
                    throw new ConflictException("eventId: " + MessageValues.inMessage("eventId", d.id().value())
                            + " is already recorded as event #"
                            + stored.sequence() + " with a different content; an event id names one choice only");
                }
            }
            List<ConsentEvent> chained = chain(fresh);
            // read after chain() read the heads: a grant appended since moves a head and this append is refused
            List<RecipientNotice> notices = recipientNotices(chained, drafts.get(0).recordedAt());
            ConsentStore.AppendResult result = chained.isEmpty() ? ConsentStore.AppendResult.appended(Set.of())
                    : notices.isEmpty() ? store.append(chained) : outbox().append(chained, notices);
            if (result.appended()) {
                counters.appended(chained.size());
                result.changedSubjects().forEach(changed);
                LOG.debug("appended {} events ({} already stored) for {} subjects on attempt {}", chained.size(),
                        drafts.size() - chained.size(), result.changedSubjects().size(), attempt);
                Map<EventId, ConsentEvent> byId = new HashMap<>(existing);
                chained.forEach(e -> byId.put(e.id(), e));
                return drafts.stream().map(d -> byId.get(d.id())).toList();
            }
            counters.appendConflict();
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
        Map<SubjectId, List<ChoiceFact>> facts = StoreCalls.read("decisionFacts", () -> store.decisionFacts(subjects));
        return RecipientSelection.forEvents(versions::at, chained, facts, recordedAt);
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
                    // a birth date's age at occurred-at follows from occurred-at as well
                    d.choice() == Choice.AGE_DECLARED && d.purpose().equals(stored.purpose()) ? stored.declaredAge()
                            : d.declaredAge(), d.evidence());
        }
        return stored.content().sameChoiceAs(d);
    }

    private NewConsentEvent draft(ChoiceRecord r, Instant recordedAt) {
        Capture c = r.capture();
        Instant occurredAt = occurredAt(c, recordedAt);
        Policy policy = versions.at(occurredAt);
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

    private Instant occurredAt(Capture c, Instant recordedAt) {
        Instant occurredAt = c.occurredAt().orElse(recordedAt);
        if (occurredAt.isAfter(recordedAt.plus(futureTolerance))) {
            // A choice dated ahead would, once its date arrived, outrank choices really made after it.
            throw new InvalidValueException("occurredAt", occurredAt, "must not be later than the time of recording "
                    + recordedAt + " plus the tolerance " + futureTolerance
                    + " (ConsentService.Builder.futureTolerance): a choice cannot have been made in the future");
        }
        return occurredAt;
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
}

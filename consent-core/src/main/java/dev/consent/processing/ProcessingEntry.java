package dev.consent.processing;

import dev.consent.Decision;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.internal.Checks;
import dev.consent.ledger.EventRef;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.SortedSet;

/**
 * One entry of the processing log: a use of one subject's data, for one purpose, touching some of the purpose's
 * data categories, at one instant, and the decision it was allowed on (legal basis, reason, policy version and the
 * consent event it rested on). Seed 002: "All internal data usage activities are systematically logged, ensuring
 * full traceability and accountability"; GDPR Art. 5(2) (accountability) and Art. 30 (records of processing).
 *
 * <p>An entry names its subject by id until it is {@linkplain #pseudonymised() pseudonymised} (on erasure, or by the
 * log's own retention rule): the id is then replaced by a keyed hash ({@link ProcessingLog#pseudonymOf}), and the id
 * of a linked visitor the decision rested on is dropped, so the entry still counts, with its date, purpose,
 * categories and decision, without naming anyone.
 *
 * @param id the entry's id, unique in the log (at most 64 characters)
 * @param subjectKey the subject's id, or its pseudonym (64 lower-case hex digits) once pseudonymised
 * @param pseudonymised whether {@code subjectKey} is a pseudonym
 * @param purpose the purpose the data was used for
 * @param categories the data categories the use touched, all of them categories of {@code purpose}; not empty
 * @param use what was done, in the host's words (e.g. {@code order verification}, a campaign's name); at most 200
 *     characters
 * @param batch the id shared by every entry of one {@link ProcessingLog#useAll bulk use}, empty for a single use
 * @param at when the use was checked and logged, to the microsecond
 * @param basis the legal basis the use rested on
 * @param reason why it was allowed; always a reason that {@linkplain Reason#allows() allows}
 * @param policyVersion the version of the policy the decision was made under
 * @param decidingEventSequence the sequence of the consent event the decision rested on
 *     ({@link Decision#decidingEvent()}), if one did
 * @param decidingEventVisitor the linked visitor whose chain holds that event, when it is not the subject's own chain
 *     (never present once pseudonymised)
 */
public record ProcessingEntry(String id, String subjectKey, boolean pseudonymised, PurposeId purpose,
        SortedSet<CategoryId> categories, String use, Optional<String> batch, Instant at, LegalBasis basis,
        Reason reason, String policyVersion, OptionalLong decidingEventSequence, Optional<SubjectId> decidingEventVisitor) {

    /** The longest entry id. */
    public static final int MAX_ID_LENGTH = 64;
    /** The longest description of a use. */
    public static final int MAX_USE_LENGTH = 200;

    /**
     * Checks every rule of the class description: only allowed uses, a pseudonym exactly when pseudonymised, no
     * visitor id once pseudonymised, at least one category, whole microseconds.
     *
     * @param id the entry's id
     * @param subjectKey the subject's id, or its pseudonym
     * @param pseudonymised whether {@code subjectKey} is a pseudonym
     * @param purpose the purpose the data was used for
     * @param categories the data categories the use touched
     * @param use what was done
     * @param batch the bulk use's id, if any
     * @param at when the use was checked and logged
     * @param basis the legal basis the use rested on
     * @param reason why it was allowed
     * @param policyVersion the version of the policy the decision was made under
     * @param decidingEventSequence the sequence of the consent event the decision rested on, if one did
     * @param decidingEventVisitor the linked visitor whose chain holds that event, if not the subject's own
     * @throws InvalidValueException (field {@code entry.<name>}) naming the field that breaks its rule; a subject key
     *         is never quoted
     */
    public ProcessingEntry {
        Checks.text("entry.id", id, MAX_ID_LENGTH);
        if (pseudonymised) {
            if (!Checks.isSha256Hex(subjectKey)) {
                // the value is not quoted: it could be a subject id given by mistake
                throw new InvalidValueException("entry.subjectKey", null,
                        "must be a pseudonym (64 lower-case hex digits) when the entry is pseudonymised");
            }
        } else {
            Checks.text("entry.subject", subjectKey, SubjectId.MAX_LENGTH);
        }
        Checks.required("entry.purpose", purpose);
        categories = Checks.sortedSet("entry.categories", categories);
        if (categories.isEmpty()) {
            throw new InvalidValueException("entry.categories", "[]", "must name at least one data category");
        }
        Checks.text("entry.use", use, MAX_USE_LENGTH);
        Checks.required("entry.batch", batch);
        batch.ifPresent(b -> Checks.text("entry.batch", b, MAX_ID_LENGTH));
        Checks.required("entry.at", at);
        if (!at.truncatedTo(ChronoUnit.MICROS).equals(at)) {
            throw new InvalidValueException("entry.at", at, "must be whole microseconds, as the log keeps it");
        }
        Checks.required("entry.basis", basis);
        Checks.required("entry.reason", reason);
        if (!reason.allows()) {
            throw new InvalidValueException("entry.reason", reason,
                    "must allow processing: the log records only uses that were allowed");
        }
        Checks.text("entry.policyVersion", policyVersion, 50);
        Checks.required("entry.decidingEventSequence", decidingEventSequence);
        if (decidingEventSequence.isPresent() && decidingEventSequence.getAsLong() < 1) {
            throw new InvalidValueException("entry.decidingEventSequence", decidingEventSequence.getAsLong(), "must be 1 or more");
        }
        Checks.required("entry.decidingEventVisitor", decidingEventVisitor);
        if (decidingEventVisitor.isPresent() && (pseudonymised || decidingEventSequence.isEmpty())) {
            throw new InvalidValueException("entry.decidingEventVisitor", null, pseudonymised
                    ? "must be absent once the entry is pseudonymised: a visitor id identifies the subject"
                    : "needs decidingEventSequence: it names the chain that event is in");
        }
    }

    /**
     * The entry of an allowed single use of {@code subject}'s data, on {@code decision}, in no batch.
     *
     * @param id the entry's id
     * @param subject whose data was used
     * @param decision the decision that allowed it; its purpose, basis, reason, policy version and deciding event are
     *        copied
     * @param categories the data categories the use touched
     * @param use what was done
     * @param at when the use was checked and logged
     * @return the entry
     * @throws InvalidValueException when the decision does not allow processing, or a value breaks a rule above
     */
    public static ProcessingEntry of(String id, SubjectId subject, Decision decision, Collection<CategoryId> categories,
            String use, Instant at) {
        return of(id, subject, decision, categories, use, Optional.empty(), at);
    }

    /**
     * The entry of an allowed use of {@code subject}'s data, on {@code decision}, as part of the bulk use
     * {@code batch} ({@link ProcessingLog#useAll}).
     *
     * @param id the entry's id
     * @param subject whose data was used
     * @param decision the decision that allowed it
     * @param categories the data categories the use touched
     * @param use what was done
     * @param batch the bulk use's id
     * @param at when the use was checked and logged
     * @return the entry
     * @throws InvalidValueException when {@code batch} is null, the decision does not allow processing, or a value
     *     breaks a rule above
     */
    public static ProcessingEntry of(String id, SubjectId subject, Decision decision, Collection<CategoryId> categories,
            String use, String batch, Instant at) {
        return of(id, subject, decision, categories, use, Optional.of(Checks.required("batch", batch)), at);
    }

    private static ProcessingEntry of(String id, SubjectId subject, Decision decision,
            Collection<CategoryId> categories, String use, Optional<String> batch, Instant at) {
        Checks.required("subject", subject);
        Checks.required("decision", decision);
        Optional<EventRef> deciding = decision.decidingEvent();
        return new ProcessingEntry(id, subject.value(), false, decision.purpose(), Checks.sortedSet("categories",
                categories), use, batch, at, decision.basis(), decision.reason(), decision.policyVersion(),
                deciding.map(r -> OptionalLong.of(r.sequence())).orElse(OptionalLong.empty()),
                deciding.map(EventRef::subject).filter(s -> !s.equals(subject)));
    }

    /**
     * The subject, while the entry names it.
     *
     * @return the subject; empty once pseudonymised
     */
    public Optional<SubjectId> subject() {
        return pseudonymised ? Optional.empty() : Optional.of(SubjectId.of(subjectKey));
    }

    /**
     * The pseudonym the entry is kept under, once pseudonymised.
     *
     * @return the pseudonym; empty while the entry names its subject
     */
    public Optional<String> pseudonym() {
        return pseudonymised ? Optional.of(subjectKey) : Optional.empty();
    }

    /**
     * The consent event the decision rested on ({@link Decision#decidingEvent()}), while the entry names its subject.
     *
     * @return the event's chain and sequence; empty once pseudonymised or when no event decided
     */
    public Optional<EventRef> decidingEvent() {
        if (pseudonymised || decidingEventSequence.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new EventRef(decidingEventVisitor.orElseGet(() -> SubjectId.of(subjectKey)),
                decidingEventSequence.getAsLong()));
    }

    /**
     * This entry under {@code pseudonym}: the subject id and any linked visitor's id are gone, the rest is kept.
     *
     * @param pseudonym the subject's pseudonym ({@link ProcessingLog#pseudonymOf})
     * @return the pseudonymised copy
     * @throws InvalidValueException when {@code pseudonym} is not 64 lower-case hex digits
     */
    public ProcessingEntry pseudonymisedAs(String pseudonym) {
        return new ProcessingEntry(id, pseudonym, true, purpose, categories, use, batch, at, basis, reason,
                policyVersion, decidingEventSequence, Optional.empty());
    }

    /** No subject id: entries reach exception messages and logs only through this. */
    @Override
    public String toString() {
        return "processing entry " + id + " (" + purpose + " " + categories + " at " + at
                + (pseudonymised ? ", pseudonymised)" : ")");
    }
}

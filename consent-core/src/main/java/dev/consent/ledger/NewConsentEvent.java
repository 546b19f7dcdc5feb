package dev.consent.ledger;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A consent event before it joins its subject's chain: everything the event says, without its
 * sequence and hashes. Instants are truncated to microseconds, the precision every supported database
 * keeps, so that an event reads back exactly as it was hashed. Every instant must lie within
 * {@link LedgerInstants} (1970 to the end of 9999), which every store holds exactly.
 *
 * @param consentVersion the purpose's consent version the subject was shown
 * @param policyVersion the version of the policy in force when the choice was made
 * @param occurredAt when the subject made the choice (decides state; may be earlier than recordedAt)
 * @param recordedAt when the ledger learnt of it
 * @param expiresAt when a grant stops counting, if it has a lifetime
 * @param declaredAge the subject's age as declared or verified when choosing, if collected
 */
public record NewConsentEvent(EventId id, SubjectId subject, PurposeId purpose, int consentVersion,
        String policyVersion, Choice choice, Instant occurredAt, Instant recordedAt, Optional<Instant> expiresAt,
        Method method, Actor actor, OptionalInt declaredAge, Evidence evidence) {

    /**
     * Checks the event against the ledger's rules and truncates its instants to microseconds.
     *
     * @param id the event's id, unique in the ledger
     * @param subject whose choice it is
     * @param purpose the purpose chosen for ({@link AgeDeclaration}'s reserved ids for age declarations only,
     *        {@link SubjectLocation}'s for locations only)
     * @param consentVersion the purpose's consent version the subject was shown, 1 or more
     * @param policyVersion the version of the policy in force when the choice was made, at most 50 characters
     * @param choice what was chosen
     * @param occurredAt when the subject made the choice
     * @param recordedAt when the ledger learnt of it
     * @param expiresAt when a grant lapses: after occurred-at, and for a grant only
     * @param method how the choice was collected; {@link Method#GPC} records only refusals and overrides
     * @param actor who acted
     * @param declaredAge the declared age, 0 to 150; required of an age declaration
     * @param evidence how the choice was collected
     * @throws InvalidValueException naming the field and the rule it breaks
     */
    public NewConsentEvent {
        Checks.required("id", id);
        Checks.required("subject", subject);
        Checks.required("purpose", purpose);
        if (consentVersion < 1) {
            throw new InvalidValueException("consentVersion", consentVersion, "must be 1 or more");
        }
        Checks.text("policyVersion", policyVersion, 50);
        Checks.required("choice", choice);
        occurredAt = LedgerInstants.require("occurredAt", micros(Checks.required("occurredAt", occurredAt)));
        recordedAt = LedgerInstants.require("recordedAt", micros(Checks.required("recordedAt", recordedAt)));
        expiresAt = Checks.required("expiresAt", expiresAt).map(NewConsentEvent::micros);
        expiresAt.ifPresent(t -> LedgerInstants.require("expiresAt", t));
        Checks.required("method", method);
        Checks.required("actor", actor);
        Checks.required("declaredAge", declaredAge);
        if (declaredAge.isPresent() && (declaredAge.getAsInt() < 0 || declaredAge.getAsInt() > 150)) {
            throw new InvalidValueException("declaredAge", declaredAge.getAsInt(), "must be between 0 and 150");
        }
        Checks.required("evidence", evidence);
        if (expiresAt.isPresent() && !expiresAt.get().isAfter(occurredAt)) {
            throw new InvalidValueException("expiresAt", expiresAt.get(), "must be after occurredAt " + occurredAt);
        }
        if (expiresAt.isPresent() && choice != Choice.GRANTED) {
            throw new InvalidValueException("expiresAt", expiresAt.get(), "is only meaningful for a GRANTED event");
        }
        if (method == Method.GPC && choice != Choice.DENIED && choice != Choice.OBJECTED
                && choice != Choice.GPC_OVERRIDDEN) {
            throw new InvalidValueException("method", method,
                    "can only record DENIED, OBJECTED or GPC_OVERRIDDEN, not " + choice);
        }
        if (choice == Choice.GPC_OVERRIDDEN && method != Method.GPC) {
            // only a received signal can be overridden (Cal. Code Regs. tit. 11, § 7025(c)(3))
            throw new InvalidValueException("choice", choice, "can only be recorded with method GPC, not " + method);
        }
        if (choice == Choice.AGE_DECLARED) {
            // an age declaration concerns no purpose: its purpose id is the reserved one that carries its birth date
            AgeDeclaration.birthDateOf(purpose);
            if (declaredAge.isEmpty()) {
                throw new InvalidValueException("declaredAge", null, "is required of an AGE_DECLARED event");
            }
        } else if (AgeDeclaration.isReserved(purpose)) {
            throw new InvalidValueException("purpose", purpose, "is reserved for AGE_DECLARED events, not " + choice);
        }
        if (choice == Choice.LOCATION_RECORDED) {
            // a location concerns no purpose: its purpose id is the reserved one that carries the region and source
            SubjectLocation.of(purpose);
            if (method == Method.GPC || expiresAt.isPresent() || declaredAge.isPresent()) {
                throw new InvalidValueException(method == Method.GPC ? "method" : expiresAt.isPresent()
                        ? "expiresAt" : "declaredAge", method == Method.GPC ? method : expiresAt.isPresent()
                        ? expiresAt.get() : declaredAge.getAsInt(), "is not part of a LOCATION_RECORDED event");
            }
        } else if (SubjectLocation.isReserved(purpose)) {
            throw new InvalidValueException("purpose", purpose, "is reserved for LOCATION_RECORDED events, not "
                    + choice);
        }
    }

    static Instant micros(Instant t) {
        return t.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Whether the events say the same thing, ignoring when the ledger learnt of them: a redelivery of
     * {@code other} under its event id is then recorded once.
     *
     * @param other another event
     * @return true when every field but recorded-at and policy version is equal
     */
    public boolean sameChoiceAs(NewConsentEvent other) {
        return id.equals(other.id) && subject.equals(other.subject) && purpose.equals(other.purpose)
                && consentVersion == other.consentVersion && choice == other.choice
                && occurredAt.equals(other.occurredAt) && expiresAt.equals(other.expiresAt)
                && method == other.method && actor == other.actor && declaredAge.equals(other.declaredAge)
                && evidence.equals(other.evidence);
    }
}

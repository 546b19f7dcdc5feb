package dev.consent.ledger;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The part of a {@link ConsentEvent} that decisions read, and nothing else: whose choice it was and where it stands
 * in that subject's chain, for which purpose, what was chosen and when, until when, under which consent version,
 * when it was recorded, the declared age, and whether it came from Global Privacy Control or from a guardian.
 * Evidence, hashes, event id and policy version are left out; a decision never looks at them.
 *
 * <p>Recorded-at is here because a refusal recorded after a grant beats that grant whatever occurred-at the grant
 * claims (see {@code ConsentFold}); within one chain the sequence says which came first, across a customer's and
 * its linked visitors' chains recorded-at does.
 *
 * <p>Read through {@link dev.consent.store.ConsentStore#decisionFacts}; {@link #of(ConsentEvent)} derives one
 * from a full event.
 *
 * @param subject        the subject whose chain holds the event (a linked visitor's own id for its events)
 * @param sequence       the event's position in that chain, 1 to {@link ConsentEvent#MAX_SEQUENCE}
 * @param purpose        the purpose chosen for
 * @param choice         what was chosen
 * @param occurredAt     when the choice was made
 * @param recordedAt     when the ledger learnt of it
 * @param expiresAt      when a grant lapses, if it does
 * @param consentVersion the purpose's consent version the choice was made under, 1 or more
 * @param declaredAge    the age the subject declared, if any
 * @param gpc            whether the event's method is {@link Method#GPC}
 * @param guardian       whether the event's actor is {@link Actor#GUARDIAN}
 */
public record ChoiceFact(SubjectId subject, long sequence, PurposeId purpose, Choice choice, Instant occurredAt,
        Instant recordedAt, Optional<Instant> expiresAt, int consentVersion, OptionalInt declaredAge, boolean gpc,
        boolean guardian) {

    /**
     * Checks what a decision relies on.
     *
     * @param subject the subject whose chain holds the event
     * @param sequence the event's position in that chain
     * @param purpose the purpose chosen for
     * @param choice what was chosen
     * @param occurredAt when the choice was made
     * @param recordedAt when the ledger learnt of it
     * @param expiresAt when a grant lapses, if it does
     * @param consentVersion the consent version the choice was made under
     * @param declaredAge the age the subject declared, if any
     * @param gpc whether the event came from Global Privacy Control
     * @param guardian whether a guardian acted
     * @throws InvalidValueException naming the field that is null, a sequence outside 1 to
     *         {@link ConsentEvent#MAX_SEQUENCE}, or a consent version below 1
     */
    public ChoiceFact {
        Checks.required("subject", subject);
        ConsentEvent.checkSequence(sequence);
        Checks.required("purpose", purpose);
        Checks.required("choice", choice);
        Checks.required("occurredAt", occurredAt);
        Checks.required("recordedAt", recordedAt);
        Checks.required("expiresAt", expiresAt);
        if (consentVersion < 1) {
            throw new InvalidValueException("consentVersion", consentVersion, "must be 1 or more");
        }
        Checks.required("declaredAge", declaredAge);
    }

    /**
     * The decision facts of a full event.
     *
     * @param e a stored event
     * @return its facts, equal to what {@link dev.consent.store.ConsentStore#decisionFacts} reads for it
     */
    public static ChoiceFact of(ConsentEvent e) {
        return new ChoiceFact(e.subject(), e.sequence(), e.purpose(), e.choice(), e.occurredAt(), e.recordedAt(),
                e.expiresAt(), e.consentVersion(), e.declaredAge(), e.method() == Method.GPC, e.actor() == Actor.GUARDIAN);
    }

    /**
     * The event these facts were read from.
     *
     * @return its subject and sequence
     */
    public EventRef ref() {
        return new EventRef(subject, sequence);
    }
}

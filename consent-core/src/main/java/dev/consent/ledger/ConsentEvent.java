package dev.consent.ledger;

import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One entry of the append-only consent ledger: a grant, denial, withdrawal, objection or restriction,
 * with its evidence, its place in its subject's chain ({@code sequence}, 1-based, no gaps) and the
 * SHA-256 hash that links it to the previous event (see {@link ConsentChain}). Events are never
 * updated or deleted by normal operation; a later event supersedes an earlier one.
 *
 * <p>A chain holds at most {@link #MAX_SEQUENCE} events. Instants are not range-checked here, so that events
 * stored before {@link LedgerInstants} was enforced still read back; new events are ({@link NewConsentEvent}).
 */
public record ConsentEvent(EventId id, SubjectId subject, long sequence, PurposeId purpose, int consentVersion,
        String policyVersion, Choice choice, Instant occurredAt, Instant recordedAt, Optional<Instant> expiresAt,
        Method method, Actor actor, OptionalInt declaredAge, Evidence evidence, String previousHash, String hash) {

    /**
     * The most events one subject's chain holds: 2^40 - 1 (1,099,511,627,775), the sequence numbers the decision
     * cache packs into 40 bits. At one event per millisecond a chain would take 34 years to reach it.
     */
    public static final long MAX_SEQUENCE = (1L << 40) - 1;

    /**
     * Checks what reading the chain back relies on: the sequence, both hashes, and whole microseconds. Instants are
     * not range-checked (see above).
     *
     * @param id the event's id, unique in the ledger
     * @param subject whose chain holds it
     * @param sequence its position in that chain, 1 to {@link #MAX_SEQUENCE}
     * @param purpose the purpose chosen for
     * @param consentVersion the purpose's consent version the subject was shown
     * @param policyVersion the version of the policy in force when the choice was made
     * @param choice what was chosen
     * @param occurredAt when the choice was made
     * @param recordedAt when the ledger learnt of it
     * @param expiresAt when a grant lapses, if it does
     * @param method how the choice was collected
     * @param actor who acted
     * @param declaredAge the age the subject declared, if any
     * @param evidence how the choice was collected
     * @param previousHash the hash of the event before it ({@link ConsentChain#GENESIS} for the first), 64 lower-case
     *        hex digits
     * @param hash this event's hash over its content, sequence and {@code previousHash} ({@link ConsentChain#hash})
     * @throws InvalidValueException naming {@code sequence}, {@code previousHash}, {@code hash} or an instant that
     *         breaks its rule
     */
    public ConsentEvent {
        checkSequence(sequence);
        if (!Checks.isSha256Hex(previousHash)) {
            throw new InvalidValueException("previousHash", previousHash, "must be 64 lower-case hex digits");
        }
        if (!Checks.isSha256Hex(hash)) {
            throw new InvalidValueException("hash", hash, "must be 64 lower-case hex digits");
        }
        micros("occurredAt", occurredAt);
        micros("recordedAt", recordedAt);
        if (expiresAt != null) {
            expiresAt.ifPresent(t -> micros("expiresAt", t));
        }
    }

    /** A sequence number in 1..{@link #MAX_SEQUENCE}, or an {@link InvalidValueException} naming {@code sequence}. */
    static void checkSequence(long sequence) {
        if (sequence < 1 || sequence > MAX_SEQUENCE) {
            throw new InvalidValueException("sequence", sequence,
                    "must be between 1 and " + MAX_SEQUENCE + " (2^40 - 1), the most events one chain holds");
        }
    }

    /** Every database the ledger runs on keeps microseconds; a finer instant could not be read back as hashed. */
    private static void micros(String field, Instant t) {
        if (t != null && t.getNano() % 1000 != 0) {
            throw new InvalidValueException(field, t, "must be whole microseconds (the ledger keeps microseconds)");
        }
    }

    /**
     * Places {@code event} at {@code sequence} after {@code previousHash}, computing its hash.
     *
     * @param event the event to append
     * @param sequence its position, one after the chain's head
     * @param previousHash the head's hash
     * @return the chained event, which {@link ConsentChain#recompute(ConsentEvent)} confirms
     */
    public static ConsentEvent chain(NewConsentEvent event, long sequence, String previousHash) {
        NewConsentEvent e = event;
        String hash = ConsentChain.hash(e, sequence, previousHash);
        return new ConsentEvent(e.id(), e.subject(), sequence, e.purpose(), e.consentVersion(), e.policyVersion(),
                e.choice(), e.occurredAt(), e.recordedAt(), e.expiresAt(), e.method(), e.actor(), e.declaredAge(),
                e.evidence(), previousHash, hash);
    }

    /**
     * The event without its chain position, as it was recorded.
     *
     * @return what the event says, without sequence and hashes
     */
    public NewConsentEvent content() {
        return new NewConsentEvent(id, subject, purpose, consentVersion, policyVersion, choice, occurredAt, recordedAt,
                expiresAt, method, actor, declaredAge, evidence);
    }

    /**
     * The event's place in the ledger.
     *
     * @return its subject and sequence
     */
    public EventRef ref() {
        return new EventRef(subject, sequence);
    }
}

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
 */
public record ConsentEvent(EventId id, SubjectId subject, long sequence, PurposeId purpose, int consentVersion,
        String policyVersion, Choice choice, Instant occurredAt, Instant recordedAt, Optional<Instant> expiresAt,
        Method method, Actor actor, OptionalInt declaredAge, Evidence evidence, String previousHash, String hash) {

    public ConsentEvent {
        if (sequence < 1) {
            throw new InvalidValueException("sequence", sequence, "must be 1 or more");
        }
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

    /** Every database the ledger runs on keeps microseconds; a finer instant could not be read back as hashed. */
    private static void micros(String field, Instant t) {
        if (t != null && t.getNano() % 1000 != 0) {
            throw new InvalidValueException(field, t, "must be whole microseconds (the ledger keeps microseconds)");
        }
    }

    /** Places {@code event} at {@code sequence} after {@code previousHash}, computing its hash. */
    public static ConsentEvent chain(NewConsentEvent event, long sequence, String previousHash) {
        NewConsentEvent e = event;
        String hash = ConsentChain.hash(e, sequence, previousHash);
        return new ConsentEvent(e.id(), e.subject(), sequence, e.purpose(), e.consentVersion(), e.policyVersion(),
                e.choice(), e.occurredAt(), e.recordedAt(), e.expiresAt(), e.method(), e.actor(), e.declaredAge(),
                e.evidence(), previousHash, hash);
    }

    /** The event without its chain position, as it was recorded. */
    public NewConsentEvent content() {
        return new NewConsentEvent(id, subject, purpose, consentVersion, policyVersion, choice, occurredAt, recordedAt,
                expiresAt, method, actor, declaredAge, evidence);
    }

    public EventRef ref() {
        return new EventRef(subject, sequence);
    }
}

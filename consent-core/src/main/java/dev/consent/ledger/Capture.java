package dev.consent.ledger;

import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a choice was captured: method, actor, evidence and, when they differ from the defaults, when it
 * happened, the subject's declared age, the client's event id, the consent version shown and an
 * explicit expiry. Immutable; each {@code with...} method returns a copy.
 *
 * <p>Defaults: the subject acted, now, no evidence, a fresh random event id, the purpose's current
 * consent version, and the expiry given by the purpose's consent lifetime.
 */
public record Capture(Method method, Actor actor, Evidence evidence, Optional<Instant> occurredAt,
        OptionalInt declaredAge, Optional<EventId> eventId, OptionalInt consentVersion, Optional<Instant> expiresAt) {

    public Capture {
        Checks.required("method", method);
        Checks.required("actor", actor);
        Checks.required("evidence", evidence);
        Checks.required("occurredAt", occurredAt);
        Checks.required("declaredAge", declaredAge);
        Checks.required("eventId", eventId);
        Checks.required("consentVersion", consentVersion);
        Checks.required("expiresAt", expiresAt);
    }

    /** A choice the subject made now through {@code method}, with no evidence yet. */
    public static Capture by(Method method) {
        return new Capture(method, Actor.SUBJECT, Evidence.NONE, Optional.empty(), OptionalInt.empty(),
                Optional.empty(), OptionalInt.empty(), Optional.empty());
    }

    public Capture withActor(Actor actor) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, consentVersion, expiresAt);
    }

    public Capture withEvidence(Evidence evidence) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, consentVersion, expiresAt);
    }

    public Capture at(Instant when) {
        return new Capture(method, actor, evidence, Optional.of(when), declaredAge, eventId, consentVersion, expiresAt);
    }

    public Capture withDeclaredAge(int age) {
        return new Capture(method, actor, evidence, occurredAt, OptionalInt.of(age), eventId, consentVersion, expiresAt);
    }

    public Capture withEventId(EventId id) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, Optional.of(id), consentVersion, expiresAt);
    }

    public Capture withEventId(String id) {
        return withEventId(EventId.of(id));
    }

    public Capture withConsentVersion(int version) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, OptionalInt.of(version), expiresAt);
    }

    public Capture expiringAt(Instant expiry) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, consentVersion, Optional.of(expiry));
    }
}

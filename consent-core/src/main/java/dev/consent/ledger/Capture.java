package dev.consent.ledger;

import dev.consent.InvalidValueException;
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
 *
 * <p>An occurred-at and an expiry must lie within {@link LedgerInstants} (1970 to the end of 9999); a consent
 * version must be 1 or more. Whether they fit the purpose (the version is one the policy has, the occurred-at is
 * not later than the time of recording plus the service's tolerance) is checked when the choice is recorded.
 */
public record Capture(Method method, Actor actor, Evidence evidence, Optional<Instant> occurredAt,
        OptionalInt declaredAge, Optional<EventId> eventId, OptionalInt consentVersion, Optional<Instant> expiresAt) {

    /**
     * Checks that nothing is null (absent values are empty optionals) and that the instants and version are in range.
     *
     * @param method how the choice was collected
     * @param actor who acted: the subject, or someone for them
     * @param evidence how the choice was collected, {@link Evidence#NONE} for nothing
     * @param occurredAt when the choice was made; empty for the time of recording
     * @param declaredAge the age the subject declared, if any
     * @param eventId the client's own event id; empty for a fresh random one
     * @param consentVersion the consent version shown; empty for the purpose's current one
     * @param expiresAt when a grant lapses; empty for the purpose's consent lifetime
     * @throws InvalidValueException naming the field when one is null, an instant lies outside {@link LedgerInstants},
     *         or the consent version is below 1
     */
    public Capture {
        Checks.required("method", method);
        Checks.required("actor", actor);
        Checks.required("evidence", evidence);
        Checks.required("occurredAt", occurredAt);
        occurredAt.ifPresent(t -> LedgerInstants.require("occurredAt", t));
        Checks.required("declaredAge", declaredAge);
        Checks.required("eventId", eventId);
        Checks.required("consentVersion", consentVersion);
        if (consentVersion.isPresent() && consentVersion.getAsInt() < 1) {
            throw new InvalidValueException("consentVersion", consentVersion.getAsInt(), "must be 1 or more");
        }
        Checks.required("expiresAt", expiresAt);
        expiresAt.ifPresent(t -> LedgerInstants.require("expiresAt", t));
    }

    /**
     * A choice the subject made now through {@code method}, with no evidence yet.
     *
     * @param method how the choice was collected
     * @return the capture with every other field at its default
     * @throws InvalidValueException when {@code method} is null
     */
    public static Capture by(Method method) {
        return new Capture(method, Actor.SUBJECT, Evidence.NONE, Optional.empty(), OptionalInt.empty(),
                Optional.empty(), OptionalInt.empty(), Optional.empty());
    }

    /**
     * This capture, made by {@code actor} instead of the subject.
     *
     * @param actor who acted
     * @return the copy
     * @throws InvalidValueException when {@code actor} is null
     */
    public Capture withActor(Actor actor) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, consentVersion, expiresAt);
    }

    /**
     * This capture, with {@code evidence} of how the choice was collected.
     *
     * @param evidence the evidence ({@link Evidence#NONE} for none)
     * @return the copy
     * @throws InvalidValueException when {@code evidence} is null
     */
    public Capture withEvidence(Evidence evidence) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, consentVersion, expiresAt);
    }

    /**
     * This capture, made at {@code when}.
     *
     * @param when when the subject made the choice
     * @return the copy
     * @throws dev.consent.InvalidValueException when {@code when} is null or outside {@link LedgerInstants}
     */
    public Capture at(Instant when) {
        return new Capture(method, actor, evidence, Optional.of(Checks.required("occurredAt", when)), declaredAge,
                eventId, consentVersion, expiresAt);
    }

    /**
     * This capture, with the age the subject declared, which is weighed against the policy's age of consent.
     *
     * @param age the declared age in years
     * @return the copy
     */
    public Capture withDeclaredAge(int age) {
        return new Capture(method, actor, evidence, occurredAt, OptionalInt.of(age), eventId, consentVersion, expiresAt);
    }

    /**
     * This capture, under the client's own event id: recording it again returns the stored event.
     *
     * @param id the client's id of this choice
     * @return the copy
     * @throws InvalidValueException when {@code id} is null
     */
    public Capture withEventId(EventId id) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, Optional.of(Checks.required("eventId", id)),
                consentVersion, expiresAt);
    }

    /**
     * This capture, under the client's own event id: recording it again returns the stored event.
     *
     * @param id the client's id of this choice, checked as {@link EventId#of(String)} checks it
     * @return the copy
     */
    public Capture withEventId(String id) {
        return withEventId(EventId.of(id));
    }

    /**
     * This capture, under consent version {@code version} of the purpose (the version of the notice the subject saw).
     * When recorded it must be one the purpose has had: between 1 and its current version in the policy in force at
     * occurred-at.
     *
     * @param version the consent version shown
     * @return the copy
     * @throws dev.consent.InvalidValueException when {@code version} is below 1
     */
    public Capture withConsentVersion(int version) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, OptionalInt.of(version), expiresAt);
    }

    /**
     * This capture, lapsing at {@code expiry} (a grant only).
     *
     * @param expiry when the grant lapses
     * @return the copy
     * @throws dev.consent.InvalidValueException when {@code expiry} is null or outside {@link LedgerInstants}
     */
    public Capture expiringAt(Instant expiry) {
        return new Capture(method, actor, evidence, occurredAt, declaredAge, eventId, consentVersion,
                Optional.of(Checks.required("expiresAt", expiry)));
    }
}

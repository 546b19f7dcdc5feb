package dev.consent.ledger;

import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.Optional;

/**
 * A Global Privacy Control signal as received ({@code Sec-GPC: 1}): the request's evidence, when it was received
 * (the time of recording unless given) and, for a client that redelivers, the event id the signal is recorded under.
 * What a capture says besides (method, actor, consent version, age, expiry) does not apply to a signal: it is always
 * recorded with {@link Method#GPC} by {@link Actor#SYSTEM}. Immutable; each {@code with...} method returns a copy.
 *
 * <p>A received-at must lie within {@link LedgerInstants}.
 */
public record GpcSignal(Evidence evidence, Optional<Instant> receivedAt, Optional<EventId> eventId) {

    /**
     * Checks that nothing is null (absent values are empty optionals) and that a received-at is in range.
     *
     * @param evidence the request's evidence, {@link Evidence#NONE} for none
     * @param receivedAt when the signal was received; empty for the time of recording
     * @param eventId the event id to derive the recorded events' ids from; empty for fresh random ones
     * @throws dev.consent.InvalidValueException naming the field that is null, or {@code receivedAt} when it lies
     *         outside {@link LedgerInstants}
     */
    public GpcSignal {
        Checks.required("evidence", evidence);
        Checks.required("receivedAt", receivedAt);
        receivedAt.ifPresent(t -> LedgerInstants.require("receivedAt", t));
        Checks.required("eventId", eventId);
    }

    /**
     * A signal received now, with no evidence.
     *
     * @return the signal
     */
    public static GpcSignal received() {
        return new GpcSignal(Evidence.NONE, Optional.empty(), Optional.empty());
    }

    /**
     * This signal, received at {@code when}.
     *
     * @param when when the request carrying the signal was received
     * @return the copy
     * @throws dev.consent.InvalidValueException when {@code when} is null or outside {@link LedgerInstants}
     */
    public GpcSignal at(Instant when) {
        return new GpcSignal(evidence, Optional.of(Checks.required("receivedAt", when)), eventId);
    }

    /**
     * This signal, with the request's evidence (its IP address is minimised before it is stored).
     *
     * @param evidence the request's evidence
     * @return the copy
     * @throws dev.consent.InvalidValueException when {@code evidence} is null
     */
    public GpcSignal withEvidence(Evidence evidence) {
        return new GpcSignal(evidence, receivedAt, eventId);
    }

    /**
     * This signal, recorded under event ids derived from {@code id} (one per purpose it applies to), so that a
     * redelivery is recognised.
     *
     * @param id the client's id of the request
     * @return the copy
     * @throws dev.consent.InvalidValueException when {@code id} is null
     */
    public GpcSignal withEventId(EventId id) {
        return new GpcSignal(evidence, receivedAt, Optional.of(Checks.required("eventId", id)));
    }

    /**
     * This signal, recorded under event ids derived from {@code id}, as {@link #withEventId(EventId)}.
     *
     * @param id the client's id of the request, checked as {@link EventId#of(String)} checks it
     * @return the copy
     */
    public GpcSignal withEventId(String id) {
        return withEventId(EventId.of(id));
    }

    /**
     * The capture the signal is recorded with.
     *
     * @return a capture by {@link Method#GPC} and {@link Actor#SYSTEM} with this signal's evidence, received-at and
     *         event id, nothing else
     */
    public Capture capture() {
        Capture c = Capture.by(Method.GPC).withActor(Actor.SYSTEM).withEvidence(evidence);
        c = receivedAt.map(c::at).orElse(c);
        return eventId.map(c::withEventId).orElse(c);
    }
}

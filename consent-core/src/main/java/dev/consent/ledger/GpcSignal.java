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

    public GpcSignal {
        Checks.required("evidence", evidence);
        Checks.required("receivedAt", receivedAt);
        receivedAt.ifPresent(t -> LedgerInstants.require("receivedAt", t));
        Checks.required("eventId", eventId);
    }

    /** A signal received now, with no evidence. */
    public static GpcSignal received() {
        return new GpcSignal(Evidence.NONE, Optional.empty(), Optional.empty());
    }

    /**
     * This signal, received at {@code when}.
     *
     * @throws dev.consent.InvalidValueException when {@code when} is null or outside {@link LedgerInstants}
     */
    public GpcSignal at(Instant when) {
        return new GpcSignal(evidence, Optional.of(Checks.required("receivedAt", when)), eventId);
    }

    /** This signal, with the request's evidence (its IP address is minimised before it is stored). */
    public GpcSignal withEvidence(Evidence evidence) {
        return new GpcSignal(evidence, receivedAt, eventId);
    }

    /**
     * This signal, recorded under event ids derived from {@code id} (one per purpose it applies to), so that a
     * redelivery is recognised.
     */
    public GpcSignal withEventId(EventId id) {
        return new GpcSignal(evidence, receivedAt, Optional.of(Checks.required("eventId", id)));
    }

    public GpcSignal withEventId(String id) {
        return withEventId(EventId.of(id));
    }

    /** The capture the signal is recorded with. */
    public Capture capture() {
        Capture c = Capture.by(Method.GPC).withActor(Actor.SYSTEM).withEvidence(evidence);
        c = receivedAt.map(c::at).orElse(c);
        return eventId.map(c::withEventId).orElse(c);
    }
}

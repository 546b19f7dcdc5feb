package dev.consent.email;

import dev.consent.ledger.ConsentEvent;

import java.util.Optional;

/**
 * What {@link DoubleOptIn#confirm} did with a confirmation token. Only {@link Status#CONFIRMED} wrote an event; every
 * other status wrote nothing.
 *
 * @param status what happened
 * @param event  the confirmation event (written now, or already on record), when there is one
 * @param detail why, in words fit for a log (never the token, never a secret)
 */
public record Confirmation(Status status, Optional<ConsentEvent> event, String detail) {
    /** The outcomes of a confirmation. */
    public enum Status {
        /** The grant is confirmed now: a {@code CONFIRMED} event was recorded. */
        CONFIRMED,
        /** The token was used before: the confirmation is on record, nothing was written (single use). */
        ALREADY_CONFIRMED,
        /** The confirmation window ran out: the grant counts as never given (NO_RECORD); nothing was written. */
        EXPIRED,
        /** A later choice (a withdrawal, a new grant) decides the purpose now: the old request is not confirmed. */
        SUPERSEDED,
        /** The token is forged, altered, of another kind, under an unknown or retired key, or names no pending grant. */
        REFUSED
    }

    /**
     * @param status what happened
     * @param event the confirmation event, when there is one
     * @param detail why, fit for a log
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public Confirmation {
        dev.consent.internal.Checks.required("status", status);
        dev.consent.internal.Checks.required("event", event);
        dev.consent.internal.Checks.required("detail", detail);
    }

    /**
     * Whether the grant is confirmed, now or before.
     *
     * @return true for {@link Status#CONFIRMED} and {@link Status#ALREADY_CONFIRMED}
     */
    public boolean confirmed() {
        return status == Status.CONFIRMED || status == Status.ALREADY_CONFIRMED;
    }
}

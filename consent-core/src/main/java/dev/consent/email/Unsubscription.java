package dev.consent.email;

import dev.consent.ledger.ConsentEvent;

import java.util.Optional;

/**
 * What {@link OneClickUnsubscribe#handle} did with an unsubscribe token. Only {@link Status#UNSUBSCRIBED} wrote an
 * event. An HTTP endpoint answers 200 to every status but {@link Status#REFUSED} (RFC 8058 leaves the response to the
 * sender; a mail provider only needs to know the request was taken), and 400 to that one.
 *
 * @param status what happened
 * @param event  the withdrawal recorded now, when there is one
 * @param detail why, in words fit for a log (never the token, never a secret)
 */
public record Unsubscription(Status status, Optional<ConsentEvent> event, String detail) {
    /** The outcomes of an unsubscribe request. */
    public enum Status {
        /** A withdrawal with method {@code UNSUBSCRIBE_LINK} was recorded now. */
        UNSUBSCRIBED,
        /** The purpose is already withdrawn or denied (a replay, or an earlier choice): nothing was written. */
        ALREADY_UNSUBSCRIBED,
        /** The subject was erased: answered as done, and nothing was written, so no data is re-created. */
        SUBJECT_ERASED,
        /** The token is forged, altered, of another kind, under an unknown or retired key, or for an unknown purpose. */
        REFUSED
    }

    /**
     * @param status what happened
     * @param event the withdrawal recorded now, when there is one
     * @param detail why, fit for a log
     * @throws dev.consent.InvalidValueException when a component is null
     */
    public Unsubscription {
        dev.consent.internal.Checks.required("status", status);
        dev.consent.internal.Checks.required("event", event);
        dev.consent.internal.Checks.required("detail", detail);
    }

    /**
     * Whether the subject is unsubscribed (or, erased, never to be mailed again) after this request.
     *
     * @return false only for {@link Status#REFUSED}
     */
    public boolean done() {
        return status != Status.REFUSED;
    }
}

package dev.consent.recipients;

import dev.consent.internal.Checks;
import dev.consent.rights.RightsRequest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How a delivery enters a rights request's history: one more step, at the delivery's instant, by
 * {@value #ACTOR}, keeping the request's status. For stores implementing
 * {@link dev.consent.store.OutboxStore#finishNotice}; one place, so every store writes the same step.
 */
public final class DeliveryHistory {
    /** The actor of every delivery step. */
    public static final String ACTOR = "recipient-outbox";

    private DeliveryHistory() {
    }

    /**
     * The request with a step "{@code note}" at {@code at} appended and its version one higher: as the store keeps it
     * once it writes the step over the version it read (the store writes this itself, inside
     * {@link dev.consent.store.OutboxStore#finishNotice}). The status stays what it is: telling a recipient is part of carrying the request
     * out (GDPR Art. 19), not a move along its lifecycle.
     *
     * @param r the request as the store read it
     * @param at the instant of the delivery
     * @param note what the step says, at most 1000 characters ({@link #note})
     * @return the request with the step appended, one version higher
     * @throws dev.consent.InvalidValueException naming {@code request}, {@code at} or {@code note} when one is
     *         missing or the note breaks its rule
     */
    public static RightsRequest withDelivery(RightsRequest r, Instant at, String note) {
        Checks.required("request", r);
        Checks.required("at", at);
        Checks.text("note", note, 1000);
        List<RightsRequest.Transition> history = new ArrayList<>(r.history());
        history.add(new RightsRequest.Transition(r.status(), at, ACTOR, note));
        return new RightsRequest(r.id(), r.subject(), r.type(), r.status(), r.receivedAt(), r.verifiedAt(),
                r.deadline(), r.acknowledgeBy(), r.extensionNotice(), r.outcome(), history, r.version() + 1);
    }

    /**
     * The words of a delivery step: "told PayCo Europe at 2025-03-06T09:00:00Z: ERASURE of transaction.record
     * (orders)". Names the recipient and what it was told, never the subject.
     *
     * @param notice the notice delivered
     * @param at the instant of the delivery
     * @return the note, cut to at most 1000 characters
     */
    public static String note(RecipientNotice notice, Instant at) {
        String text = "told " + notice.recipientName() + " at " + at + ": " + notice.describe();
        return text.length() <= 1000 ? text : text.substring(0, 997) + "...";
    }
}

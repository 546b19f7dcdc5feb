package dev.consent.recipients;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;

import java.time.Instant;
import java.util.Optional;
import java.util.SortedSet;

/**
 * One entry of the delivery audit: an attempt to tell a recipient. Holds no personal data: the notice is named by its
 * id (a SHA-256 digest), never by the subject, and a failure by the exception's class name only (a notifier's
 * message may quote an email address). What the recipient was told is kept (action, purposes, categories), so the
 * audit alone shows that each recipient was told what GDPR Art. 19 requires.
 *
 * @param sequence position in the audit, assigned by the store (0 before it is stored)
 */
public record DeliveryRecord(long sequence, Instant at, String noticeId, String recipientId, NoticeAction action,
        SortedSet<PurposeId> purposes, SortedSet<CategoryId> categories, Outcome outcome, int attempt, String node,
        Optional<String> failure) {

    /** What came of one attempt. */
    public enum Outcome {
        /** The notifier returned: the recipient was told. */
        DELIVERED,
        /** The notifier threw; the notice is tried again after a backoff. */
        FAILED
    }

    /**
     * Checks an audit entry; a failure is given exactly when the outcome is {@link Outcome#FAILED}.
     *
     * @param sequence position in the audit, 0 or more
     * @param at when the attempt ended
     * @param noticeId the notice's id, 64 hex digits
     * @param recipientId the recipient's id in the policy
     * @param action what the recipient was asked to do
     * @param purposes the purposes the notice concerns
     * @param categories the data categories the notice concerns
     * @param outcome what came of the attempt
     * @param attempt which attempt at this notice it was, 1 or more
     * @param node the node that made it, at most 100 characters
     * @param failure the exception's class name for a failed attempt, at most 200 characters
     * @throws InvalidValueException (field {@code delivery.<name>}) naming the first field that breaks its rule
     */
    public DeliveryRecord {
        if (sequence < 0) {
            throw new InvalidValueException("delivery.sequence", sequence, "must be 0 or more");
        }
        Checks.required("delivery.at", at);
        if (!Checks.isSha256Hex(noticeId)) {
            throw new InvalidValueException("delivery.noticeId", noticeId, "must be a notice id (64 hex digits)");
        }
        Checks.dottedId("delivery.recipientId", recipientId, 100);
        Checks.required("delivery.action", action);
        purposes = Checks.sortedSet("delivery.purposes", purposes);
        categories = Checks.sortedSet("delivery.categories", categories);
        Checks.required("delivery.outcome", outcome);
        if (attempt < 1) {
            throw new InvalidValueException("delivery.attempt", attempt, "must be 1 or more");
        }
        Checks.text("delivery.node", node, 100);
        Checks.required("delivery.failure", failure).ifPresent(f -> Checks.text("delivery.failure", f, 200));
        if ((outcome == Outcome.FAILED) != failure.isPresent()) {
            throw new InvalidValueException("delivery.failure", failure.orElse(null),
                    "is given exactly when the outcome is FAILED");
        }
    }

    /**
     * This entry at its position in the audit, as the store assigns it.
     *
     * @param s the position, 0 or more
     * @return the copy
     */
    public DeliveryRecord withSequence(long s) {
        return new DeliveryRecord(s, at, noticeId, recipientId, action, purposes, categories, outcome, attempt, node,
                failure);
    }
}

package dev.consent.recipients;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.policy.Recipient;

import java.time.Instant;
import java.util.Optional;
import java.util.SortedSet;

/**
 * What a {@link RecipientNotifier} is asked to pass on: tell {@code recipientId} that {@code action} was carried out
 * for the subject's data of {@code categories}, held for {@code purposes}. The minimum a recipient needs to act and
 * no more: the subject id (which the host resolves to whatever the recipient knows the person by), never the data
 * itself, the rectified values or the reasons of a request.
 *
 * @param idempotencyKey the same for every attempt at the same notice; a recipient API that accepts one should get it,
 *                       since a notice can be delivered more than once
 * @param attempt        this attempt's number, from 1
 */
public record RecipientNotification(String idempotencyKey, String recipientId, String recipientName,
        Recipient.Role role, NoticeAction action, SubjectId subject, SortedSet<PurposeId> purposes,
        SortedSet<CategoryId> categories, Optional<String> requestId, Instant occurredAt, int attempt) {

    /**
     * Checks what the notifier relies on: the idempotency key and the subject.
     *
     * @param idempotencyKey the notice's id, at most 64 characters
     * @param recipientId the recipient's id in the policy
     * @param recipientName the recipient's name as the policy gives it
     * @param role the recipient's role
     * @param action what was carried out
     * @param subject whose data it concerns
     * @param purposes the purposes the data was held for
     * @param categories the data categories
     * @param requestId the rights request that caused it, if any
     * @param occurredAt when the change was made
     * @param attempt this attempt's number, from 1
     * @throws dev.consent.InvalidValueException (field {@code notification.<name>}) when the key or the subject is
     *         missing or the key breaks its rule
     */
    public RecipientNotification {
        Checks.text("notification.idempotencyKey", idempotencyKey, 64);
        Checks.required("notification.subject", subject);
    }

    static RecipientNotification of(RecipientNotice n, int attempt) {
        return new RecipientNotification(n.id(), n.recipientId(), n.recipientName(), n.role(), n.action(), n.subject(),
                n.purposes(), n.categories(), n.requestId(), n.occurredAt(), attempt);
    }

    @Override
    public String toString() {
        return "RecipientNotification[" + idempotencyKey + ", " + recipientId + ", " + action + ", attempt " + attempt
                + "]";
    }
}

package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.recipients.DeliveryRecord;

import java.time.Instant;
import java.util.Optional;

/**
 * A finished delivery attempt, as {@link dev.consent.store.OutboxStore#finishNotice} records it: the claim it was made
 * under, its audit entry, when to try again if it failed, and for a delivery of a notice caused by a rights request
 * the line its history gains ("told PayCo Europe at ...").
 */
public record NoticeFinish(NoticeClaim claim, DeliveryRecord audit, Optional<Instant> retryAt,
        Optional<String> historyNote) {

    /**
     * @param claim the claim the attempt was made under
     * @param audit the delivery audit entry, for the claimed notice
     * @param retryAt for a failure, when the notice is due again; empty for a delivery
     * @param historyNote for a delivery, the step appended to the history of the rights request the notice names
     * @throws InvalidValueException when a component is null, the audit names another notice, {@code retryAt} is given
     *     for a delivery or missing for a failure, or a note is given for a failure
     */
    public NoticeFinish {
        Checks.required("finish.claim", claim);
        Checks.required("finish.audit", audit);
        Checks.required("finish.retryAt", retryAt);
        Checks.required("finish.historyNote", historyNote).ifPresent(n -> Checks.text("finish.historyNote", n, 1000));
        if (!audit.noticeId().equals(claim.entry().notice().id())) {
            throw new InvalidValueException("finish.audit.noticeId", audit.noticeId(),
                    "must be the claimed notice's id " + claim.entry().notice().id());
        }
        boolean delivered = audit.outcome() == DeliveryRecord.Outcome.DELIVERED;
        if (delivered == retryAt.isPresent()) {
            throw new InvalidValueException("finish.retryAt", retryAt.orElse(null),
                    "is given exactly when the attempt failed");
        }
        if (!delivered && historyNote.isPresent()) {
            throw new InvalidValueException("finish.historyNote", historyNote.get(),
                    "is only written for a delivery: a request's history lists whom it told");
        }
    }
}

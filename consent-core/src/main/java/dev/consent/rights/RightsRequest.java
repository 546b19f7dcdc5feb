package dev.consent.rights;

import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One data-subject request and its whole history. Immutable; {@link RightsService} moves it along the legal
 * transitions of {@link RequestStatus} and stores each new version (optimistic {@code version}).
 *
 * @param deadline the answer deadline in force (extended when the request was extended); empty while the clock
 *     has not started (a term counted from identity verification, before verification)
 * @param acknowledgeBy when receipt must be confirmed, where the policy asks for it
 * @param extensionNotice when the subject was told of the extension and why
 * @param outcome the answer: what was done, or why it was refused and what is offered instead
 */
public record RightsRequest(String id, SubjectId subject, RequestType type, RequestStatus status, Instant receivedAt,
        Optional<Instant> verifiedAt, Optional<Deadline> deadline, Optional<Deadline> acknowledgeBy,
        Optional<Extension> extensionNotice, Optional<String> outcome, List<Transition> history, long version) {

    /** One step of the request's history. */
    public record Transition(RequestStatus to, Instant at, String actor, String note) {
    }

    /** An extension: the reason, and the date the subject was told. */
    public record Extension(String reason, Instant subjectToldAt) {
    }

    public RightsRequest {
        Checks.text("request.id", id, 100);
        Checks.required("request.subject", subject);
        Checks.required("request.type", type);
        Checks.required("request.status", status);
        Checks.required("request.receivedAt", receivedAt);
        Checks.required("request.verifiedAt", verifiedAt);
        Checks.required("request.deadline", deadline);
        Checks.required("request.acknowledgeBy", acknowledgeBy);
        Checks.required("request.extensionNotice", extensionNotice);
        Checks.required("request.outcome", outcome);
        history = List.copyOf(history);
    }

    /** Whether the answer deadline has passed at {@code at} while the request is still open. */
    public boolean overdueAt(Instant at) {
        return status.isOpen() && deadline.map(d -> d.passedAt(at)).orElse(false);
    }
}

package dev.consent.rights;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.ledger.SubjectId;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One data-subject request and its whole history. Immutable; {@link RightsService} moves it along the legal
 * transitions of {@link RequestStatus} and stores each new version. {@code version} is the version the request was
 * read at: 0 for a request never stored, and one more with every save (optimistic concurrency between nodes;
 * {@link dev.consent.store.RightsStore#saveRequest}).
 *
 * @param deadline the answer deadline in force (extended when the request was extended); empty while the clock
 *     has not started (a term counted from identity verification, before verification)
 * @param acknowledgeBy when receipt must be confirmed, where the policy asks for it
 * @param extensionNotice the extension, if any: why, when the subject was told, when it was recorded, and the
 *     deadline it replaced
 * @param outcome the answer: what was done, or why it was refused and what is offered instead
 */
public record RightsRequest(String id, SubjectId subject, RequestType type, RequestStatus status, Instant receivedAt,
        Optional<Instant> verifiedAt, Optional<Deadline> deadline, Optional<Deadline> acknowledgeBy,
        Optional<Extension> extensionNotice, Optional<String> outcome, List<Transition> history, long version) {

    /** One step of the request's history. */
    public record Transition(RequestStatus to, Instant at, String actor, String note) {
    }

    /**
     * An extension of the deadline and how it was made.
     *
     * <p>GDPR Art. 12(3) (and CCPA, Cal. Civ. Code § 1798.130(a)(2); seed 003: "we will inform you in advance")
     * lets the deadline be extended only if the subject is told, with the reasons, within the original period. What
     * counts is when the subject was told, which the caller states ({@code subjectToldAt}, always before the original
     * deadline); when that was entered here is kept beside it ({@code recordedAt}, from the service's clock). An
     * extension entered after the original deadline had passed is {@link #late() late}: the notice date is then
     * only the caller's word, given after the fact, so the request stays on the overdue report until it is answered
     * ({@link RightsRequest#overdueAt}), and its history and the subject's export say so.
     *
     * @param reason why the deadline was extended, as told to the subject
     * @param subjectToldAt when the subject was told (the notice date); before {@code original.dueBefore()}
     * @param recordedAt when the extension was recorded; not before {@code subjectToldAt}
     * @param original the deadline the extension replaced
     */
    public record Extension(String reason, Instant subjectToldAt, Instant recordedAt, Deadline original) {
        /**
         * Checks that the subject was told within the original period, and not after the extension was recorded.
         *
         * @param reason why the deadline was extended, at most 1000 characters
         * @param subjectToldAt when the subject was told
         * @param recordedAt when the extension was recorded
         * @param original the deadline the extension replaced
         * @throws InvalidValueException (field {@code extension.<name>}) naming the field that breaks its rule
         */
        public Extension {
            Checks.text("extension.reason", reason, 1000);
            Checks.required("extension.subjectToldAt", subjectToldAt);
            Checks.required("extension.recordedAt", recordedAt);
            Checks.required("extension.original", original);
            if (!subjectToldAt.isBefore(original.dueBefore())) {
                throw new InvalidValueException("extension.subjectToldAt", subjectToldAt, "must be before the original"
                        + " deadline " + original.dueBefore() + ": an extension is told within the original period"
                        + " (GDPR Art. 12(3))");
            }
            if (subjectToldAt.isAfter(recordedAt)) {
                throw new InvalidValueException("extension.subjectToldAt", subjectToldAt,
                        "must not be after the extension was recorded (" + recordedAt + ")");
            }
        }

        /**
         * Whether the extension was recorded only after the original deadline had passed.
         *
         * @return true when {@code recordedAt} is at or after the original deadline
         */
        public boolean late() {
            return original.passedAt(recordedAt);
        }
    }

    /**
     * Checks that every field is present (absent values are empty optionals) and copies the history.
     *
     * @param id the request's id, at most 100 characters
     * @param subject whose request it is
     * @param type what the subject asks for
     * @param status where it stands
     * @param receivedAt when it was received
     * @param verifiedAt when the requester's identity was verified
     * @param deadline the answer deadline in force
     * @param acknowledgeBy when receipt must be confirmed
     * @param extensionNotice the extension, if any
     * @param outcome the answer
     * @param history every step so far, oldest first
     * @param version the version the request was read at, 0 or more
     * @throws InvalidValueException (field {@code request.<name>}) naming the field that breaks its rule
     */
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
        if (version < 0) {
            throw new InvalidValueException("request.version", version, "must be 0 (never stored) or more");
        }
    }

    /**
     * This request as the store keeps it once saved over {@link #version()}.
     *
     * @return the copy, its version one higher
     */
    public RightsRequest nextVersion() {
        return new RightsRequest(id, subject, type, status, receivedAt, verifiedAt, deadline, acknowledgeBy,
                extensionNotice, outcome, history, version + 1);
    }

    /**
     * Whether the request is overdue at {@code at}: still open, and its deadline in force has passed, or it was
     * extended {@link Extension#late() late} and its original deadline has passed. A late extension does not take a
     * request off the overdue report: the request was overdue when the extension was entered, and only the caller's
     * word says the subject was told in time (GDPR Art. 12(3); Art. 5(2), the controller demonstrates compliance).
     *
     * @param at the instant asked about
     * @return true when the request is overdue then; never for a closed request
     */
    public boolean overdueAt(Instant at) {
        if (!status.isOpen()) {
            return false;
        }
        return deadline.map(d -> d.passedAt(at)).orElse(false)
                || extensionNotice.filter(Extension::late).map(e -> e.original().passedAt(at)).orElse(false);
    }

    /**
     * Whether the request was extended after its original deadline had passed ({@link Extension#late()}).
     *
     * @return true for a late extension; false without one
     */
    public boolean extendedLate() {
        return extensionNotice.map(Extension::late).orElse(false);
    }
}

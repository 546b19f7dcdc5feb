package dev.consent.retention;

import java.time.Instant;
import java.util.Optional;

/**
 * One entry of the disposal audit. Holds no personal data: the item is named by its keyed pseudonymous
 * {@link ReferenceKey#itemReference reference} ({@code <key id>:<HMAC-SHA256>}, also the start of the idempotency
 * key), which only the holder of the host's secret can match to an item ({@link RetentionService#refersTo}); failures
 * are named by the exception's class name only (host messages may quote personal data).
 *
 * @param sequence position in the audit, assigned by the store (0 before it is stored)
 * @param dueAt the instant the item fell due; the handler disposes of data collected up to it
 * @param anchorAt the anchor instant of the deciding rule, when a rule decided
 */
public record DisposalRecord(long sequence, Instant at, String itemReference, String category, String purpose,
        String ruleId, String policyVersion, Optional<Anchor> anchor, Optional<Instant> anchorAt, Instant dueAt,
        DisposalAction action, Outcome outcome, int attempt, String idempotencyKey, String node,
        Optional<String> failure) {

    /** What came of one disposal attempt. */
    public enum Outcome {
        /** The host's handler disposed of the item. */
        DISPOSED,
        /** The handler threw; the item will be retried after a backoff. */
        FAILED,
        /** A legal hold was found when re-checked just before disposal; nothing was disposed. */
        SKIPPED_HELD,
        /** The item was no longer due when re-checked (an anchor moved); nothing was disposed. */
        SKIPPED_NOT_DUE,
        /** No handler is registered for the category; nothing was disposed (fail closed). */
        NO_HANDLER
    }

    /**
     * The same entry at another audit position: the store assigns it when it appends the entry.
     *
     * @param s the position
     * @return a copy with {@code sequence} set to {@code s}
     */
    public DisposalRecord withSequence(long s) {
        return new DisposalRecord(s, at, itemReference, category, purpose, ruleId, policyVersion, anchor, anchorAt,
                dueAt, action, outcome, attempt, idempotencyKey, node, failure);
    }
}

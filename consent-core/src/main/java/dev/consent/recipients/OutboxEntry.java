package dev.consent.recipients;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;

import java.time.Instant;
import java.util.Optional;

/**
 * A {@link RecipientNotice} as the outbox holds it now: waiting to be delivered (due at {@code nextAttemptAt}, after
 * {@code attempts} failed ones) or delivered at {@code deliveredAt}. Delivered entries are kept: they are the proof
 * that the recipient was told (GDPR Art. 5(2), accountability).
 *
 * @param lastFailure the exception class of the latest failed attempt, never its message (which may quote personal
 *                    data)
 */
public record OutboxEntry(RecipientNotice notice, State state, int attempts, Optional<Instant> nextAttemptAt,
        Optional<Instant> deliveredAt, Optional<String> lastFailure) {

    /** Where a notice stands. */
    public enum State {
        /** Not yet delivered: claimable from {@code nextAttemptAt}. */
        PENDING,
        /** The notifier accepted it; never delivered again unless a dispatcher lost its claim first. */
        DELIVERED
    }

    /**
     * Checks that the entry is consistent: a pending entry has a next attempt and no delivery, a delivered one the
     * reverse.
     *
     * @param notice the notice
     * @param state where it stands
     * @param attempts how many attempts failed so far, 0 or more
     * @param nextAttemptAt when a pending entry is due
     * @param deliveredAt when a delivered entry was delivered
     * @param lastFailure the exception class of the latest failed attempt, at most 200 characters
     * @throws InvalidValueException (field {@code entry.<name>}) naming the field that breaks its rule
     */
    public OutboxEntry {
        Checks.required("entry.notice", notice);
        Checks.required("entry.state", state);
        if (attempts < 0) {
            throw new InvalidValueException("entry.attempts", attempts, "must be 0 or more");
        }
        Checks.required("entry.nextAttemptAt", nextAttemptAt);
        Checks.required("entry.deliveredAt", deliveredAt);
        Checks.required("entry.lastFailure", lastFailure).ifPresent(f -> Checks.text("entry.lastFailure", f, 200));
        if (state == State.PENDING && (nextAttemptAt.isEmpty() || deliveredAt.isPresent())) {
            throw new InvalidValueException("entry.state", state, "a pending entry has a next attempt and no delivery");
        }
        if (state == State.DELIVERED && (nextAttemptAt.isPresent() || deliveredAt.isEmpty())) {
            throw new InvalidValueException("entry.state", state, "a delivered entry has a delivery and no next attempt");
        }
    }

    /**
     * A notice just written: pending, due at once (at its recording instant).
     *
     * @param notice the notice
     * @return the entry, with no attempt made
     */
    public static OutboxEntry pending(RecipientNotice notice) {
        return new OutboxEntry(notice, State.PENDING, 0, Optional.of(notice.recordedAt()), Optional.empty(),
                Optional.empty());
    }
}

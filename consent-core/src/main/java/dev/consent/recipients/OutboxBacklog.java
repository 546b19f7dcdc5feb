package dev.consent.recipients;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How far the recipients' outbox is behind: the notices still pending (not yet delivered, whether due now or waiting
 * for a retry), counted up to a limit so that a large backlog costs a bounded read, and the earliest instant one of
 * them is due. An operator's view of GDPR Art. 19's "communicate ... unless this proves impossible or involves
 * disproportionate effort": a growing backlog or an old earliest-due instant means recipients are not being told.
 * Names no subject and no recipient.
 *
 * @param pending the pending notices counted, at most the limit asked for
 * @param more whether more notices are pending than were counted
 * @param oldestDue the earliest due instant among the pending notices; empty when none is pending
 */
public record OutboxBacklog(int pending, boolean more, Optional<Instant> oldestDue) {
    /** The largest limit a backlog read counts to ({@link dev.consent.store.OutboxStore#backlog(int)}): it stays bounded. */
    public static final int MAX_COUNT = 10_000;

    /** Nothing pending. */
    public static final OutboxBacklog EMPTY = new OutboxBacklog(0, false, Optional.empty());

    /**
     * Checks the values agree.
     *
     * @param pending the pending notices counted
     * @param more whether more are pending than were counted
     * @param oldestDue the earliest due instant among them
     * @throws IllegalArgumentException when {@code pending} is negative, or a due instant is given (or missing)
     *     although nothing is (or something is) pending
     * @throws NullPointerException when {@code oldestDue} is null
     */
    public OutboxBacklog {
        Objects.requireNonNull(oldestDue, "oldestDue");
        if (pending < 0 || (pending == 0) != oldestDue.isEmpty() || (more && pending == 0)) {
            throw new IllegalArgumentException("outbox backlog: " + pending + " pending, more=" + more
                    + ", oldest due " + oldestDue.map(Instant::toString).orElse("none") + " do not agree");
        }
    }
}

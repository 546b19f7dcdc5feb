package dev.consent.store;

import dev.consent.InvalidValueException;
import dev.consent.internal.Checks;
import dev.consent.recipients.OutboxEntry;

import java.time.Instant;

/**
 * A dispatcher's exclusive hold on one pending notice until {@code leaseUntil}: no other dispatcher is given it while
 * the lease runs; after that it may be claimed again (the holder is presumed dead). {@code attempt} is the entry's
 * failed attempts plus one.
 *
 * @param entry the entry as stored when it was claimed
 */
public record NoticeClaim(OutboxEntry entry, String token, String owner, Instant leaseUntil, int attempt) {
    public NoticeClaim {
        Checks.required("claim.entry", entry);
        Checks.text("claim.token", token, 36);
        Checks.text("claim.owner", owner, 100);
        Checks.required("claim.leaseUntil", leaseUntil);
        if (attempt < 1) {
            throw new InvalidValueException("claim.attempt", attempt, "must be 1 or more");
        }
    }
}

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
    /**
     * @param entry the entry as stored when it was claimed
     * @param token the claim's token, at most 36 characters; a finish is recorded only while it is the notice's
     * @param owner the claiming dispatcher's name, at most 100 characters
     * @param leaseUntil when the lease ends
     * @param attempt the entry's failed attempts plus one
     * @throws InvalidValueException when a component is null, a text is blank or too long, or {@code attempt} is below
     *     1
     */
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

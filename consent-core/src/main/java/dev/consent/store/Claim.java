package dev.consent.store;

import dev.consent.retention.RetainedItem;

import java.time.Instant;

/**
 * A sweeper's exclusive, leased hold on one due item. Only the holder of {@code token} can complete, renew or
 * release it; once {@code leaseUntil} passes, another sweeper may claim the item again (the first one
 * crashed or stalled), and once it has, the first one's renewal and completion are refused.
 *
 * @param item the item as it was when claimed
 * @param leaseUntil when the lease ends, by the store's clock (which alone judges leases, see
 *        {@link dev.consent.store.RetentionStore#claimDue}); not comparable with a node's own clock
 * @param attempt this attempt's number, from 1
 */
public record Claim(RetainedItem item, String token, String owner, Instant leaseUntil, int attempt) {
}

package dev.consent.retention;

import java.time.Instant;

/**
 * A sweeper's exclusive, leased hold on one due item. Only the holder of {@code token} can complete or
 * fail it; once {@code leaseUntil} passes, another sweeper may claim the item again (the first one
 * crashed or stalled), and the first one's completion is then refused.
 *
 * @param item the item as it was when claimed
 * @param attempt this attempt's number, from 1
 */
public record Claim(RetainedItem item, String token, String owner, Instant leaseUntil, int attempt) {
}

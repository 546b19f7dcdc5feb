package dev.consent.retention;

import java.time.Instant;

/**
 * What a {@link DisposalHandler} is asked to do: dispose of {@code item} with {@code action}, covering data
 * collected up to {@code dueAt}, because of {@code ruleId} (or {@value RetentionVerdict#ERASURE_REQUEST}).
 *
 * @param dueAt the instant the item fell due: data collected up to it is disposed of (data collected later, after
 *     the sweep judged the item, is not)
 * @param idempotencyKey the same for every attempt at the same due item
 * @param attempt this attempt's number, from 1
 */
public record DisposalRequest(ItemKey item, DisposalAction action, String ruleId, Instant dueAt,
        String idempotencyKey, int attempt) {
}

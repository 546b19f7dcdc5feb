package dev.consent.processing;

import dev.consent.internal.Checks;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.RetentionVerdict;

import java.time.Instant;
import java.util.Optional;

/**
 * What {@link ProcessingLog#purgeExpired()} did to the log under the log category's own retention rules (GDPR Art.
 * 5(1)(e), storage limitation, applies to the log too).
 *
 * @param at when the purge judged the entries
 * @param status the verdict on the oldest possible entry: {@code DUE} when some entries may be past their rule,
 *     otherwise why none is ({@code KEEP}, {@code NOT_STARTED}, {@code NO_RULE})
 * @param cutoff entries recorded at or before this instant were due; empty when none was
 * @param action what the deciding rule asks for: DELETE removes the entries, ANONYMIZE pseudonymises them, REVIEW
 *     leaves them for a person to decide
 * @param rule the deciding rule's id
 * @param deleted how many entries were deleted
 * @param pseudonymised how many entries were pseudonymised
 * @param heldSubjects how many subjects' due entries were kept because a legal hold covers the log category
 */
public record LogPurge(Instant at, RetentionVerdict.Status status, Optional<Instant> cutoff,
        Optional<DisposalAction> action, Optional<String> rule, long deleted, long pseudonymised, long heldSubjects) {

    /**
     * Holds the outcome; absent values are empty optionals, never null.
     *
     * @param at when the purge judged the entries
     * @param status the verdict on the oldest possible entry
     * @param cutoff entries recorded at or before this instant were due
     * @param action what the deciding rule asks for
     * @param rule the deciding rule's id
     * @param deleted how many entries were deleted
     * @param pseudonymised how many entries were pseudonymised
     * @param heldSubjects how many subjects' due entries a legal hold kept
     * @throws dev.consent.InvalidValueException naming the field that is null
     */
    public LogPurge {
        Checks.required("at", at);
        Checks.required("status", status);
        Checks.required("cutoff", cutoff);
        Checks.required("action", action);
        Checks.required("rule", rule);
    }
}

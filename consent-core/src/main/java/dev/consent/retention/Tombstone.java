package dev.consent.retention;

import dev.consent.internal.Checks;

import java.time.Instant;

/**
 * Left by an erasure request so that a subject's data restored from a backup can be found and erased again.
 * Holds only the keyed {@link ReferenceKey#subjectReference subject reference} ({@code <key id>:<HMAC-SHA256>}),
 * never the subject id, and nothing from which it could be recomputed without the host's secret.
 *
 * @param subjectReference the reference, at most 100 characters
 */
public record Tombstone(String subjectReference, Instant erasureRequestedAt) {
    /**
     * @param subjectReference the reference, at most 100 characters
     * @param erasureRequestedAt when the subject asked for erasure
     * @throws dev.consent.InvalidValueException when the reference is blank or too long, or a component is null
     */
    public Tombstone {
        Checks.text("tombstone.subjectReference", subjectReference, 100);
        Checks.required("tombstone.erasureRequestedAt", erasureRequestedAt);
    }
}

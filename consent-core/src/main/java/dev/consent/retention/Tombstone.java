package dev.consent.retention;

import java.time.Instant;

/**
 * Left by an erasure request so that a subject's data restored from a backup can be found and erased again.
 * Holds only the SHA-256 {@link ItemKey#subjectReference subject reference}, not the subject id.
 */
public record Tombstone(String subjectReference, Instant erasureRequestedAt) {
}

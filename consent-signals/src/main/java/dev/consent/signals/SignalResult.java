package dev.consent.signals;

import dev.consent.ledger.ConsentEvent;

import java.util.List;

/**
 * What applying a TC string or GPP string did. Immutable.
 *
 * @param status what happened; only {@link Status#APPLIED} wrote events
 * @param sha256 the SHA-256 of the string, as its events' evidence holds it ({@code noticeHash})
 * @param choices the choices the string implies under the policy's mapping, whatever the status
 * @param unmapped the parts of the string the mapping does not cover, never interpreted
 * @param events the events written ({@code APPLIED}) or already on record for this string ({@code ALREADY_APPLIED});
 *     empty otherwise
 * @param detail one readable line saying why, e.g. which string applied already is newer
 */
public record SignalResult(Status status, String sha256, List<ImpliedChoice> choices, List<Unmapped> unmapped,
        List<ConsentEvent> events, String detail) {

    /**
     * Copies the lists, so that the result cannot change after it is returned.
     *
     * @param status what happened
     * @param sha256 the SHA-256 of the string
     * @param choices the choices the string implies
     * @param unmapped the parts of the string the mapping does not cover
     * @param events the events written or already on record
     * @param detail one readable line saying why
     */
    public SignalResult {
        choices = List.copyOf(choices);
        unmapped = List.copyOf(unmapped);
        events = List.copyOf(events);
    }

    /** What applying a string did. */
    public enum Status {
        /** The implied choices were recorded as consent events. */
        APPLIED,
        /** This very string (same SHA-256) was applied for the subject before; nothing new was written. */
        ALREADY_APPLIED,
        /**
         * A string of the same kind applied before is newer (a later LastUpdated, or received later); this one is
         * ignored and nothing is written, so that an older banner state never overrides a newer one.
         */
        STALE,
        /** The string implies no choice for any purpose the mapping names; nothing was written. */
        NOTHING_IMPLIED
    }
}

package dev.consent.signals;

/**
 * Part of a signal string the policy's mapping does not cover, reported and never interpreted: a GPP section the
 * mapping does not name or this library does not read, or a TCF section when the policy maps no TCF signals.
 * Immutable.
 *
 * @param signal the section, e.g. {@code uspv1 (GPP section 6)}
 * @param reason why it was not mapped
 */
public record Unmapped(String signal, String reason) {
}

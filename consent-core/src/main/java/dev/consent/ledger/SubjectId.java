package dev.consent.ledger;

import dev.consent.internal.Checks;

/**
 * The host's opaque id of a data subject: a customer id, or an anonymous visitor id (cookie banner
 * before login) that can later be linked to a customer. Stored and returned verbatim; at most 200
 * characters, no control characters. Never logged by this library above DEBUG.
 */
public record SubjectId(String value) implements Comparable<SubjectId> {
    public static final int MAX_LENGTH = 200;

    public SubjectId {
        Checks.text("subject", value, MAX_LENGTH);
    }

    public static SubjectId of(String value) {
        return new SubjectId(value);
    }

    @Override
    public int compareTo(SubjectId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}

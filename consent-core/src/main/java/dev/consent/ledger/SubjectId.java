package dev.consent.ledger;

import dev.consent.internal.Checks;

/**
 * The host's opaque id of a data subject: a customer id, or the subject id of an anonymous {@link VisitorId visitor}
 * (cookie banner before login), {@code visitor:<visitor id>}, which can later be linked to a customer. Ids that
 * begin with {@code visitor:} are the visitor namespace: such an id is never accepted as a customer. Stored and
 * returned verbatim; at most 200 characters, no control characters. Never logged by this library, and never
 * quoted in its exception messages.
 */
public record SubjectId(String value) implements Comparable<SubjectId> {
    /** The longest subject id the ledger stores, in characters. */
    public static final int MAX_LENGTH = 200;

    /**
     * Accepts the id verbatim.
     *
     * @param value the host's id of the subject
     * @throws dev.consent.InvalidValueException (field {@code subject}) when it is null, blank, longer than
     *         {@link #MAX_LENGTH} or holds a control character
     */
    public SubjectId {
        Checks.text("subject", value, MAX_LENGTH);
    }

    /**
     * The subject id {@code value}, verbatim; checked as {@link #SubjectId(String) the constructor} checks it.
     *
     * @param value the host's id of the subject
     * @return the id
     */
    public static SubjectId of(String value) {
        return new SubjectId(value);
    }

    /**
     * Whether this id is in the visitor namespace ({@code visitor:...}), and so never a customer.
     *
     * @return true for a visitor's subject id
     */
    public boolean isVisitor() {
        return value.startsWith(VisitorId.PREFIX);
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

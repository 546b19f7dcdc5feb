package dev.consent.ledger;

import dev.consent.internal.Checks;

import java.util.Optional;

/**
 * An anonymous visitor (the cookie banner before login), kept apart from customers. A visitor's choices are recorded
 * and checked under its {@link #subject() subject id}, {@code visitor:<value>}: a namespace no customer id may use
 * as a customer, so a visitor id the client controls (a cookie value) can never name a customer's ledger. Linking
 * {@code VisitorId.of("customer-42")} to customer 666 links the visitor {@code visitor:customer-42}, which is not
 * customer 42, whose history, evidence and own links stay untouched.
 *
 * <p>The value is the host's visitor id verbatim: at most 192 ({@link #MAX_LENGTH}) characters (a subject id's limit less
 * the prefix), no control characters. Issue it yourself (a random UUID in a cookie, signed if you like): a value the
 * client can choose freely lets one client link another's visitor id to itself first.
 */
public record VisitorId(String value) implements Comparable<VisitorId> {
    /** The prefix of every visitor's subject id. */
    public static final String PREFIX = "visitor:";
    /** The longest visitor id, in characters: a subject id's limit less the {@link #PREFIX}. */
    public static final int MAX_LENGTH = SubjectId.MAX_LENGTH - PREFIX.length();

    /**
     * Accepts the host's visitor id verbatim.
     *
     * @param value the host's visitor id, without the {@link #PREFIX}
     * @throws dev.consent.InvalidValueException (field {@code visitor}) when it is null, blank, longer than
     *         {@link #MAX_LENGTH} or holds a control character
     */
    public VisitorId {
        Checks.text("visitor", value, MAX_LENGTH);
    }

    /**
     * The visitor id {@code value}, verbatim; checked as {@link #VisitorId(String) the constructor} checks it.
     *
     * @param value the host's visitor id, without the {@link #PREFIX}
     * @return the id
     */
    public static VisitorId of(String value) {
        return new VisitorId(value);
    }

    /**
     * The visitor named by a subject id in the visitor namespace.
     *
     * @param subject any subject id
     * @return the visitor, or empty for a customer's subject id (and for {@code visitor:} with nothing after it)
     */
    public static Optional<VisitorId> from(SubjectId subject) {
        String v = Checks.required("subject", subject).value();
        return v.startsWith(PREFIX) && v.length() > PREFIX.length() && !v.substring(PREFIX.length()).isBlank()
                ? Optional.of(new VisitorId(v.substring(PREFIX.length()))) : Optional.empty();
    }

    /**
     * The subject id the visitor's choices are recorded and checked under.
     *
     * @return {@code visitor:<value>}
     */
    public SubjectId subject() {
        return SubjectId.of(PREFIX + value);
    }

    @Override
    public int compareTo(VisitorId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return PREFIX + value;
    }
}

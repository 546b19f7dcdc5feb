package dev.consent;

/**
 * Root of every exception this library throws on purpose. Unchecked: a caller that cannot handle a
 * refusal should not be forced to catch one, and a caller that can catches this one type.
 *
 * <p>Guarantee: when a method of this library throws a {@code ConsentException}, nothing it was
 * asked to write has been half-written; the message names what was expected.
 *
 * <p>Every refusal the library makes on purpose is one of these: a value that breaks a rule
 * ({@link InvalidValueException}, also for a missing argument), a purpose the policy does not declare
 * ({@link UnknownPurposeException}), a contradiction of what is recorded ({@link ConflictException}), a store that
 * cannot be read or written or that returns what the library cannot read ({@link StoreException}), evidence pruned
 * away ({@link EvidencePrunedException}). A consent check ({@code check}, {@code checkUncached}, {@code checkAll},
 * {@code allowed}) throws nothing else whatever its store holds; a {@link RuntimeException} of another type from
 * the library is a bug in it (or in a host's own code it calls, such as a clock or a disposal handler).
 */
public class ConsentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what was expected, naming the field or operation
     */
    public ConsentException(String message) {
        super(message);
    }

    /**
     * @param message what was expected, naming the field or operation
     * @param cause the failure underneath
     */
    public ConsentException(String message, Throwable cause) {
        super(message, cause);
    }
}

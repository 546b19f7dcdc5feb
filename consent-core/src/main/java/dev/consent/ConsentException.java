package dev.consent;

/**
 * Root of every exception this library throws on purpose. Unchecked: a caller that cannot handle a
 * refusal should not be forced to catch one, and a caller that can catches this one type.
 *
 * <p>Guarantee: when a method of this library throws a {@code ConsentException}, nothing it was
 * asked to write has been half-written; the message names what was expected.
 */
public class ConsentException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConsentException(String message) {
        super(message);
    }

    public ConsentException(String message, Throwable cause) {
        super(message, cause);
    }
}

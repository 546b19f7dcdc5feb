package dev.consent;

/**
 * The request contradicts what is already recorded: an event id re-used with a different body, a
 * visitor already linked to another customer, a rights request moved along an illegal transition.
 */
public final class ConflictException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what contradicts what is recorded, naming the field and value (redacted where personal)
     */
    public ConflictException(String message) {
        super(message);
    }
}

package dev.consent;

/**
 * The store could not be read or written. A check that meets this exception has not been answered
 * (it fails closed); a write that meets it has not been committed.
 */
public final class StoreException extends ConsentException {
    private static final long serialVersionUID = 1L;

    private final String operation;

    public StoreException(String operation, Throwable cause) {
        super("store failed during " + operation + ": " + (cause == null ? "unknown cause" : cause.getMessage()),
                cause);
        this.operation = operation;
    }

    public StoreException(String operation, String message) {
        super("store failed during " + operation + ": " + message);
        this.operation = operation;
    }

    /** What the library was doing, e.g. {@code append} or {@code decisionEvents}. */
    public String operation() {
        return operation;
    }
}

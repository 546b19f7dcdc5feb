package dev.consent;

/**
 * The store could not be read or written. A check that meets this exception has not been answered (it fails
 * closed). A write that meets it was not committed, with one exception the message states: when the connection
 * is lost during the commit itself, the outcome is unknown. Retrying is then safe for consent events, whose ids
 * make a repeated record a no-op (the retry returns the stored event if the first attempt did commit).
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

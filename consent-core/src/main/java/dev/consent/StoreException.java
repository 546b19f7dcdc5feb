package dev.consent;

import java.sql.SQLException;

/**
 * The store could not be read or written. A check that meets this exception has not been answered (it fails
 * closed). A write that meets it was not committed, with one exception the message states: when the connection
 * is lost during the commit itself, the outcome is unknown. Retrying is then safe for consent events, whose ids
 * make a repeated record a no-op (the retry returns the stored event if the first attempt did commit).
 *
 * <p>The message describes the cause without quoting stored values: a database's message for a data or integrity
 * error (SQLState classes 22 and 23) quotes the offending key or value, which can be a subject id, so for those
 * only the SQLState, the driver's exception class and its vendor code are given. The cause itself stays attached
 * ({@link #getCause()}) for a debugger; it is the driver's exception, and its own message may quote such values.
 */
public final class StoreException extends ConsentException {
    private static final long serialVersionUID = 1L;

    /**
     * What the library was doing when the store failed.
     */
    private final String operation;

    /**
     * A failure caused by {@code cause}, described as {@link #describe} does.
     *
     * @param operation what the library was doing
     * @param cause the store's or driver's exception, kept as the cause
     */
    public StoreException(String operation, Throwable cause) {
        super("store failed during " + operation + ": " + describe(cause), cause);
        this.operation = operation;
    }

    /**
     * A failure the library found itself, e.g. a stored row it cannot read.
     *
     * @param operation what the library was doing
     * @param message what was wrong, without stored values
     */
    public StoreException(String operation, String message) {
        super("store failed during " + operation + ": " + message);
        this.operation = operation;
    }

    /**
     * A failure with the library's own {@code message} and the {@code cause}, described as {@link #describe} does.
     *
     * @param operation what the library was doing
     * @param message what was wrong, without stored values
     * @param cause the store's or driver's exception, kept as the cause
     */
    public StoreException(String operation, String message, Throwable cause) {
        super("store failed during " + operation + ": " + message + ": " + describe(cause), cause);
        this.operation = operation;
    }

    /**
     * What the library was doing, e.g. {@code append} or {@code decisionFacts}.
     *
     * @return the operation's name
     */
    public String operation() {
        return operation;
    }

    /**
     * A cause as it may appear in a message, without personal data: this library's own exceptions by their message
     * (which never carries any), a {@link SQLException} by its SQLState, class and vendor code, plus the driver's
     * message unless the SQLState is missing or of class 22 (data exception) or 23 (integrity constraint violation),
     * whose messages quote values; anything else by its class name only (a host's or a parser's message may quote
     * what it was given).
     *
     * @param cause the cause; may be null
     * @return the description, {@code unknown cause} for null
     */
    public static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown cause";
        }
        if (cause instanceof ConsentException) {
            return cause.getMessage();
        }
        if (cause instanceof SQLException sql) {
            String state = sql.getSQLState();
            String head = "SQLState " + state + " (" + cause.getClass().getSimpleName() + ", vendor code "
                    + sql.getErrorCode() + ")";
            boolean quotesValues = state == null || state.startsWith("22") || state.startsWith("23");
            return quotesValues || sql.getMessage() == null ? head : head + ": " + sql.getMessage();
        }
        return cause.getClass().getName();
    }
}

package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;

/**
 * How every store operation meets the database: one borrowed connection per operation, one transaction per
 * write, expected conflicts as values, every other {@link SQLException} a {@link StoreException} naming the
 * operation, and connections handed back in the auto-commit mode they came in. Thread-safe.
 */
final class Transactions {
    /** A transaction the database rolled back as a deadlock victim is retried this many times in all. */
    private static final int DEADLOCK_ATTEMPTS = 3;

    private final DataSource dataSource;

    Transactions(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @FunctionalInterface
    interface SqlWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** What a transaction's work decided: commit and return a value, or roll back and then answer. */
    record Outcome<T>(boolean commit, T value, SqlWork<T> afterRollback) {
        static <T> Outcome<T> commit(T value) {
            return new Outcome<>(true, value, null);
        }

        static <T> Outcome<T> rollback(T value) {
            return new Outcome<>(false, value, null);
        }

        static <T> Outcome<T> rollbackThen(SqlWork<T> answer) {
            return new Outcome<>(false, null, answer);
        }
    }

    /**
     * Runs {@code work} in one transaction on one borrowed connection. A unique violation (SQLState class 23)
     * rolls back and answers with {@code onUniqueViolation}, run on the same connection; a deadlock or
     * serialization failure (class 40) is retried; any other {@link SQLException} rolls back and becomes a
     * {@link StoreException}. The connection goes back in the auto-commit mode it came in.
     */
    <T> T inTransaction(String operation, SqlWork<Outcome<T>> work, SqlWork<T> onUniqueViolation) {
        for (int attempt = 1; ; attempt++) {
            try (Connection c = dataSource.getConnection()) {
                boolean autoCommit = c.getAutoCommit();
                if (autoCommit) {
                    c.setAutoCommit(false);
                }
                try {
                    Outcome<T> outcome;
                    try {
                        outcome = work.run(c);
                    } catch (SQLException e) {
                        rollbackQuietly(c, e);
                        if (SqlStates.isTransactionRollback(e) && attempt < DEADLOCK_ATTEMPTS) {
                            continue;
                        }
                        if (SqlStates.isUniqueViolation(e)) {
                            return answerAfterRollback(c, onUniqueViolation);
                        }
                        throw e;
                    } catch (RuntimeException e) {
                        rollbackQuietly(c, e);
                        throw e;
                    }
                    if (!outcome.commit()) {
                        c.rollback();
                        return outcome.afterRollback() == null ? outcome.value()
                                : answerAfterRollback(c, outcome.afterRollback());
                    }
                    commit(c, operation);
                    return outcome.value();
                } finally {
                    if (autoCommit) {
                        restoreAutoCommit(c);
                    }
                }
            } catch (SQLException e) {
                throw new StoreException(operation, e);
            }
        }
    }

    /** Reads on the connection whose transaction was just rolled back, then ends that read transaction too. */
    private static <T> T answerAfterRollback(Connection c, SqlWork<T> answer) throws SQLException {
        try {
            return answer.run(c);
        } finally {
            c.rollback();
        }
    }

    private static void commit(Connection c, String operation) {
        try {
            c.commit();
        } catch (SQLException e) {
            // Roll back before the caller restores auto-commit: switching auto-commit on mid-transaction commits
            // (JDBC spec), which would turn a failed commit into a successful one behind our back.
            rollbackQuietly(c, e);
            // The database may or may not have committed before the failure reached us; say so rather than
            // promise "nothing was written".
            throw new StoreException(operation, "the commit failed, so whether it took effect "
                    + "is unknown; read back before retrying", e);
        }
    }

    private static void rollbackQuietly(Connection c, Exception cause) {
        try {
            c.rollback();
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            // The connection is broken; closing it below hands it back to the pool, which discards it.
        }
    }

    /**
     * Runs read-only work on one borrowed connection. A connection handed out with auto-commit off is
     * committed afterwards, so no read transaction (and no snapshot) outlives the call.
     */
    <T> T read(String operation, SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            try {
                T result = work.run(c);
                if (!autoCommit) {
                    c.commit();
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                if (!autoCommit) {
                    rollbackQuietly(c, e);
                }
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        } catch (InvalidValueException | IllegalArgumentException e) {
            // A stored row that does not make a valid value: the store is damaged, not the caller's input.
            throw new StoreException(operation, "a stored row is not a valid value", e);
        }
    }

}

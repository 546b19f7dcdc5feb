package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import javax.sql.DataSource;

/**
 * How every store operation meets the database: one borrowed connection per operation, one transaction per
 * write, expected conflicts as values, every other {@link SQLException} a {@link StoreException} naming the
 * operation, and connections handed back in the auto-commit mode they came in.
 *
 * <p>Unless the current thread is inside a host's transaction: joined by hand ({@link #join}) or found by the
 * {@link ConnectionBinding}. Then every operation runs on the host's connection, which is never committed, rolled
 * back or closed here; each write runs inside a savepoint, rolled back to when the write answers a conflict or fails,
 * so the host's transaction stays usable (on PostgreSQL an error would otherwise abort it); a unique violation is
 * answered as in a transaction of our own; a deadlock or serialization failure is not retried (the database may have
 * rolled back the host's whole transaction) but thrown, saying the host must retry its whole transaction.
 * Thread-safe.
 */
final class Transactions {
    /** A transaction the database rolled back as a deadlock victim is retried this many times in all. */
    private static final int DEADLOCK_ATTEMPTS = 3;

    private final DataSource dataSource;
    /** Null when only {@link #join} binds connections. */
    private final ConnectionBinding binding;
    private final ThreadLocal<JoinedTransaction> joined = new ThreadLocal<>();

    Transactions(DataSource dataSource, ConnectionBinding binding) {
        this.dataSource = dataSource;
        this.binding = binding;
    }

    /**
     * Binds the host's {@code connection} to this thread until the returned handle is closed.
     *
     * @throws dev.consent.InvalidValueException when the connection is null, closed or in auto-commit mode (then there
     *         is no transaction to join), or this thread is already inside a host's transaction
     */
    JoinedTransaction join(Connection connection) {
        dev.consent.internal.Checks.required("connection", connection);
        try {
            if (connection.isClosed() || connection.getAutoCommit()) {
                throw new InvalidValueException("connection", "a connection " + (connection.isClosed() ? "closed"
                        : "in auto-commit mode"), "must be open with auto-commit off: the store joins the host's "
                        + "transaction and never commits it");
            }
        } catch (SQLException e) {
            throw new StoreException("join", e);
        }
        if (hostConnection() != null) {
            throw new InvalidValueException("connection", "a second connection", "cannot be joined while this thread"
                    + " is inside a host's transaction already; close the first join");
        }
        JoinedTransaction j = new JoinedTransaction(this, connection);
        joined.set(j);
        return j;
    }

    /** Unbinds {@code j} from this thread. */
    void leave(JoinedTransaction j) {
        if (joined.get() == j) {
            joined.remove();
        }
    }

    /** The host's connection this thread's operations run on, or null when they borrow their own. Allocates nothing. */
    Connection hostConnection() {
        JoinedTransaction j = joined.get();
        if (j != null) {
            return j.connection();
        }
        if (binding == null) {
            return null;
        }
        try {
            return binding.connection(dataSource);
        } catch (RuntimeException e) {
            throw new StoreException("connectionBinding", "the connection binding failed to say whether this thread "
                    + "is inside a transaction", e);
        }
    }

    /**
     * Runs {@code action} once the host's transaction this thread is in has completed and answers true; answers
     * false, running nothing, when the thread is in none.
     */
    boolean afterHostTransaction(Runnable action) {
        JoinedTransaction j = joined.get();
        if (j != null) {
            j.afterCompletion(action);
            return true;
        }
        if (hostConnection() == null) {
            return false;
        }
        binding.afterCompletion(dataSource, action);
        return true;
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
        Connection host = hostConnection();
        if (host != null) {
            return inHostTransaction(host, operation, work, onUniqueViolation);
        }
        return inOwnTransaction(operation, work, onUniqueViolation);
    }

    /**
     * As {@link #inTransaction}, always on a borrowed connection in a transaction of its own, even inside a host's
     * transaction: for work that must neither see the host's uncommitted rows nor hold its locks until the host
     * commits.
     */
    <T> T inOwnTransaction(String operation, SqlWork<Outcome<T>> work, SqlWork<T> onUniqueViolation) {
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

    /**
     * {@link #inTransaction} on the host's connection: the work runs inside a savepoint, released when it commits, rolled
     * back to when it answers a rollback or fails; the host's transaction itself is never ended here.
     */
    private static <T> T inHostTransaction(Connection c, String operation, SqlWork<Outcome<T>> work,
            SqlWork<T> onUniqueViolation) {
        try {
            Savepoint savepoint = c.setSavepoint();
            Outcome<T> outcome;
            try {
                outcome = work.run(c);
            } catch (SQLException e) {
                rollbackQuietly(c, savepoint, e);
                return afterHostFailure(c, operation, e, onUniqueViolation);
            } catch (RuntimeException e) {
                rollbackQuietly(c, savepoint, e);
                throw e;
            }
            if (!outcome.commit()) {
                c.rollback(savepoint);
                return outcome.afterRollback() == null ? outcome.value() : outcome.afterRollback().run(c);
            }
            c.releaseSavepoint(savepoint);
            return outcome.value();
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        }
    }

    /**
     * What a write inside the host's transaction does after it failed and its savepoint was rolled back to: a unique
     * violation is answered by {@code onUniqueViolation}; a deadlock or serialization victim is a {@link StoreException}
     * telling the host to retry its whole transaction; anything else is rethrown.
     */
    private static <T> T afterHostFailure(Connection c, String operation, SQLException e, SqlWork<T> onUniqueViolation)
            throws SQLException {
        if (SqlStates.isUniqueViolation(e)) {
            return onUniqueViolation.run(c);
        }
        if (SqlStates.isTransactionRollback(e)) {
            throw new StoreException(operation, "the database chose the host's transaction as a deadlock or "
                    + "serialization victim; it may have rolled back the whole transaction, so the host must "
                    + "roll it back and retry it from the start", e);
        }
        throw e;
    }

    /**
     * A savepoint that a statement sets and releases itself, in its own round trip: on PostgreSQL one prepared text
     * holds {@code SAVEPOINT}, the statement and {@code RELEASE SAVEPOINT}, sent together, and the server skips the
     * rest of the text after a failure. The statement says when it is {@link #sending} it.
     */
    static final class StatementSavepoint {
        private final String name;
        private boolean sent;

        StatementSavepoint(String name) {
            this.name = name;
        }

        /** The text that sets it, before the statement's. */
        String set() {
            return "SAVEPOINT " + name + "; ";
        }

        /** Called right before the text is sent: from then on a failure rolls back to it. */
        void sending() {
            sent = true;
        }

        /** The text that releases it, after the statement's. */
        String release() {
            return "; RELEASE SAVEPOINT " + name;
        }
    }

    /**
     * {@link #inTransaction} for work that writes in one atomic statement and, on the host's connection, sets and
     * releases its savepoint in that statement's round trip ({@link StatementSavepoint}). The work must run no other
     * statement. When it fails after the savepoint was sent, this rolls back to it (the failed statement left nothing,
     * the host's transaction goes on); when the work answers a rollback, its statement wrote nothing (it is atomic and
     * answers a rollback only when it wrote nothing), so nothing is rolled back. Outside a host's transaction, exactly
     * {@link #inTransaction}, the work given no savepoint (null).
     */
    <T> T inTransactionOneStatement(String operation, java.util.function.Function<StatementSavepoint,
            SqlWork<Outcome<T>>> work, SqlWork<T> onUniqueViolation) {
        Connection c = hostConnection();
        if (c == null) {
            return inOwnTransaction(operation, work.apply(null), onUniqueViolation);
        }
        StatementSavepoint savepoint = new StatementSavepoint("consent_write");
        try {
            Outcome<T> outcome;
            try {
                outcome = work.apply(savepoint).run(c);
            } catch (SQLException e) {
                rollbackToQuietly(c, savepoint, e);
                return afterHostFailure(c, operation, e, onUniqueViolation);
            } catch (RuntimeException e) {
                rollbackToQuietly(c, savepoint, e);
                throw e;
            }
            if (!outcome.commit()) {
                return outcome.afterRollback() == null ? outcome.value() : outcome.afterRollback().run(c);
            }
            return outcome.value();
        } catch (SQLException e) {
            throw new StoreException(operation, e);
        }
    }

    private static void rollbackToQuietly(Connection c, StatementSavepoint savepoint, Exception cause) {
        if (!savepoint.sent) {
            return; // nothing was sent: the host's transaction is as it was
        }
        try (java.sql.Statement s = c.createStatement()) {
            s.execute("ROLLBACK TO SAVEPOINT " + savepoint.name + "; RELEASE SAVEPOINT " + savepoint.name);
        } catch (SQLException e) {
            cause.addSuppressed(e);
        }
    }

    private static void rollbackQuietly(Connection c, Savepoint savepoint, Exception cause) {
        try {
            c.rollback(savepoint);
        } catch (SQLException e) {
            cause.addSuppressed(e);
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
        Connection host = hostConnection();
        if (host != null) {
            try {
                return work.run(host);
            } catch (SQLException e) {
                throw new StoreException(operation, e);
            } catch (InvalidValueException | IllegalArgumentException e) {
                throw new StoreException(operation, "a stored row is not a valid value", e);
            }
        }
        return readOwn(operation, work);
    }

    /**
     * As {@link #read}, always on a borrowed connection, even inside a host's transaction: it sees what has committed,
     * never the host's uncommitted rows.
     */
    <T> T readOwn(String operation, SqlWork<T> work) {
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

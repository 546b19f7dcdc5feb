package dev.consent.jdbc;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;

/**
 * A host application's transaction that a {@link JdbcStore}'s operations join on one thread, from
 * {@link JdbcStore#join(java.sql.Connection)} until {@link #close()}: every operation that thread runs on the store
 * (appends, links, anchors, holds, rights requests, outbox notices, processing-log entries, reads) runs on the host's
 * connection, never commits, rolls back or closes it, and wraps each write in a savepoint.
 *
 * <p>Close it after the host committed or rolled back, on the thread that joined: closing runs what waited for the
 * transaction to complete (a consent service drops the subjects written inside it from its cache, so that nothing
 * read before the commit is answered after it). Closing before the commit leaves that drop too early: another thread
 * may cache the ledger as it was before the commit until the change feed reports the change. Closing twice does
 * nothing. Not thread-safe: it belongs to the thread that joined.
 *
 * <pre>{@code
 * connection.setAutoCommit(false);
 * try (JoinedTransaction joined = store.join(connection)) {
 *     insertOrder(connection, order);          // the host's own row
 *     retention.recordAnchor(...);                 // the library's rows, on the same connection
 *     connection.commit();
 * } catch (RuntimeException | SQLException e) {
 *     connection.rollback();                   // nothing of either is left
 *     throw e;
 * }
 * }</pre>
 */
public final class JoinedTransaction implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JoinedTransaction.class);

    private final Transactions owner;
    private final Connection connection;
    private final Thread thread;
    private final List<Runnable> afterCompletion = new ArrayList<>();
    private boolean closed;

    JoinedTransaction(Transactions owner, Connection connection) {
        this.owner = owner;
        this.connection = connection;
        this.thread = Thread.currentThread();
    }

    /**
     * The host's connection the store's operations run on.
     *
     * @return the connection passed to {@link JdbcStore#join}
     */
    public Connection connection() {
        return connection;
    }

    /** Runs {@code action} when this is closed. */
    void afterCompletion(Runnable action) {
        afterCompletion.add(action);
    }

    /**
     * Ends the join: this thread's store operations borrow their own connections again. Then runs what waited for the
     * host's transaction to complete, in the order it was registered.
     *
     * @throws IllegalStateException when called on another thread than the one that joined
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (Thread.currentThread() != thread) {
            throw new IllegalStateException("a joined transaction is closed on the thread that joined it, "
                    + thread.getName() + ", not " + Thread.currentThread().getName());
        }
        closed = true;
        owner.leave(this);
        for (Runnable action : afterCompletion) {
            try {
                action.run();
            } catch (RuntimeException e) {
                LOG.warn("consent store: an action run after the host's transaction completed failed", e);
            }
        }
        afterCompletion.clear();
    }
}

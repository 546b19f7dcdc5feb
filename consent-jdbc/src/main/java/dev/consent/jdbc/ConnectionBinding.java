package dev.consent.jdbc;

import java.sql.Connection;
import javax.sql.DataSource;

/**
 * Where a {@link JdbcStore} finds the transaction the host application is in on the current thread, e.g. one a
 * transaction manager opened on the same {@link DataSource} (Spring's {@code DataSourceUtils} and
 * {@code TransactionSynchronizationManager}). Configured with {@link JdbcStoreBuilder#connectionBinding}; without
 * one, or while it answers {@code null}, the store borrows a connection and commits its own transaction per operation.
 *
 * <p>While a connection is bound, every store operation of that thread runs on it: the store never commits, rolls
 * back or closes it, and wraps each write in a savepoint, so that a conflict it answers or an error it throws leaves
 * the host's transaction usable (see consent-jdbc's README, "Inside your transaction").
 *
 * <p>Implementations must be thread-safe; both methods are called on the thread whose transaction is asked about.
 */
public interface ConnectionBinding {
    /**
     * The connection of the transaction the current thread is in on {@code dataSource}, with auto-commit off; or
     * {@code null} when there is none. Called at the start of every store operation and by every consent check (which
     * then neither reads nor fills the shared cache), so it must be cheap and should not allocate.
     *
     * @param dataSource the data source the store was built on
     * @return the open connection of the current thread's transaction on {@code dataSource}, or {@code null}
     */
    Connection connection(DataSource dataSource);

    /**
     * Arranges for {@code action} to run once the transaction whose connection {@link #connection} answered on this
     * thread has completed, whether it committed or rolled back (after the commit, never before it). Called only while
     * {@link #connection} answers a connection. The store passes actions that return quickly and do not throw.
     *
     * @param dataSource the data source the store was built on
     * @param action what to run once that transaction has committed or rolled back
     */
    void afterCompletion(DataSource dataSource, Runnable action);
}

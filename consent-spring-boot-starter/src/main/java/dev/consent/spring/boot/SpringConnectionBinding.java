package dev.consent.spring.boot;

import dev.consent.jdbc.ConnectionBinding;
import dev.consent.jdbc.JdbcStore;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import java.sql.Connection;
import javax.sql.DataSource;

/**
 * Binds a {@link JdbcStore} to Spring's transaction management: on a thread inside a Spring-managed transaction that
 * holds a connection of the store's {@link DataSource} (a {@code @Transactional} method or a {@code TransactionTemplate}
 * on a {@code DataSourceTransactionManager}/{@code JdbcTransactionManager}, or any transaction manager that binds a
 * {@link ConnectionHolder} for that DataSource), the store's operations run on that transaction's connection and
 * commit or roll back with it; the subjects they wrote are dropped from the consent cache once it has completed.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>A connection is answered only while an actual transaction with transaction synchronization is active
 *       ({@link TransactionSynchronizationManager#isActualTransactionActive()} and
 *       {@link TransactionSynchronizationManager#isSynchronizationActive()}) and a {@link ConnectionHolder} is bound
 *       for the store's DataSource. Otherwise (no transaction, {@code SUPPORTS} or {@code NOT_SUPPORTED} propagation,
 *       synchronization turned off, or a transaction on another DataSource) it answers {@code null} and the store
 *       commits its own transactions as without a binding. It never makes Spring open a connection outside a
 *       transaction.</li>
 *   <li>{@link #afterCompletion} registers a {@link TransactionSynchronization} whose
 *       {@link TransactionSynchronization#afterCompletion(int)} runs the action after the commit or the rollback.</li>
 *   <li>Looking the transaction up allocates nothing: a few thread-local reads and map lookups per store operation.</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class SpringConnectionBinding implements ConnectionBinding {

    /** A binding to the transactions of the current thread, whatever transaction manager opened them. */
    public SpringConnectionBinding() {
    }

    @Override
    public Connection connection(DataSource dataSource) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            return null;
        }
        if (!(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder)) {
            return null;
        }
        // The transaction's holder is bound, so Spring answers its connection (opening none), as it does for
        // JdbcTemplate; the reference is handed back at once so that the holder's count stays balanced (the connection
        // stays the transaction's until it completes).
        Connection connection = DataSourceUtils.getConnection(dataSource);
        DataSourceUtils.releaseConnection(connection, dataSource);
        return connection;
    }

    /**
     * Runs {@code action} after the current transaction has committed or rolled back.
     *
     * @throws IllegalStateException when transaction synchronization is not active on this thread (the store calls
     *     this only while {@link #connection} answers a connection, which implies it is)
     */
    @Override
    public void afterCompletion(DataSource dataSource, Runnable action) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                action.run();
            }
        });
    }

    @Override
    public String toString() {
        return "SpringConnectionBinding";
    }
}

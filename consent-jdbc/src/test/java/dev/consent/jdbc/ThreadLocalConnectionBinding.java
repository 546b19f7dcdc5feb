package dev.consent.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * A {@link ConnectionBinding} as a transaction manager provides one: {@link #begin} binds a connection of one data
 * source to the current thread, {@link #commit} and {@link #rollback} end its transaction and then run what waited for
 * the completion, as Spring's {@code TransactionSynchronization.afterCompletion} does.
 */
final class ThreadLocalConnectionBinding implements ConnectionBinding {
    private record Bound(DataSource dataSource, Connection connection, List<Runnable> afterCompletion) {
    }

    private final ThreadLocal<Bound> bound = new ThreadLocal<>();

    /** Binds {@code connection}, with auto-commit turned off, to this thread as {@code dataSource}'s transaction. */
    void begin(DataSource dataSource, Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        bound.set(new Bound(dataSource, connection, new ArrayList<>()));
    }

    void commit() throws SQLException {
        Bound b = bound.get();
        try {
            b.connection().commit();
        } finally {
            complete(b);
        }
    }

    void rollback() throws SQLException {
        Bound b = bound.get();
        try {
            b.connection().rollback();
        } finally {
            complete(b);
        }
    }

    private void complete(Bound b) {
        bound.remove();
        b.afterCompletion().forEach(Runnable::run);
    }

    @Override
    public Connection connection(DataSource dataSource) {
        Bound b = bound.get();
        return b != null && b.dataSource() == dataSource ? b.connection() : null;
    }

    @Override
    public void afterCompletion(DataSource dataSource, Runnable action) {
        Bound b = bound.get();
        if (b == null || b.dataSource() != dataSource) {
            throw new IllegalStateException("no transaction is bound to this thread on that data source");
        }
        b.afterCompletion().add(action);
    }
}

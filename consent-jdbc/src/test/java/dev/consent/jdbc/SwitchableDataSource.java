package dev.consent.jdbc;

import java.io.PrintWriter;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source for failure tests: it can be switched to behave like an unreachable database (new and open
 * connections throw SQLState 08xxx), made to lose the connection on a chosen statement or at commit, and it
 * counts what reaches the database so tests can check that reads are set-based and writes batched.
 */
public final class SwitchableDataSource implements DataSource {
    private final DataSource target;
    private volatile boolean down;
    private volatile Predicate<String> failOn = sql -> false;
    private volatile boolean failCommit;

    /** Connections asked for, whether or not they were given. */
    public final AtomicInteger connectionRequests = new AtomicInteger();
    /** Statements prepared or created. */
    public final AtomicInteger statements = new AtomicInteger();
    /** Single-row updates sent one at a time ({@code executeUpdate}). */
    public final AtomicInteger singleUpdates = new AtomicInteger();
    /** Batches sent ({@code executeBatch}). */
    public final AtomicInteger batches = new AtomicInteger();
    /** Statements executed: every {@code execute...} call and every {@code executeBatch}, each one round trip or more. */
    public final AtomicInteger executions = new AtomicInteger();
    /** Commits asked for (each a round trip, and on a durable database a flush of its log). */
    public final AtomicInteger commits = new AtomicInteger();
    /** Every distinct SQL text prepared or executed through this data source (see {@link SqlInventory}). */
    public final java.util.Set<String> sql = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /**
     * Every round trip to the database in order, while {@link #recordRoundTrips} is on: each statement execution
     * ({@code execute*}, one per {@code executeBatch}) as its SQL, and each {@code commit}, {@code rollback},
     * {@code setSavepoint} and {@code releaseSavepoint} by that name. (Switching auto-commit is left out: whether it
     * reaches the server depends on the driver.)
     */
    public final java.util.List<String> roundTrips = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    /** Whether {@link #roundTrips} records. */
    public volatile boolean recordRoundTrips;

    public SwitchableDataSource(DataSource target) {
        this.target = target;
    }

    /** Every new connection and every call on an open one fails, as when the network is gone. */
    public void goDown() {
        down = true;
    }

    public void comeBack() {
        down = false;
        failOn = sql -> false;
        failCommit = false;
    }

    /**
     * The database becomes unreachable when a statement whose SQL matches is prepared: that statement and
     * everything after it fail, including the rollback, as when the network goes mid-transaction.
     */
    public void failOn(Predicate<String> sql) {
        failOn = sql;
    }

    /** The connection is lost at commit, before the database is asked to commit. */
    public void failCommit() {
        failCommit = true;
    }

    public void resetCounts() {
        connectionRequests.set(0);
        statements.set(0);
        singleUpdates.set(0);
        batches.set(0);
        executions.set(0);
        commits.set(0);
    }

    private static SQLException lost(String what) {
        return new SQLException("test: connection lost (" + what + ")", "08006");
    }

    @Override
    public Connection getConnection() throws SQLException {
        connectionRequests.incrementAndGet();
        if (down) {
            throw new SQLException("test: the database is unreachable", "08001");
        }
        Connection real = target.getConnection();
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                new ConnectionHandler(real));
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("tests use getConnection()");
    }

    private final class ConnectionHandler implements InvocationHandler {
        private final Connection real;

        ConnectionHandler(Connection real) {
            this.real = real;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (down && !name.equals("close") && !name.equals("isClosed")) {
                throw lost(name);
            }
            if (name.equals("commit") && failCommit) {
                throw lost("commit");
            }
            if (name.equals("commit")) {
                commits.incrementAndGet();
            }
            if ((name.equals("prepareStatement") || name.equals("prepareCall")) && args != null
                    && args[0] instanceof String sql && failOn.test(sql)) {
                down = true;
                throw lost(sql);
            }
            if ((name.equals("prepareStatement") || name.equals("prepareCall")) && args != null
                    && args[0] instanceof String text) {
                sql.add(text);
            }
            if (recordRoundTrips && (name.equals("commit") || name.equals("rollback") || name.equals("setSavepoint")
                    || name.equals("releaseSavepoint"))) {
                roundTrips.add(name);
            }
            Object result = call(real, method, args);
            if (result instanceof PreparedStatement ps) {
                statements.incrementAndGet();
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {PreparedStatement.class},
                        new StatementHandler(ps, (String) args[0]));
            }
            if (result instanceof Statement s) {
                statements.incrementAndGet();
                return Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
                        new StatementHandler(s, null));
            }
            return result;
        }
    }

    private final class StatementHandler implements InvocationHandler {
        private final Statement real;
        /** The prepared SQL, or null for a plain statement. */
        private final String prepared;

        StatementHandler(Statement real, String prepared) {
            this.real = real;
            this.prepared = prepared;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            if (down && !name.equals("close") && !name.equals("isClosed")) {
                throw lost(name);
            }
            if (name.startsWith("execute") || name.equals("addBatch")) {
                if (args != null && args.length > 0 && args[0] instanceof String text) {
                    sql.add(text);
                }
            }
            if (name.startsWith("execute")) {
                executions.incrementAndGet();
            }
            if (recordRoundTrips && name.startsWith("execute")) {
                roundTrips.add(args != null && args.length > 0 && args[0] instanceof String text ? text : prepared);
            }
            if (name.equals("executeUpdate") || name.equals("executeLargeUpdate")) {
                singleUpdates.incrementAndGet();
            } else if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
                batches.incrementAndGet();
            } else if (name.equals("getConnection")) {
                throw new UnsupportedOperationException("the store must not reach around the proxy");
            }
            return call(real, method, args);
        }
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}

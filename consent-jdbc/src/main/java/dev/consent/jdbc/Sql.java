package dev.consent.jdbc;

import dev.consent.StoreException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Runs one statement on a connection it is handed (it never opens, commits or closes one: the caller owns the
 * transaction) and closes the statement and its result. Failures stay {@link SQLException}s, so the caller's
 * transaction can classify them by SQLState ({@link SqlStates}) before {@link #failure} makes them a
 * {@link StoreException}; a row the mapper refuses (a stored value that is not a valid one) becomes an
 * {@link SQLException} of state {@code XX001} naming the statement, never the value.
 */
final class Sql {
    /** The most rows one JDBC batch carries. */
    static final int BATCH = 1_000;

    private Sql() {
    }

    /** Binds a statement's parameters. */
    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Binds one row's parameters of a batch. */
    @FunctionalInterface
    interface RowBinder<T> {
        void bind(PreparedStatement ps, T row) throws SQLException;
    }

    /** Makes a value of the current row. */
    @FunctionalInterface
    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A statement without parameters. */
    static final Binder NO_PARAMETERS = ps -> {
    };

    /** Every row, in the order the statement returns them. */
    static <T> List<T> query(Connection c, String sql, Binder binder, RowMapper<T> mapper) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(map(rs, mapper, sql));
                }
            }
            return out;
        }
    }

    /** The only row, or empty; a second row is an {@link SQLException} of state 21000 (cardinality violation). */
    static <T> Optional<T> queryOne(Connection c, String sql, Binder binder, RowMapper<T> mapper)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                T value = map(rs, mapper, sql);
                if (rs.next()) {
                    throw new SQLException("more than one row where at most one was expected: " + sql, "21000");
                }
                return Optional.of(value);
            }
        }
    }

    /** The update count of one {@code INSERT}, {@code UPDATE} or {@code DELETE}. */
    static int update(Connection c, String sql, Binder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            binder.bind(ps);
            return ps.executeUpdate();
        }
    }

    /**
     * As {@link #update}, with {@code savepoint} (when not null) set before the statement and released after it in the
     * same prepared text, sent in one round trip ({@link Transactions.StatementSavepoint}); answers the statement's
     * own update count.
     */
    static int update(Connection c, Transactions.StatementSavepoint savepoint, String sql, Binder binder)
            throws SQLException {
        if (savepoint == null) {
            return update(c, sql, binder);
        }
        try (PreparedStatement ps = c.prepareStatement(savepoint.set() + sql + savepoint.release())) {
            binder.bind(ps);
            savepoint.sending();
            ps.execute(); // the savepoint's count first, then the statement's, then the release's
            if (ps.getMoreResults()) {
                throw new SQLException("an update answered rows: " + sql, "XX000");
            }
            return ps.getUpdateCount();
        }
    }

    /**
     * Runs the statement once per row as JDBC batches of at most {@link #BATCH} rows; returns the counts the driver
     * reported, which may be {@link java.sql.Statement#SUCCESS_NO_INFO} (MariaDB's bulk protocol).
     */
    static <T> int[] batch(Connection c, String sql, List<T> rows, RowBinder<T> binder) throws SQLException {
        int[] counts = new int[rows.size()];
        Arrays.fill(counts, Statement.SUCCESS_NO_INFO); // until the driver reports a row's count
        if (rows.isEmpty()) {
            return counts;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int done = 0;
            int pending = 0;
            for (T row : rows) {
                binder.bind(ps, row);
                ps.addBatch();
                if (++pending == BATCH) {
                    done = copy(ps.executeBatch(), counts, done);
                    pending = 0;
                }
            }
            if (pending > 0) {
                copy(ps.executeBatch(), counts, done);
            }
        }
        return counts;
    }

    /**
     * Runs the statement once per row, each execution on its own (no batch), and returns each row's update count: the
     * way to exact counts where a driver's batches do not report them.
     */
    static <T> int[] eachRow(Connection c, String sql, List<T> rows, RowBinder<T> binder) throws SQLException {
        int[] counts = new int[rows.size()];
        if (rows.isEmpty()) {
            return counts;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int n = 0; n < counts.length; n++) {
                binder.bind(ps, rows.get(n));
                counts[n] = ps.executeUpdate();
            }
        }
        return counts;
    }

    /** The one way a failed statement becomes a store failure: the operation named, the cause kept. */
    static StoreException failure(String operation, SQLException e) {
        return new StoreException(operation, e);
    }

    private static int copy(int[] batch, int[] into, int from) {
        System.arraycopy(batch, 0, into, from, Math.min(batch.length, into.length - from));
        return from + batch.length;
    }

    private static <T> T map(ResultSet rs, RowMapper<T> mapper, String sql) throws SQLException {
        try {
            return mapper.map(rs);
        } catch (RuntimeException e) {
            throw new SQLException("a stored row is not a valid value: " + StoreException.describe(e) + " (read by "
                    + sql + ")", "XX001", e);
        }
    }
}

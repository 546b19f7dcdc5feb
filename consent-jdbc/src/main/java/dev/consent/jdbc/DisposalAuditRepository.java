package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.retention.Anchor;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRecord;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * The disposal audit ({@code disposals}) and its counter ({@code disposal_counter}, one row, id 1) of
 * {@code V3__retention_rights.sql}. Sequences are taken from the counter, whose row lock (held until the caller
 * commits) keeps them gapless and visible in order. Every method runs on the connection it is given and never opens,
 * commits or closes one. Stateless and thread-safe.
 */
final class DisposalAuditRepository {
    private final Dialect dialect;
    private final String table;
    private final String counter;

    DisposalAuditRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.table = prefix + "disposals";
        this.counter = prefix + "disposal_counter";
    }

    /** The audit table's name, prefix included. */
    String table() {
        return table;
    }

    /** The counter table's name, prefix included. */
    String counter() {
        return counter;
    }

    /**
     * Advances the counter by {@code n} under its row lock (held until the caller's transaction ends); returns the new
     * last sequence, so this caller owns the {@code n} sequences up to it.
     *
     * @throws StoreException (operation {@code finishClaims}) when the counter row is missing
     */
    long advanceCounter(Connection c, int n) throws SQLException {
        if (Sql.update(c, "UPDATE " + counter + " SET last_seq = last_seq + ? WHERE id = 1", ps -> ps.setLong(1, n)) != 1) {
            throw counterMissing();
        }
        return Sql.queryOne(c, "SELECT last_seq FROM " + counter + " WHERE id = 1", Sql.NO_PARAMETERS,
                rs -> rs.getLong(1)).orElseThrow();
    }

    /** The failure of a finish that found no counter row (id 1) to take sequences from. */
    StoreException counterMissing() {
        return new StoreException("finishClaims", "the audit counter row (id 1) is missing from " + counter
                + "; the schema is incomplete: apply V3__retention_rights.sql or let the store create its schema");
    }

    /**
     * Inserts the entries with consecutive sequences from {@code first}, in list order, as JDBC batches or one by one;
     * a sequence already used fails with a unique violation.
     */
    void insert(Connection c, List<AuditValues> entries, long first, boolean batched) throws SQLException {
        String sql = "INSERT INTO " + table + " (" + AuditValues.COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        long[] next = {first};
        Sql.RowBinder<AuditValues> binder = (ps, a) -> a.bind(ps, next[0]++, dialect);
        if (batched) {
            Sql.batch(c, sql, entries, binder); // a failed insert throws; the counts are not needed
        } else {
            Sql.eachRow(c, sql, entries, binder);
        }
    }

    /** Up to {@code limit} entries after sequence {@code afterSequence}, in sequence order. */
    List<DisposalRecord> after(Connection c, long afterSequence, int limit) throws SQLException {
        return List.copyOf(Sql.query(c, "SELECT seq, " + dialect.selectInstant("recorded_at")
                + ", item_ref, category, purpose, rule_id, policy_version, anchor, " + dialect.selectInstant("anchor_at")
                + ", " + dialect.selectInstant("cutoff") + ", action, outcome, attempt, idempotency_key, node, failure"
                + " FROM " + table + " WHERE seq > ? ORDER BY seq LIMIT ?", ps -> {
                    ps.setLong(1, afterSequence);
                    ps.setInt(2, limit);
                }, this::row));
    }

    private DisposalRecord row(ResultSet rs) throws SQLException {
        String anchor = rs.getString(8);
        return new DisposalRecord(rs.getLong(1), dialect.getInstant(rs, 2), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getString(6), rs.getString(7),
                anchor == null ? Optional.empty() : Optional.of(Anchor.of(anchor)),
                Optional.ofNullable(dialect.getInstant(rs, 9)), dialect.getInstant(rs, 10),
                DisposalAction.valueOf(rs.getString(11)), DisposalRecord.Outcome.valueOf(rs.getString(12)),
                rs.getInt(13), rs.getString(14), rs.getString(15), Optional.ofNullable(rs.getString(16)));
    }
}

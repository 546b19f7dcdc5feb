package dev.consent.jdbc;

import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.SubjectId;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Table {@code checkpoints}: per subject, the signed record of the events pruned from its chain (the sequence and
 * hash of the last one, when and up to which horizon). Every method runs on the connection it is handed, inside the
 * caller's transaction; none commits.
 */
final class CheckpointRepository {
    private final Dialect dialect;
    private final String checkpoints;
    private final String select;

    CheckpointRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.checkpoints = prefix + "checkpoints";
        this.select = "SELECT seq, event_hash, " + dialect.selectInstant("pruned_at") + ", "
                + dialect.selectInstant("horizon") + ", signature FROM " + checkpoints + " WHERE subject = ?";
    }

    Optional<ChainCheckpoint> find(Connection c, SubjectId subject) throws SQLException {
        return Sql.queryOne(c, select, ps -> ps.setString(1, subject.value()), rs -> new ChainCheckpoint(subject,
                rs.getLong(1), rs.getString(2), dialect.getInstant(rs, 3), dialect.getInstant(rs, 4), rs.getString(5)));
    }

    /**
     * Stores {@code checkpoint}: an update of the subject's row when {@code replacing}, else an insert, which a
     * concurrent first checkpoint of the subject turns into a unique violation.
     */
    void save(Connection c, ChainCheckpoint checkpoint, boolean replacing) throws SQLException {
        String write = replacing
                ? "UPDATE " + checkpoints + " SET seq = ?, event_hash = ?, pruned_at = ?, horizon = ?, signature = ?"
                        + " WHERE subject = ?"
                : "INSERT INTO " + checkpoints + " (seq, event_hash, pruned_at, horizon, signature, subject)"
                        + " VALUES (?, ?, ?, ?, ?, ?)";
        Sql.update(c, write, ps -> {
            ps.setLong(1, checkpoint.sequence());
            ps.setString(2, checkpoint.hash());
            dialect.setInstant(ps, 3, checkpoint.prunedAt());
            dialect.setInstant(ps, 4, checkpoint.horizon());
            ps.setString(5, checkpoint.signature());
            ps.setString(6, checkpoint.subject().value());
        });
    }
}

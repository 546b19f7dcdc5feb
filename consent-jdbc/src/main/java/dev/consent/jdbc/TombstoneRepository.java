package dev.consent.jdbc;

import dev.consent.retention.Tombstone;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Erasure tombstones ({@code tombstones}, {@code V3__retention_rights.sql}): one row per erased subject's reference,
 * never updated. Every method runs on the connection it is given and never opens, commits or closes one. Stateless and
 * thread-safe.
 */
final class TombstoneRepository {
    private final Dialect dialect;
    private final String table;

    TombstoneRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.table = prefix + "tombstones";
    }

    /** Inserts the tombstone; a reference already stored fails with a unique violation. */
    void insert(Connection c, Tombstone tombstone) throws SQLException {
        Sql.update(c, "INSERT INTO " + table + " (subject_ref, erasure_requested_at) VALUES (?, ?)", ps -> {
            ps.setString(1, tombstone.subjectReference());
            dialect.setInstant(ps, 2, tombstone.erasureRequestedAt());
        });
    }

    Optional<Tombstone> read(Connection c, String subjectReference) throws SQLException {
        return Sql.queryOne(c, "SELECT subject_ref, " + dialect.selectInstant("erasure_requested_at") + " FROM " + table
                + " WHERE subject_ref = ?", ps -> ps.setString(1, subjectReference),
                rs -> new Tombstone(rs.getString(1), dialect.getInstant(rs, 2)));
    }
}

package dev.consent.jdbc;

import dev.consent.store.SuppressionEntry;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Table {@code suppression}: one row per suppressed contact identifier, keyed by its keyed hash, never holding the
 * identifier. An entry is an {@code INSERT}; a second one for the same hash hits the primary key and the caller answers
 * false. Every method runs on the connection it is handed, inside the caller's transaction; none commits.
 */
final class SuppressionRepository {
    private final Dialect dialect;
    private final String table;

    SuppressionRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.table = prefix + "suppression";
    }

    /** Inserts the entry; one stored for its hash already is a unique violation. */
    void insert(Connection c, SuppressionEntry entry) throws SQLException {
        Sql.update(c, "INSERT INTO " + table + " (keyed_hash, key_id, reason, suppressed_at) VALUES (?, ?, ?, ?)",
                ps -> {
                    ps.setString(1, entry.keyedHash());
                    ps.setString(2, entry.keyId());
                    ps.setString(3, entry.reason().name());
                    dialect.setInstant(ps, 4, entry.at());
                });
    }

    /**
     * The most hashes one look-up query takes: a campaign chunk of 1,000 addresses under a ring of two keys is one
     * query on every database (an {@code IN} list of this size is well within H2's and MariaDB's limits; PostgreSQL
     * binds one array).
     */
    static final int LOOKUP_CHUNK = 5_000;

    /** The hashes among {@code hashes} that are stored, {@link #LOOKUP_CHUNK} per query. */
    Set<String> present(Connection c, List<String> hashes) throws SQLException {
        Set<String> out = new HashSet<>();
        for (List<String> chunk : chunks(hashes, Math.max(LOOKUP_CHUNK, dialect.chunkSize()))) {
            out.addAll(Sql.query(c, "SELECT keyed_hash FROM " + table + " WHERE "
                    + dialect.oneOf("keyed_hash", chunk.size()), ps -> dialect.bindKeys(c, ps, 1, chunk),
                    rs -> rs.getString(1)));
        }
        return out;
    }

    /** Deletes the rows of {@code hashes}; returns how many. */
    long delete(Connection c, List<String> hashes) throws SQLException {
        long deleted = 0;
        for (List<String> chunk : chunks(hashes, dialect.chunkSize())) {
            deleted += Sql.update(c, "DELETE FROM " + table + " WHERE " + dialect.oneOf("keyed_hash", chunk.size()),
                    ps -> dialect.bindKeys(c, ps, 1, chunk));
        }
        return deleted;
    }

    private static List<List<String>> chunks(List<String> keys, int size) {
        List<List<String>> out = new ArrayList<>();
        for (int from = 0; from < keys.size(); from += size) {
            out.add(keys.subList(from, Math.min(keys.size(), from + size)));
        }
        return out;
    }
}

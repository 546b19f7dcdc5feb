package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.retention.LegalHold;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Legal holds ({@code holds}, {@code V3__retention_rights.sql}): one row per hold, its categories as one
 * space-separated text, listed in the order they were placed ({@code placed_seq}). Every method runs on the connection
 * it is given and never opens, commits or closes one. Stateless and thread-safe.
 */
final class HoldRepository {
    private static final int MAX_CATEGORIES = 4_000;
    /** The columns {@link #bind} binds, in order, before the hold's id. */
    private static final List<String> COLUMNS = List.of("subject", "categories", "reason", "placed_by", "placed_at",
            "released_by", "release_reason", "released_at");

    private final Dialect dialect;
    private final String select;
    private final String update;
    private final String insert;

    HoldRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        String table = prefix + "holds";
        this.select = "SELECT hold_id, subject, categories, reason, placed_by, " + dialect.selectInstant("placed_at")
                + ", released_by, release_reason, " + dialect.selectInstant("released_at") + " FROM " + table;
        this.update = "UPDATE " + table + " SET " + String.join(" = ?, ", COLUMNS) + " = ? WHERE hold_id = ?";
        this.insert = "INSERT INTO " + table + " (" + String.join(", ", COLUMNS) + ", hold_id) VALUES ("
                + String.join(", ", Collections.nCopies(COLUMNS.size() + 1, "?")) + ")";
    }

    /**
     * A hold's categories as stored, validated with its instants before any connection is borrowed.
     *
     * @throws InvalidValueException when an instant is finer than a microsecond or out of range, or the categories
     *         exceed 4,000 characters separated by spaces
     */
    static String categories(LegalHold hold, Dialect dialect) {
        StoredInstants.exact("hold.placedAt", hold.placedAt(), dialect);
        hold.release().ifPresent(r -> StoredInstants.exact("hold.releasedAt", r.releasedAt(), dialect));
        String categories = hold.categories().stream().map(CategoryId::value).collect(Collectors.joining(" "));
        if (categories.length() > MAX_CATEGORIES) {
            throw new InvalidValueException("hold.categories", hold.categories().size() + " categories",
                    "must fit in " + MAX_CATEGORIES + " characters, separated by spaces");
        }
        return categories;
    }

    /**
     * An {@code UPDATE} by id, else an {@code INSERT}; an insert that meets a concurrent one fails with a unique
     * violation (then the caller's next attempt updates).
     */
    void save(Connection c, LegalHold hold, String categories) throws SQLException {
        if (Sql.update(c, update, ps -> bind(ps, hold, categories)) != 1) {
            Sql.update(c, insert, ps -> bind(ps, hold, categories));
        }
    }

    Optional<LegalHold> read(Connection c, String id) throws SQLException {
        return Sql.queryOne(c, select + " WHERE hold_id = ?", ps -> ps.setString(1, id), this::row);
    }

    List<LegalHold> ofSubject(Connection c, SubjectId subject) throws SQLException {
        return List.copyOf(Sql.query(c, select + " WHERE subject = ? ORDER BY placed_seq",
                ps -> ps.setString(1, subject.value()), this::row));
    }

    /**
     * Adds the holds of the subjects keyed in {@code into} to their lists, in placing order: one query per chunk of
     * subjects ({@code IN} list, or {@code = ANY(text[])} on PostgreSQL).
     */
    void ofSubjects(Connection c, Map<SubjectId, List<LegalHold>> into) throws SQLException {
        List<String> keys = into.keySet().stream().map(SubjectId::value).toList();
        int size = dialect.chunkSize();
        for (int from = 0; from < keys.size(); from += size) {
            List<String> chunk = keys.subList(from, Math.min(keys.size(), from + size));
            for (LegalHold h : Sql.query(c, select + " WHERE " + dialect.oneOf("subject", chunk.size())
                    + " ORDER BY placed_seq", ps -> dialect.bindKeys(c, ps, 1, chunk), this::row)) {
                List<LegalHold> of = into.get(h.subject());
                if (of != null) {
                    of.add(h);
                }
            }
        }
    }

    private void bind(PreparedStatement ps, LegalHold hold, String categories) throws SQLException {
        ps.setString(1, hold.subject().value());
        ps.setString(2, categories);
        ps.setString(3, hold.reason());
        ps.setString(4, hold.placedBy());
        dialect.setInstant(ps, 5, hold.placedAt());
        Optional<LegalHold.Release> r = hold.release();
        ps.setString(6, r.map(LegalHold.Release::releasedBy).orElse(null));
        ps.setString(7, r.map(LegalHold.Release::reason).orElse(null));
        dialect.setInstant(ps, 8, r.map(LegalHold.Release::releasedAt).orElse(null));
        ps.setString(9, hold.id());
    }

    private LegalHold row(ResultSet rs) throws SQLException {
        Set<CategoryId> categories = new TreeSet<>();
        String text = rs.getString(3);
        if (!text.isEmpty()) {
            for (String c : text.split(" ")) {
                categories.add(CategoryId.of(c));
            }
        }
        Instant releasedAt = dialect.getInstant(rs, 9);
        Optional<LegalHold.Release> release = releasedAt == null ? Optional.empty()
                : Optional.of(new LegalHold.Release(rs.getString(7), rs.getString(8), releasedAt));
        return new LegalHold(rs.getString(1), SubjectId.of(rs.getString(2)), categories, rs.getString(4),
                rs.getString(5), dialect.getInstant(rs, 6), release);
    }
}

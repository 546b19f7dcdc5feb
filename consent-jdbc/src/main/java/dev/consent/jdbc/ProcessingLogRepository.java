package dev.consent.jdbc;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.internal.Checks;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.LegalBasis;
import dev.consent.policy.PurposeId;
import dev.consent.processing.ProcessingEntry;
import dev.consent.store.ProcessingStore.UseAppend;
import dev.consent.store.ProcessingStore.UseCursor;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Table {@code processing_log} (migration V9): one row per entry, the categories as space-separated ids. Every method
 * runs on the connection it is handed, inside the caller's transaction; none commits.
 * The append's guard, which reads the change feed before the entries are inserted, is {@link JdbcProcessing}'s.
 */
final class ProcessingLogRepository {
    private static final String COLUMNS_AFTER_AT = "entry_id, subject_key, pseudonymised, purpose, categories, "
            + "use_text, batch_id, legal_basis, reason, policy_version, rests_on_seq, rests_on_visitor";
    private static final int CATEGORIES_MAX = 4_000;

    private final Dialect dialect;
    private final String table;
    private final String columns;

    ProcessingLogRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.table = prefix + "processing_log";
        this.columns = dialect.selectInstant("used_at") + ", " + COLUMNS_AFTER_AT;
    }

    /**
     * Checks entries before their transaction starts; returns their subjects' ids, sorted.
     *
     * @throws InvalidValueException when an entry breaks a rule of the table; nothing is written
     * @throws ConflictException when an id appears twice
     */
    List<String> checkedSubjects(List<ProcessingEntry> entries) {
        Checks.required("entries", entries);
        Set<String> ids = new HashSet<>();
        Set<String> subjects = new TreeSet<>();
        for (ProcessingEntry e : entries) {
            Checks.required("entries[]", e);
            StoredInstants.exact("entry.at", e.at(), dialect);
            if (categories(e).length() > CATEGORIES_MAX) {
                throw new InvalidValueException("entry.categories", e.categories().size() + " categories",
                        "must fit " + CATEGORIES_MAX + " characters, separated by spaces");
            }
            if (!ids.add(e.id())) {
                throw new ConflictException("entry.id: \"" + e.id() + "\" appears twice in one append; nothing written");
            }
            e.subject().ifPresent(s -> subjects.add(s.value()));
        }
        return new ArrayList<>(subjects);
    }

    /** Appends the entries; an id stored already is a unique violation, answered by {@link #duplicateId}. */
    Outcome<UseAppend> append(Connection c, List<ProcessingEntry> entries) throws SQLException {
        insert(c, entries);
        return Outcome.commit(UseAppend.success());
    }

    /** The refusal of an append whose id is stored already. */
    static ConflictException duplicateId() {
        return new ConflictException("entry.id: an id of the append is already in the processing log; nothing written");
    }

    private void insert(Connection c, List<ProcessingEntry> entries) throws SQLException {
        Sql.batch(c, "INSERT INTO " + table + " (used_at, " + COLUMNS_AFTER_AT
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", entries, (ps, e) -> {
                    dialect.setInstant(ps, 1, e.at());
                    ps.setString(2, e.id());
                    ps.setString(3, e.subjectKey());
                    ps.setBoolean(4, e.pseudonymised());
                    ps.setString(5, e.purpose().value());
                    ps.setString(6, categories(e));
                    ps.setString(7, e.use());
                    ps.setString(8, e.batch().orElse(null));
                    ps.setString(9, e.basis().name());
                    ps.setString(10, e.reason().name());
                    ps.setString(11, e.policyVersion());
                    if (e.decidingEventSequence().isPresent()) {
                        ps.setLong(12, e.decidingEventSequence().getAsLong());
                    } else {
                        ps.setNull(12, Types.BIGINT);
                    }
                    ps.setString(13, e.decidingEventVisitor().map(SubjectId::value).orElse(null));
                });
    }

    private static String categories(ProcessingEntry e) {
        return String.join(" ", e.categories().stream().map(CategoryId::value).toList());
    }

    /**
     * Up to {@code limit} entries of one key (a subject id, or a pseudonym when {@code pseudonymised}) in (used_at,
     * entry_id) order, after {@code after} unless it is null. Check the cursor first with {@link #checkCursor}.
     */
    List<ProcessingEntry> page(Connection c, String key, boolean pseudonymised, UseCursor after, int limit)
            throws SQLException {
        Dialect.Keyset keyset = dialect.after(List.of("used_at", "entry_id"));
        return Sql.query(c, "SELECT " + columns + " FROM " + table + " WHERE subject_key = ? AND pseudonymised = ?"
                + (after != null ? " AND " + keyset.sql() : "") + " ORDER BY used_at, entry_id LIMIT ?", ps -> {
                    ps.setString(1, key);
                    ps.setBoolean(2, pseudonymised);
                    int i = 3;
                    if (after != null) {
                        i = keyset.bind(ps, i, List.<Dialect.Binder>of(
                                (p, x) -> dialect.setInstant(p, x, after.at()), (p, x) -> p.setString(x, after.id())));
                    }
                    ps.setInt(i, limit);
                }, this::read);
    }

    /** @throws InvalidValueException when the cursor's instant is outside the range the database stores */
    void checkCursor(UseCursor after) {
        StoredInstants.roundedDown("after.at", Checks.required("after", after).at(), dialect);
    }

    private ProcessingEntry read(ResultSet rs) throws SQLException {
        Instant at = dialect.getInstant(rs, 1);
        TreeSet<CategoryId> categories = new TreeSet<>();
        for (String c : rs.getString(6).split(" ")) {
            categories.add(CategoryId.of(c));
        }
        long seq = rs.getLong(12);
        OptionalLong restsOn = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(seq);
        String visitor = rs.getString(13);
        return new ProcessingEntry(rs.getString(2), rs.getString(3), rs.getBoolean(4), PurposeId.of(rs.getString(5)),
                categories, rs.getString(7), Optional.ofNullable(rs.getString(8)), at,
                LegalBasis.valueOf(rs.getString(9)), Reason.valueOf(rs.getString(10)), rs.getString(11), restsOn,
                Optional.ofNullable(visitor).map(SubjectId::of));
    }

    /** The entries for {@code purpose} used in [{@code low}, {@code high}), both bounds from {@link #bound}. */
    long count(Connection c, PurposeId purpose, Instant low, Instant high) throws SQLException {
        return Sql.queryOne(c, "SELECT COUNT(*) FROM " + table + " WHERE used_at >= ? AND used_at < ? AND purpose = ?",
                ps -> {
                    dialect.setInstant(ps, 1, low);
                    dialect.setInstant(ps, 2, high);
                    ps.setString(3, purpose.value());
                }, rs -> rs.getLong(1)).orElseThrow();
    }

    /**
     * @throws InvalidValueException when a subject is null or a pseudonym is not 64 lower-case hex digits (the value is
     *         not quoted)
     */
    void checkPseudonyms(Map<SubjectId, String> pseudonyms) {
        Checks.required("pseudonyms", pseudonyms);
        pseudonyms.forEach((s, p) -> {
            Checks.required("subject", s);
            if (!Checks.isSha256Hex(p)) {
                throw new InvalidValueException("pseudonym", null, "must be 64 lower-case hex digits");
            }
        });
    }

    /**
     * Replaces each subject's id by its pseudonym in its entries used up to {@code upTo} (every entry when null): one
     * {@code UPDATE} per subject, sent as one JDBC batch. The visitor id goes too, since it identifies the subject as
     * well as its own id does.
     */
    long pseudonymise(Connection c, Map<SubjectId, String> pseudonyms, Instant upTo) throws SQLException {
        long changed = 0;
        for (int n : Sql.batch(c, "UPDATE " + table + " SET subject_key = ?, pseudonymised = ?, rests_on_visitor = NULL"
                + " WHERE subject_key = ? AND pseudonymised = ?" + (upTo != null ? " AND used_at <= ?" : ""),
                new ArrayList<>(pseudonyms.entrySet()), (ps, m) -> {
                    ps.setString(1, m.getValue());
                    ps.setBoolean(2, true);
                    ps.setString(3, m.getKey().value());
                    ps.setBoolean(4, false);
                    if (upTo != null) {
                        dialect.setInstant(ps, 5, upTo);
                    }
                })) {
            if (n < 0) {
                throw new SQLException("the database did not report how many rows a pseudonymisation changed", "XX000");
            }
            changed += n;
        }
        return changed;
    }

    /** Up to {@code limit} subjects with entries used up to {@code upTo}, in id order, after {@code after} unless null. */
    List<SubjectId> subjects(Connection c, Instant upTo, SubjectId after, int limit) throws SQLException {
        return Sql.query(c, "SELECT DISTINCT subject_key FROM " + table + " WHERE pseudonymised = ? AND used_at <= ?"
                + (after != null ? " AND subject_key > ?" : "") + " ORDER BY subject_key LIMIT ?", ps -> {
                    int i = 1;
                    ps.setBoolean(i++, false);
                    dialect.setInstant(ps, i++, upTo);
                    if (after != null) {
                        ps.setString(i++, after.value());
                    }
                    ps.setInt(i, limit);
                }, rs -> SubjectId.of(rs.getString(1)));
    }

    /** Deletes the entries of {@code keys} (subject ids, not pseudonymised) used up to {@code upTo}, in chunks. */
    long delete(Connection c, List<String> keys, Instant upTo) throws SQLException {
        long deleted = 0;
        for (List<String> chunk : Keys.chunks(keys, dialect)) {
            deleted += Sql.update(c, "DELETE FROM " + table + " WHERE pseudonymised = ? AND used_at <= ? AND "
                    + dialect.oneOf("subject_key", chunk.size()), ps -> {
                        ps.setBoolean(1, false);
                        dialect.setInstant(ps, 2, upTo);
                        dialect.bindKeys(c, ps, 3, chunk);
                    });
        }
        return deleted;
    }

    /** Deletes the pseudonymised entries used up to {@code upTo}. */
    long deletePseudonymised(Connection c, Instant upTo) throws SQLException {
        return Sql.update(c, "DELETE FROM " + table + " WHERE pseudonymised = ? AND used_at <= ?", ps -> {
            ps.setBoolean(1, true);
            dialect.setInstant(ps, 2, upTo);
        });
    }

    /**
     * A query bound within the range the columns hold, rounded down to the microsecond (entries are whole
     * microseconds, so the same rows compare at or before it); a bound beyond the range compares as its end. Null when
     * {@code t} lies before every instant the columns hold, so that no entry is at or before it: the caller answers
     * that itself.
     *
     * @throws InvalidValueException when {@code t} is null
     */
    Instant bound(String field, Instant t) {
        Instant down = Checks.required(field, t).truncatedTo(ChronoUnit.MICROS);
        if (t.isBefore(dialect.minInstant())) {
            return null;
        }
        return down.isAfter(dialect.maxInstant()) ? dialect.maxInstant() : down;
    }

    /** As {@link #bound}, but a lower bound: before the range it compares as the range's start. */
    Instant lowerBound(String field, Instant t) {
        Instant b = bound(field, t);
        return b == null ? dialect.minInstant() : b;
    }
}

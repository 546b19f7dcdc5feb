package dev.consent.jdbc;

import dev.consent.ConflictException;
import dev.consent.InvalidValueException;
import dev.consent.Reason;
import dev.consent.StoreException;
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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * The processing-log half of {@link JdbcStore} (table {@code <prefix>processing_log}, migration V9): one row per
 * entry, the categories as space-separated ids.
 *
 * <p>The append's guard: in one transaction, take the feed lock row in shared mode ({@code FOR SHARE} on PostgreSQL,
 * {@code LOCK IN SHARE MODE} on MariaDB, {@code FOR UPDATE} on H2, which has no shared row locks), read the
 * change-feed entries above the caller's position for the entries' subjects, and insert the entries only if there
 * are none. Every transaction that writes the change feed holds that row {@code FOR UPDATE} from drawing its
 * positions until it commits, so while the guard holds its shared lock no such transaction can commit: a change
 * either committed before the lock was granted, and the read that follows it (a new statement, hence a new snapshot
 * under READ COMMITTED, and MariaDB's first consistent read of the transaction) sees it, or it commits after the
 * entries. Appends of the log do not wait for each other except on H2.
 */
final class ProcessingTables {
    private static final String COLUMNS_AFTER_AT = "entry_id, subject_key, pseudonymised, purpose, categories, "
            + "use_text, batch_id, legal_basis, reason, policy_version, rests_on_seq, rests_on_visitor";
    private static final int CATEGORIES_MAX = 4_000;

    private final Transactions tx;
    private final Dialect dialect;
    private final String table;
    private final String changes;
    private final String feedLock;
    private final String columns;

    ProcessingTables(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.table = prefix + "processing_log";
        this.changes = prefix + "changes";
        this.feedLock = prefix + "feed_lock";
        this.columns = dialect.selectInstant("used_at") + ", " + COLUMNS_AFTER_AT;
    }

    UseAppend appendUses(List<ProcessingEntry> entries, long feedPosition) {
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
        if (entries.isEmpty()) {
            return UseAppend.success();
        }
        return tx.inTransaction("appendUses", c -> {
            lockFeedShared(c);
            Set<SubjectId> changed = new LinkedHashSet<>();
            for (List<String> chunk : chunks(new ArrayList<>(subjects))) {
                try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT subject FROM " + changes
                        + " WHERE feed_position > ? AND " + dialect.oneOf("subject", chunk.size()))) {
                    ps.setLong(1, feedPosition);
                    dialect.bindKeys(c, ps, 2, chunk);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            changed.add(SubjectId.of(rs.getString(1)));
                        }
                    }
                }
            }
            if (!changed.isEmpty()) {
                return Outcome.rollback(UseAppend.changed(changed));
            }
            insert(c, entries);
            return Outcome.commit(UseAppend.success());
        }, c -> {
            throw new ConflictException("entry.id: an id of the append is already in the processing log; nothing "
                    + "written");
        });
    }

    private void lockFeedShared(Connection c) throws SQLException {
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM " + feedLock + " WHERE id = 1" + dialect.shareLock())) {
            if (!rs.next()) {
                throw new StoreException("appendUses", "the feed lock row (id 1) is missing from " + feedLock
                        + "; the schema is incomplete: apply V1__consent.sql or let the store create its schema");
            }
        }
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
                    if (e.restsOnSequence().isPresent()) {
                        ps.setLong(12, e.restsOnSequence().getAsLong());
                    } else {
                        ps.setNull(12, Types.BIGINT);
                    }
                    ps.setString(13, e.restsOnVisitor().map(SubjectId::value).orElse(null));
                });
    }

    private static String categories(ProcessingEntry e) {
        return String.join(" ", e.categories().stream().map(CategoryId::value).toList());
    }

    List<ProcessingEntry> uses(SubjectId subject, Optional<UseCursor> after, int limit) {
        Checks.required("subject", subject);
        return page("uses", subject.value(), false, after, limit);
    }

    List<ProcessingEntry> pseudonymisedUses(String pseudonym, Optional<UseCursor> after, int limit) {
        Checks.required("pseudonym", pseudonym);
        return page("pseudonymisedUses", pseudonym, true, after, limit);
    }

    private List<ProcessingEntry> page(String operation, String key, boolean pseudonymised, Optional<UseCursor> after,
            int limit) {
        positive(limit);
        Checks.required("after", after);
        after.ifPresent(a -> StoredInstants.roundedDown("after.at", a.at(), dialect));
        Dialect.Keyset keyset = dialect.after(List.of("used_at", "entry_id"));
        return tx.read(operation, c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + columns + " FROM " + table
                    + " WHERE subject_key = ? AND pseudonymised = ?" + (after.isPresent() ? " AND " + keyset.sql() : "")
                    + " ORDER BY used_at, entry_id LIMIT ?")) {
                ps.setString(1, key);
                ps.setBoolean(2, pseudonymised);
                int i = 3;
                if (after.isPresent()) {
                    UseCursor a = after.get();
                    i = keyset.bind(ps, i, List.<Dialect.Binder>of(
                            (p, x) -> dialect.setInstant(p, x, a.at()), (p, x) -> p.setString(x, a.id())));
                }
                ps.setInt(i, limit);
                List<ProcessingEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
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

    long countUses(PurposeId purpose, Instant from, Instant until) {
        Checks.required("purpose", purpose);
        Instant low = clamp("from", from);
        Instant high = clamp("until", until);
        if (beforeRange(until)) {
            return 0;
        }
        return tx.read("countUses", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table
                    + " WHERE used_at >= ? AND used_at < ? AND purpose = ?")) {
                dialect.setInstant(ps, 1, low);
                dialect.setInstant(ps, 2, high);
                ps.setString(3, purpose.value());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    /**
     * One {@code UPDATE} per subject, sent as one JDBC batch in one transaction: all or nothing. The visitor id goes
     * too, since it identifies the subject as well as its own id does.
     */
    long pseudonymise(Map<SubjectId, String> pseudonyms, Optional<Instant> upTo) {
        Checks.required("pseudonyms", pseudonyms);
        Checks.required("upTo", upTo);
        pseudonyms.forEach((s, p) -> {
            Checks.required("subject", s);
            if (!Checks.isSha256Hex(p)) {
                throw new InvalidValueException("pseudonym", null, "must be 64 lower-case hex digits");
            }
        });
        if (pseudonyms.isEmpty()) {
            return 0;
        }
        if (upTo.isPresent() && beforeRange(upTo.get())) {
            return 0; // no entry is that old
        }
        Optional<Instant> bound = upTo.map(t -> clamp("upTo", t));
        return tx.inTransaction("pseudonymise", c -> {
            long changed = 0;
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET subject_key = ?, pseudonymised = ?,"
                    + " rests_on_visitor = NULL WHERE subject_key = ? AND pseudonymised = ?"
                    + (bound.isPresent() ? " AND used_at <= ?" : ""))) {
                for (Map.Entry<SubjectId, String> m : pseudonyms.entrySet()) {
                    ps.setString(1, m.getValue());
                    ps.setBoolean(2, true);
                    ps.setString(3, m.getKey().value());
                    ps.setBoolean(4, false);
                    if (bound.isPresent()) {
                        dialect.setInstant(ps, 5, bound.get());
                    }
                    ps.addBatch();
                }
                for (int n : ps.executeBatch()) {
                    if (n < 0) {
                        throw new SQLException("the database did not report how many rows a pseudonymisation changed",
                                "XX000");
                    }
                    changed += n;
                }
            }
            return Outcome.commit(changed);
        }, c -> {
            throw new StoreException("pseudonymise", "a unique violation where no unique key can be violated");
        });
    }

    List<SubjectId> subjectsWithUses(Instant upTo, Optional<SubjectId> after, int limit) {
        positive(limit);
        Checks.required("after", after);
        Instant bound = clamp("upTo", upTo);
        if (beforeRange(upTo)) {
            return List.of();
        }
        return tx.read("subjectsWithUses", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT subject_key FROM " + table
                    + " WHERE pseudonymised = ? AND used_at <= ?" + (after.isPresent() ? " AND subject_key > ?" : "")
                    + " ORDER BY subject_key LIMIT ?")) {
                int i = 1;
                ps.setBoolean(i++, false);
                dialect.setInstant(ps, i++, bound);
                if (after.isPresent()) {
                    ps.setString(i++, after.get().value());
                }
                ps.setInt(i, limit);
                List<SubjectId> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(SubjectId.of(rs.getString(1)));
                    }
                }
                return out;
            }
        });
    }

    long deleteUses(Collection<SubjectId> subjects, Instant upTo) {
        Checks.required("subjects", subjects);
        Instant bound = clamp("upTo", upTo);
        List<String> keys = new ArrayList<>(new LinkedHashSet<>(subjects.stream()
                .map(s -> Checks.required("subjects[]", s).value()).toList()));
        if (keys.isEmpty() || beforeRange(upTo)) {
            return 0;
        }
        return tx.inTransaction("deleteUses", c -> {
            long deleted = 0;
            for (List<String> chunk : chunks(keys)) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE pseudonymised = ?"
                        + " AND used_at <= ? AND " + dialect.oneOf("subject_key", chunk.size()))) {
                    ps.setBoolean(1, false);
                    dialect.setInstant(ps, 2, bound);
                    dialect.bindKeys(c, ps, 3, chunk);
                    deleted += ps.executeUpdate();
                }
            }
            return Outcome.commit(deleted);
        }, c -> 0L);
    }

    long deletePseudonymisedUses(Instant upTo) {
        Instant bound = clamp("upTo", upTo);
        if (beforeRange(upTo)) {
            return 0;
        }
        return tx.inTransaction("deletePseudonymisedUses", c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                    + " WHERE pseudonymised = ? AND used_at <= ?")) {
                ps.setBoolean(1, true);
                dialect.setInstant(ps, 2, bound);
                return Outcome.commit((long) ps.executeUpdate());
            }
        }, c -> 0L);
    }

    /** Whether {@code t} lies before every instant the columns hold (so no entry is at or before it). */
    private boolean beforeRange(Instant t) {
        return t.isBefore(dialect.minInstant());
    }

    /**
     * A query bound within the range the columns hold, rounded down to the microsecond: entries are whole
     * microseconds, so the same rows compare at or before it. A bound beyond the range compares as its end; callers
     * answer a bound before it themselves ({@link #beforeRange}), since no entry is that old.
     */
    private Instant clamp(String field, Instant t) {
        Instant down = Checks.required(field, t).truncatedTo(java.time.temporal.ChronoUnit.MICROS);
        if (down.isBefore(dialect.minInstant())) {
            return dialect.minInstant();
        }
        return down.isAfter(dialect.maxInstant()) ? dialect.maxInstant() : down;
    }

    private List<List<String>> chunks(List<String> keys) {
        List<List<String>> out = new ArrayList<>();
        for (int i = 0; i < keys.size(); i += dialect.chunkSize()) {
            out.add(keys.subList(i, Math.min(keys.size(), i + dialect.chunkSize())));
        }
        return out;
    }

    private static void positive(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
    }
}

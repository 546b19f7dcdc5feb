package dev.consent.jdbc;

import dev.consent.internal.Checks;
import dev.consent.jdbc.Dialect.Binder;
import dev.consent.jdbc.Dialect.Keyset;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.store.RetentionStore.DueCursor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The retained items table ({@code items}, {@code V3__retention_rights.sql} and {@code V13__undated_items.sql}): an
 * item's select list and row mapping, its reads by key, by subject, in key order, along the due index and along the
 * undated index, its insert, its version-checked update, and the removal of disposed rows. The claim columns
 * ({@code claim_token}, {@code claim_owner}, {@code lease_until}) are {@link ClaimRepository}'s, which builds its
 * finishing update from {@link #updateSql}. Every method runs on the connection it is given and never opens, commits
 * or closes one. Stateless and thread-safe.
 */
final class ItemRepository {
    /** The primary key, in index order. */
    static final List<String> KEY_COLUMNS = List.of("subject", "category", "purpose");
    /** The due index: an active item's due instant (NULL once disposed, so disposed items are not scanned), then the key. */
    static final List<String> DUE_COLUMNS = List.of("active_due_at", "subject", "category", "purpose");
    /** One item by its key; {@link #bindKey} binds it. */
    static final String BY_KEY = "subject = ? AND category = ? AND purpose = ?";
    /** The order of the due index. */
    static final String DUE_ORDER = " ORDER BY " + String.join(", ", DUE_COLUMNS);

    private final Dialect dialect;
    private final String table;
    private final String columns;
    private final String select;
    private final String update;
    private final String removeDisposed;

    ItemRepository(Dialect dialect, String prefix) {
        this.dialect = dialect;
        this.table = prefix + "items";
        this.columns = "subject, category, purpose, anchors, " + dialect.selectInstant("erasure_requested_at")
                + ", " + dialect.selectInstant("due_at") + ", state, attempts, " + dialect.selectInstant("not_before")
                + ", version";
        this.select = "SELECT " + columns + " FROM " + table;
        this.update = updateSql("", "");
        this.removeDisposed = "DELETE FROM " + table + " WHERE " + BY_KEY
                + " AND version = ? AND state = 'DISPOSED' AND claim_token IS NULL";
    }

    /** The table's name, prefix included. */
    String table() {
        return table;
    }

    /** {@code SELECT} of the columns {@link #row} maps, {@code FROM} this table. */
    String select() {
        return select;
    }

    /** {@link #select()} with {@code leading} (a column expression) before the columns {@link #row} maps. */
    String select(String leading) {
        return "SELECT " + leading + ", " + columns + " FROM " + table;
    }

    /**
     * The one {@code UPDATE} of an item's fields: sets the {@link ItemValues#COLUMNS} and the version, then
     * {@code alsoSet} (empty, or starting with a comma), where the key and the expected version match, then
     * {@code alsoWhere} (empty, or starting with {@code AND}). {@link #bindUpdate} binds all but {@code alsoWhere}'s
     * parameters.
     */
    String updateSql(String alsoSet, String alsoWhere) {
        return "UPDATE " + table + " SET " + String.join(" = ?, ", ItemValues.COLUMNS) + " = ?, version = ?" + alsoSet
                + " WHERE " + BY_KEY + " AND version = ?" + alsoWhere;
    }

    /**
     * Binds an {@link #updateSql} that saves {@code values} as {@code item}'s next version over its expected one;
     * returns the index of {@code alsoWhere}'s first parameter.
     */
    int bindUpdate(PreparedStatement ps, RetainedItem item, ItemValues values) throws SQLException {
        int i = values.bindFields(ps, 1, dialect);
        ps.setLong(i++, item.version() + 1);
        i = bindKey(ps, i, item.key());
        ps.setLong(i++, item.version());
        return i;
    }

    Optional<RetainedItem> read(Connection c, ItemKey key) throws SQLException {
        return Sql.queryOne(c, select + " WHERE " + BY_KEY, ps -> bindKey(ps, 1, key), this::row);
    }

    /**
     * The stored items among {@code keys} (distinct), by key: the keys sorted, then one query per chunk of at most
     * {@link Dialect#chunkSize()} keys, along the primary key, for the rows whose subject, category and purpose are each
     * among the chunk's ({@link Dialect#oneOf}: {@code IN} lists, or {@code = ANY(text[])} on PostgreSQL); of those
     * rows, only the keys asked for are kept (a chunk's subjects, categories and purposes may combine into keys that
     * were not asked for).
     */
    Map<ItemKey, RetainedItem> readAll(Connection c, List<ItemKey> keys) throws SQLException {
        Set<ItemKey> asked = new HashSet<>(keys);
        List<ItemKey> sorted = new ArrayList<>(asked);
        Collections.sort(sorted);
        Map<ItemKey, RetainedItem> out = new HashMap<>();
        int size = dialect.chunkSize();
        for (int from = 0; from < sorted.size(); from += size) {
            List<ItemKey> chunk = sorted.subList(from, Math.min(sorted.size(), from + size));
            List<String> subjects = distinctValues(chunk, k -> k.subject().value());
            List<String> categories = distinctValues(chunk, k -> k.category().value());
            List<String> purposes = distinctValues(chunk, ItemKey::purposeKey);
            String sql = select + " WHERE " + dialect.oneOf("subject", subjects.size()) + " AND "
                    + dialect.oneOf("category", categories.size()) + " AND "
                    + dialect.oneOf("purpose", purposes.size());
            for (RetainedItem item : rows(c, sql, ps -> {
                int i = dialect.bindKeys(c, ps, 1, subjects);
                i = dialect.bindKeys(c, ps, i, categories);
                dialect.bindKeys(c, ps, i, purposes);
            })) {
                if (asked.contains(item.key())) {
                    out.put(item.key(), item);
                }
            }
        }
        return out;
    }

    private static List<String> distinctValues(List<ItemKey> keys, Function<ItemKey, String> value) {
        Set<String> out = new LinkedHashSet<>();
        for (ItemKey k : keys) {
            out.add(value.apply(k));
        }
        return new ArrayList<>(out);
    }

    List<RetainedItem> ofSubject(Connection c, SubjectId subject) throws SQLException {
        return rows(c, select + " WHERE subject = ? ORDER BY category, purpose", ps -> ps.setString(1, subject.value()));
    }

    /** Up to {@code limit} items in key order, after {@code after} when present. */
    List<RetainedItem> inKeyOrder(Connection c, Optional<ItemKey> after, int limit) throws SQLException {
        Keyset keyset = after.isPresent() ? dialect.after(KEY_COLUMNS) : null;
        return rows(c, select + (keyset == null ? "" : " WHERE " + keyset.sql()) + " ORDER BY "
                + String.join(", ", KEY_COLUMNS) + " LIMIT ?", ps -> {
                    int i = 1;
                    if (keyset != null) {
                        i = keyset.bind(ps, i, keyBinders(after.get()));
                    }
                    ps.setInt(i, limit);
                });
    }

    /** Up to {@code limit} items due by {@code by}, in due order, after {@code position} ({@link #dueBinders}) if any. */
    List<RetainedItem> due(Connection c, Instant by, Optional<List<Binder>> position, int limit) throws SQLException {
        Keyset keyset = position.isPresent() ? dialect.after(DUE_COLUMNS) : null;
        return rows(c, dueSql(keyset), ps -> {
            dialect.setInstant(ps, 1, by);
            int i = 2;
            if (keyset != null) {
                i = keyset.bind(ps, i, position.get());
            }
            ps.setInt(i, limit);
        });
    }

    /**
     * The scan of the due index: parameters are the bound, then the keyset position ({@code keyset} null: from the
     * start), then the limit.
     */
    String dueSql(Keyset keyset) {
        return select + " WHERE active_due_at <= ?" + (keyset == null ? "" : " AND " + keyset.sql()) + DUE_ORDER
                + " LIMIT ?";
    }

    /**
     * A due cursor's position for {@link #due}, validated before any connection is borrowed: a cursor is made from a
     * stored item, so its instant must be exact to the microsecond.
     */
    List<Binder> dueBinders(DueCursor cursor) {
        Checks.required("after.key", cursor.key());
        Instant due = StoredInstants.exact("after.dueAt", cursor.dueAt(), dialect);
        List<Binder> out = new ArrayList<>();
        out.add((ps, i) -> dialect.setInstant(ps, i, due));
        out.addAll(keyBinders(cursor.key()));
        return out;
    }

    /**
     * Up to {@code limit} active items without a due instant, in key order, after {@code after} when present, from the
     * index of {@code V13__undated_items.sql} (a generated column on H2 and MariaDB, a partial index on PostgreSQL).
     */
    List<RetainedItem> undated(Connection c, Optional<ItemKey> after, int limit) throws SQLException {
        Dialect.UndatedScan scan = dialect.undatedScan();
        Keyset keyset = after.isPresent() ? dialect.after(scan.columns()) : null;
        return rows(c, undatedSql(keyset), ps -> {
            int i = 1;
            if (keyset != null) {
                List<Binder> position = new ArrayList<>();
                if (scan.columns().size() > KEY_COLUMNS.size()) {
                    position.add((p, n) -> p.setInt(n, 1)); // active_undated of every undated row
                }
                position.addAll(keyBinders(after.get()));
                i = keyset.bind(ps, i, position);
            }
            ps.setInt(i, limit);
        });
    }

    /**
     * The scan of undated items: parameters are the keyset position over {@link Dialect.UndatedScan#columns()}
     * ({@code keyset} null: from the start), then the limit.
     */
    String undatedSql(Keyset keyset) {
        Dialect.UndatedScan scan = dialect.undatedScan();
        return select + " WHERE " + scan.condition() + (keyset == null ? "" : " AND " + keyset.sql()) + " ORDER BY "
                + String.join(", ", scan.columns()) + " LIMIT ?";
    }

    /** Inserts a new item at version 1, without a claim; a stored key fails with a unique violation. */
    void insert(Connection c, RetainedItem item, ItemValues values) throws SQLException {
        insert(c, item, values, null);
    }

    /** As {@link #insert(Connection, RetainedItem, ItemValues)}, the savepoint (if any) in its round trip. */
    void insert(Connection c, RetainedItem item, ItemValues values, Transactions.StatementSavepoint savepoint)
            throws SQLException {
        Sql.update(c, savepoint, "INSERT INTO " + table + " (" + String.join(", ", ItemValues.COLUMNS) + ", version, "
                + String.join(", ", KEY_COLUMNS) + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                    int i = values.bindFields(ps, 1, dialect);
                    ps.setLong(i++, 1);
                    bindKey(ps, i, item.key());
                });
    }

    /** Saves {@code values} as the item's next version if its stored version is {@code item}'s; claims are kept. */
    boolean update(Connection c, RetainedItem item, ItemValues values) throws SQLException {
        return update(c, item, values, null);
    }

    /** As {@link #update(Connection, RetainedItem, ItemValues)}, the savepoint (if any) in its round trip. */
    boolean update(Connection c, RetainedItem item, ItemValues values, Transactions.StatementSavepoint savepoint)
            throws SQLException {
        return Sql.update(c, savepoint, update, ps -> bindUpdate(ps, item, values)) == 1;
    }

    /** Deletes the item at its version if it is {@code DISPOSED} and unclaimed; whether it did. */
    boolean removeDisposed(Connection c, RetainedItem item) throws SQLException {
        return Sql.update(c, removeDisposed, ps -> {
            int i = bindKey(ps, 1, item.key());
            ps.setLong(i, item.version());
        }) > 0;
    }

    /**
     * Deletes the rows of items just finished ({@code finished} holds each as its finish saved it, so its row stands
     * at the next version) that were disposed of after an erasure request ({@link RetainedItem#disposedAfterErasure()}),
     * if they are still as finished: that version, {@code DISPOSED}, no claim. A row another writer changed meanwhile
     * is kept. The row would keep the erased subject's id, and nothing needs it: the audit names the item by its keyed
     * reference.
     */
    void removeDisposedAfterErasure(Connection c, List<RetainedItem> finished) throws SQLException {
        List<RetainedItem> gone = finished.stream().filter(RetainedItem::disposedAfterErasure).toList();
        if (gone.isEmpty()) {
            return;
        }
        // a row that is not there any more, or changed, is simply not deleted
        Sql.batch(c, removeDisposed, gone, (ps, item) -> {
            int i = bindKey(ps, 1, item.key());
            ps.setLong(i, item.version() + 1);
        });
    }

    /** An item from columns 1 to 10 of {@link #select}'s list. */
    RetainedItem row(ResultSet rs) throws SQLException {
        String purpose = rs.getString(3);
        ItemKey key = new ItemKey(SubjectId.of(rs.getString(1)), CategoryId.of(rs.getString(2)),
                purpose.isEmpty() ? Optional.empty() : Optional.of(PurposeId.of(purpose)));
        return new RetainedItem(key, ItemValues.anchors(rs.getString(4)), Optional.ofNullable(dialect.getInstant(rs, 5)),
                Optional.ofNullable(dialect.getInstant(rs, 6)), RetainedItem.State.valueOf(rs.getString(7)),
                rs.getInt(8), Optional.ofNullable(dialect.getInstant(rs, 9)), rs.getLong(10));
    }

    /** Binds {@link #BY_KEY} from {@code index}; returns the next index. */
    static int bindKey(PreparedStatement ps, int index, ItemKey key) throws SQLException {
        ps.setString(index, key.subject().value());
        ps.setString(index + 1, key.category().value());
        ps.setString(index + 2, key.purposeKey());
        return index + 3;
    }

    private static List<Binder> keyBinders(ItemKey key) {
        Checks.required("after", key);
        return List.of((ps, i) -> ps.setString(i, key.subject().value()),
                (ps, i) -> ps.setString(i, key.category().value()),
                (ps, i) -> ps.setString(i, key.purposeKey()));
    }

    private List<RetainedItem> rows(Connection c, String sql, Sql.Binder binder) throws SQLException {
        return List.copyOf(Sql.query(c, sql, binder, this::row));
    }
}

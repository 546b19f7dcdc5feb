package dev.consent.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.jdbc.Dialect.Binder;
import dev.consent.jdbc.Dialect.Keyset;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.policy.CategoryId;
import dev.consent.policy.PurposeId;
import dev.consent.retention.Anchor;
import dev.consent.store.Claim;
import dev.consent.retention.DisposalAction;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.store.RetentionStore;
import dev.consent.store.RetentionStore.DueCursor;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The retention half of {@link JdbcStore}: retained items with their due index and sweeper claims, legal holds,
 * the disposal audit and tombstones, in the tables of {@code V3__retention_rights.sql}.
 *
 * <p>Claims: on PostgreSQL and MariaDB one transaction selects the claimable rows in due order with
 * {@code FOR UPDATE SKIP LOCKED} (rows another sweeper is claiming right now are passed over, not waited for) and
 * writes a token, owner and lease end into them. On H2, whose SKIP LOCKED applies the limit first, candidates are
 * read without locks and each is claimed by a conditional {@code UPDATE} (same version, still claimable) whose
 * update count says who won. Either way the claim columns, not a held lock, are what makes a claim exclusive, so a
 * claim outlives its transaction and lapses by itself when its lease ends.
 *
 * <p>Leases run on the database's clock: every claim, renewal and takeover compares and computes {@code lease_until}
 * with the database's current instant ({@link Dialect#currentInstant()}), read in the same transaction, and
 * never with an instant a node passed in. The caller's instant decides only what is due and which backoffs are over.
 */
final class RetentionTables {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> ANCHORS = new TypeReference<>() {
    };
    /** The longest anchors document stored (MariaDB's TEXT holds 65,535 bytes). */
    private static final int MAX_ANCHORS_JSON = 16_000;
    private static final int MAX_HOLD_CATEGORIES = 4_000;
    private static final List<String> KEY_COLUMNS = List.of("subject", "category", "purpose");
    /** The due index: an active item's due instant (NULL once disposed, so disposed items are not scanned), then the key. */
    static final List<String> DUE_COLUMNS = List.of("active_due_at", "subject", "category", "purpose");
    /** Claimable items: due and out of backoff by the caller's instant, lease ended by the database's (the third). */
    private static final String CLAIMABLE = claimable("?");
    private static final String DUE_ORDER = " ORDER BY active_due_at, subject, category, purpose";

    /** Saves a finished item over its expected version and clears its claim, if the token still matches. */
    private final String finishItem;
    /** Clears a claim whose token still matches. */
    private final String releaseClaim;
    private final Transactions tx;
    private final Dialect dialect;
    private final String items;
    private final String holds;
    private final String disposals;
    private final String counter;
    private final String tombstones;
    private final String itemColumns;

    RetentionTables(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.items = prefix + "items";
        this.holds = prefix + "holds";
        this.disposals = prefix + "disposals";
        this.counter = prefix + "disposal_counter";
        this.tombstones = prefix + "tombstones";
        this.finishItem = "UPDATE " + items + " SET anchors = ?, erasure_requested_at = ?, due_at = ?, state = ?,"
                + " attempts = ?, not_before = ?, version = ?, claim_token = NULL, claim_owner = NULL, lease_until = NULL"
                + " WHERE subject = ? AND category = ? AND purpose = ? AND claim_token = ? AND version = ?";
        this.releaseClaim = "UPDATE " + items + " SET claim_token = NULL, claim_owner = NULL, lease_until = NULL"
                + " WHERE subject = ? AND category = ? AND purpose = ? AND claim_token = ?";
        this.itemColumns = "subject, category, purpose, anchors, " + dialect.selectInstant("erasure_requested_at") + ", "
                + dialect.selectInstant("due_at") + ", state, attempts, " + dialect.selectInstant("not_before")
                + ", version";
    }

    // ------------------------------------------------------------------------------------------------ items

    Optional<RetainedItem> item(ItemKey key) {
        Checks.required("key", key);
        return tx.read("item", c -> readItem(c, key, ""));
    }

    private Optional<RetainedItem> readItem(Connection c, ItemKey key, String lockClause) throws SQLException {
        return Sql.queryOne(c, "SELECT " + itemColumns + " FROM " + items
                + " WHERE subject = ? AND category = ? AND purpose = ?" + lockClause, ps -> bindKey(ps, 1, key),
                this::itemRow);
    }

    List<RetainedItem> items(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("items", c -> itemRows(c, "SELECT " + itemColumns + " FROM " + items
                + " WHERE subject = ? ORDER BY category, purpose", ps -> ps.setString(1, subject.value())));
    }

    List<RetainedItem> allItems(Optional<ItemKey> after, int limit) {
        Checks.required("after", after);
        positive(limit);
        return tx.read("allItems", c -> {
            Keyset keyset = after.isPresent() ? dialect.after(KEY_COLUMNS) : null;
            return itemRows(c, "SELECT " + itemColumns + " FROM " + items + (keyset == null ? "" : " WHERE "
                    + keyset.sql()) + " ORDER BY subject, category, purpose LIMIT ?", ps -> {
                        int i = 1;
                        if (keyset != null) {
                            i = keyset.bind(ps, i, keyBinders(after.get()));
                        }
                        ps.setInt(i, limit);
                    });
        });
    }

    /**
     * {@code INSERT} for version 0 (a concurrent first save makes it a unique violation: false), otherwise an
     * {@code UPDATE} that compares the version; the claim columns are not touched.
     */
    boolean saveItem(RetainedItem item) {
        ItemValues v = ItemValues.of(Checks.required("item", item), dialect);
        if (item.version() < 0) {
            return false;
        }
        return tx.inTransaction("saveItem", c -> {
            if (item.version() == 0) {
                Sql.update(c, "INSERT INTO " + items + " (anchors, erasure_requested_at, due_at, state, attempts,"
                        + " not_before, version, subject, category, purpose) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", ps -> {
                            int i = v.bindFields(ps, 1, dialect);
                            ps.setLong(i++, 1);
                            bindKey(ps, i, item.key());
                        });
                return Outcome.commit(true);
            }
            int updated = Sql.update(c, "UPDATE " + items + " SET anchors = ?, erasure_requested_at = ?,"
                    + " due_at = ?, state = ?, attempts = ?, not_before = ?, version = ?"
                    + " WHERE subject = ? AND category = ? AND purpose = ? AND version = ?", ps -> {
                        int i = v.bindFields(ps, 1, dialect);
                        ps.setLong(i++, item.version() + 1);
                        i = bindKey(ps, i, item.key());
                        ps.setLong(i, item.version());
                    });
            return updated == 1 ? Outcome.commit(true) : Outcome.rollback(false);
        }, c -> false);
    }

    /** A keyset scan of the due index (active_due_at, subject, category, purpose) from {@code after}. */
    List<RetainedItem> dueItems(Instant dueBy, Optional<DueCursor> after, int limit) {
        Instant by = StoredInstants.roundedDown("dueBy", dueBy, dialect);
        Checks.required("after", after);
        positive(limit);
        Optional<List<Binder>> position = after.map(this::dueBinders);
        return tx.read("dueItems", c -> {
            Keyset keyset = position.isPresent() ? dialect.after(DUE_COLUMNS) : null;
            return itemRows(c, dueItemsSql(keyset), ps -> {
                dialect.setInstant(ps, 1, by);
                int i = 2;
                if (keyset != null) {
                    i = keyset.bind(ps, i, position.get());
                }
                ps.setInt(i, limit);
            });
        });
    }

    /**
     * The planner's scan: parameters are the bound, then the keyset position ({@code keyset} null: from the start),
     * then the limit.
     */
    String dueItemsSql(Keyset keyset) {
        return "SELECT " + itemColumns + " FROM " + items + " WHERE active_due_at <= ?"
                + (keyset == null ? "" : " AND " + keyset.sql()) + DUE_ORDER + " LIMIT ?";
    }

    /**
     * A keyset scan, in key order, of the active items without a due instant, from the index of
     * {@code V13__undated_items.sql} (a generated column on H2 and MariaDB, a partial index on PostgreSQL).
     */
    List<RetainedItem> undatedItems(Optional<ItemKey> after, int limit) {
        Checks.required("after", after);
        positive(limit);
        Dialect.UndatedScan scan = dialect.undatedScan();
        return tx.read("undatedItems", c -> {
            Keyset keyset = after.isPresent() ? dialect.after(scan.columns()) : null;
            return itemRows(c, undatedItemsSql(keyset), ps -> {
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
        });
    }

    /**
     * The planner's scan of undated items: parameters are the keyset position over
     * {@link Dialect.UndatedScan#columns()} ({@code keyset} null: from the start), then the limit.
     */
    String undatedItemsSql(Keyset keyset) {
        Dialect.UndatedScan scan = dialect.undatedScan();
        return "SELECT " + itemColumns + " FROM " + items + " WHERE " + scan.condition()
                + (keyset == null ? "" : " AND " + keyset.sql()) + " ORDER BY " + String.join(", ", scan.columns())
                + " LIMIT ?";
    }

    /**
     * The sweeper's scan for claimable items: parameters are the three instants of {@link #CLAIMABLE}, then the
     * limit; then {@code lockClause} ("" or the dialect's locking clause).
     */
    String claimableSql(String lockClause) {
        return claimableSql(lockClause, CLAIMABLE);
    }

    private String claimableSql(String lockClause, String claimable) {
        return "SELECT " + itemColumns + " FROM " + items + " WHERE " + claimable + DUE_ORDER + " LIMIT ?" + lockClause;
    }

    /** The claimable condition with the database's current instant written as {@code leaseNow}. */
    private static String claimable(String leaseNow) {
        return "active_due_at <= ? AND (not_before IS NULL OR not_before <= ?)"
                + " AND (lease_until IS NULL OR lease_until <= " + leaseNow + ")";
    }

    /** The database's current instant: the one clock every node's leases are set and judged by. */
    private Instant databaseNow(Connection c) throws SQLException {
        return Sql.queryOne(c, "SELECT " + dialect.selectInstant(dialect.currentInstant()), Sql.NO_PARAMETERS,
                rs -> dialect.getInstant(rs, 1))
                .orElseThrow(() -> new SQLException("the database did not say what time it is", "XX000"));
    }

    private List<Binder> dueBinders(DueCursor cursor) {
        Checks.required("after.key", cursor.key());
        // a cursor is made from a stored item, so its instant is exact to the microsecond
        Instant due = StoredInstants.exact("after.dueAt", cursor.dueAt(), dialect);
        List<Binder> out = new ArrayList<>();
        out.add((ps, i) -> dialect.setInstant(ps, i, due));
        out.addAll(keyBinders(cursor.key()));
        return out;
    }

    // ----------------------------------------------------------------------------------------------- claims

    List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        positive(limit);
        return dialect.claimDueItems(tx, new DueClaims(ClaimTerms.of(now, owner, lease, dialect)), limit);
    }

    /**
     * The steps of a sweeper's claim of due items ({@link Dialect#claimDueItems}): the pick in due order, then the
     * claims written. The terms are taken at the database's instant in each transaction that picks or claims.
     */
    final class DueClaims implements Dialect.Claiming<RetainedItem, Claim> {
        private final ClaimTerms request;
        private ClaimTerms terms;

        private DueClaims(ClaimTerms request) {
            this.request = request;
        }

        @Override
        public String operation() {
            return "claimDue";
        }

        @Override
        public List<RetainedItem> pick(Connection c, int limit, String lockClause) throws SQLException {
            terms = request.at(databaseNow(c), dialect);
            return List.copyOf(Sql.query(c, claimableSql(lockClause, CLAIMABLE), ps -> {
                int i = terms.bindClaimable(ps, 1, dialect);
                ps.setInt(i, limit);
            }, RetentionTables.this::itemRow));
        }

        @Override
        public List<Claim> claimLocked(Connection c, List<RetainedItem> picked) throws SQLException {
            List<Claim> claims = picked.stream().map(terms::claim).toList();
            dialect.writeItemClaims(c, items, claims);
            return claims;
        }

        @Override
        public List<Claim> claimUnchanged(Connection c, List<RetainedItem> candidates) throws SQLException {
            ClaimTerms now = request.at(databaseNow(c), dialect);
            List<Claim> won = new ArrayList<>();
            for (RetainedItem candidate : candidates) {
                Claim claim = now.claim(candidate);
                if (claimIfUnchanged(c, claim, now)) {
                    won.add(claim);
                }
            }
            return won;
        }

        /** The items table. */
        String items() {
            return items;
        }

        /** The pick with the database's current instant written as {@code leaseNow}: parameters due, backoff, limit. */
        String pickSql(String leaseNow, String lockClause) {
            return claimableSql(lockClause, claimable(leaseNow));
        }

        /** Binds the caller's two instants of the claimable condition; returns the next index. */
        int bindDueAndBackoff(PreparedStatement ps, int index) throws SQLException {
            return request.bindDueAndBackoff(ps, index, dialect);
        }

        String owner() {
            return request.owner();
        }

        /** The lease in whole microseconds, rounded up, for the database to add to its own instant. */
        long leaseMicros() {
            return request.leaseMicros();
        }

        /** An item from columns 1 to 10 of the pick's select list. */
        RetainedItem itemRow(ResultSet rs) throws SQLException {
            return RetentionTables.this.itemRow(rs);
        }
    }

    /**
     * Claims one item with a conditional {@code UPDATE}: the same version as the candidate read (so the claim's item
     * is what is stored) and still claimable now. The update count says whether this claimer won.
     */
    private boolean claimIfUnchanged(Connection c, Claim claim, ClaimTerms terms) throws SQLException {
        return Sql.update(c, "UPDATE " + items + " SET claim_token = ?, claim_owner = ?, lease_until = ?"
                + " WHERE subject = ? AND category = ? AND purpose = ? AND version = ? AND " + CLAIMABLE, ps -> {
                    int i = terms.bindClaim(ps, 1, claim, dialect);
                    i = bindKey(ps, i, claim.item().key());
                    ps.setLong(i++, claim.item().version());
                    terms.bindClaimable(ps, i, dialect);
                }) == 1;
    }

    /** A conditional {@code UPDATE} on one row (claimable now), then the item read back in the same transaction. */
    Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        Checks.required("key", key);
        ClaimTerms request = ClaimTerms.of(now, owner, lease, dialect);
        return tx.inTransaction("claimItem", c -> {
            ClaimTerms terms = request.at(databaseNow(c), dialect);
            String token = UUID.randomUUID().toString();
            int claimed = Sql.update(c, "UPDATE " + items + " SET claim_token = ?, claim_owner = ?, lease_until = ?"
                    + " WHERE subject = ? AND category = ? AND purpose = ? AND " + CLAIMABLE, ps -> {
                        ps.setString(1, token);
                        ps.setString(2, terms.owner);
                        dialect.setInstant(ps, 3, terms.leaseUntil);
                        int i = bindKey(ps, 4, key);
                        terms.bindClaimable(ps, i, dialect);
                    });
            if (claimed != 1) {
                return Outcome.rollback(Optional.<Claim>empty());
            }
            RetainedItem item = readItem(c, key, "").orElseThrow(() -> new SQLException(
                    "a claimed item cannot be read back in its own transaction", "XX000"));
            return Outcome.commit(Optional.of(new Claim(item, token, terms.owner, terms.leaseUntil, item.attempts() + 1)));
        }, c -> Optional.empty());
    }

    /**
     * One transaction: the database's current instant, then one token-checked {@code UPDATE} of {@code lease_until}
     * per claim, as a JDBC batch (row by row when the driver does not report a batch's update counts).
     */
    List<Optional<Claim>> renewClaims(List<Claim> claims, Duration lease) {
        checkClaims(claims);
        if (lease == null || lease.isNegative() || lease.isZero()) {
            throw new InvalidValueException("lease", lease, "must be a positive duration");
        }
        if (claims.isEmpty()) {
            return List.of();
        }
        return tx.inTransaction("renewClaims", c -> {
            Instant until = ClaimTerms.leaseEnd(databaseNow(c), lease, dialect);
            String sql = "UPDATE " + items + " SET lease_until = ?"
                    + " WHERE subject = ? AND category = ? AND purpose = ? AND claim_token = ?";
            RowBinder binder = (ps, n) -> {
                dialect.setInstant(ps, 1, until);
                int i = bindKey(ps, 2, claims.get(n).item().key());
                ps.setString(i, claims.get(n).token());
            };
            int[] renewed = updatesOf(c, sql, claims.size(), binder);
            List<Optional<Claim>> out = new ArrayList<>(claims.size());
            for (int n = 0; n < claims.size(); n++) {
                Claim k = claims.get(n);
                out.add(renewed[n] > 0 ? Optional.of(new Claim(k.item(), k.token(), k.owner(), until,
                        k.attempt())) : Optional.empty());
            }
            return Outcome.commit(List.copyOf(out));
        }, c -> {
            throw new StoreException("renewClaims", "a renewal met a unique violation, which no update of a lease can cause");
        });
    }

    /** One transaction: one token-checked {@code UPDATE} clearing the claim columns per claim, as a JDBC batch. */
    List<Boolean> releaseClaims(List<Claim> claims) {
        checkClaims(claims);
        if (claims.isEmpty()) {
            return List.of();
        }
        return tx.inTransaction("releaseClaims", c -> {
            int[] released = updatesOf(c, releaseClaim, claims.size(), (ps, n) -> {
                int i = bindKey(ps, 1, claims.get(n).item().key());
                ps.setString(i, claims.get(n).token());
            });
            List<Boolean> out = new ArrayList<>(claims.size());
            for (int count : released) {
                out.add(count > 0);
            }
            return Outcome.commit(List.copyOf(out));
        }, c -> {
            throw new StoreException("releaseClaims", "a release met a unique violation, which clearing a claim cannot cause");
        });
    }

    private static void checkClaims(List<Claim> claims) {
        Checks.required("claims", claims);
        for (Claim k : claims) {
            Checks.required("claim", k);
            Checks.required("claim.item", k.item());
            Checks.text("claim.token", k.token(), 36);
        }
    }

    /**
     * Runs {@code sql} for {@code count} rows as one JDBC batch and returns each row's update count; when the driver
     * does not report them (MariaDB with bulk statements), rolls back and runs the rows one by one instead, in a new
     * transaction on the same connection.
     */
    private static int[] updatesOf(Connection c, String sql, int count, RowBinder binder) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            int[] counts = updates(ps, count, true, binder);
            if (counts != null) {
                return counts;
            }
        }
        c.rollback();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            return updates(ps, count, false, binder);
        }
    }

    /**
     * The whole list in one transaction, written in JDBC batches: the token- and version-checked item updates, then
     * (for those that did not apply) the token-checked claim releases, then the audit counter advanced once by the
     * number of finishes still held, then the audit inserts with consecutive sequences in list order. A finish whose
     * token no longer matches writes nothing and answers false. Any failure rolls the whole list back. The dialect may
     * write each step as one statement over array parameters per chunk ({@link Dialect#finishItemClaims}).
     */
    List<Boolean> finishClaims(List<RetentionStore.FinishedAttempt> finishes) {
        Checks.required("finishes", finishes);
        List<Finishing> rows = new ArrayList<>(finishes.size());
        for (RetentionStore.FinishedAttempt f : finishes) {
            Checks.required("finish", f);
            rows.add(Finishing.of(f, dialect));
        }
        if (rows.isEmpty()) {
            return List.of();
        }
        Finishes batch = new Finishes(List.copyOf(rows));
        return tx.inTransaction("finishClaims", c -> {
            Optional<List<Boolean>> done = dialect.finishItemClaims(c, batch);
            if (done.isEmpty()) {
                // the driver did not report per-row update counts for a batch (e.g. MariaDB with useBulkStmts):
                // undo, and run the same statements one by one in a new transaction on this connection
                c.rollback();
                done = batch.applyRowByRow(c, false);
            }
            List<Boolean> held = done.orElseThrow();
            List<RetainedItem> finished = new ArrayList<>();
            for (int n = 0; n < rows.size(); n++) {
                if (held.get(n)) {
                    finished.add(rows.get(n).updated());
                }
            }
            removeDisposedAfterErasure(c, finished);
            return held.contains(true) ? Outcome.commit(held) : Outcome.rollback(held);
        }, c -> {
            throw new StoreException("finishClaims", "an audit sequence taken from " + counter + " is already used in "
                    + disposals + ": the counter is behind the audit (a partial restore or manual edit?)");
        });
    }

    /**
     * In a finishing transaction: deletes the rows of the finished items that were disposed of after an erasure
     * request ({@link RetainedItem#disposedAfterErasure()}), if they were saved as finished (the version the finish
     * wrote, state {@code DISPOSED}, no claim). A row another writer changed meanwhile is kept. The row would keep the
     * erased subject's id, and nothing needs it: the audit names the item by its keyed reference.
     */
    private void removeDisposedAfterErasure(Connection c, List<RetainedItem> finished) throws SQLException {
        List<RetainedItem> gone = finished.stream().filter(RetainedItem::disposedAfterErasure).toList();
        if (gone.isEmpty()) {
            return;
        }
        // a row that is not there any more, or changed, is simply not deleted
        Sql.batch(c, REMOVE_DISPOSED.replace("{table}", items), gone, (ps, item) -> {
            int i = bindKey(ps, 1, item.key());
            ps.setLong(i, item.version() + 1);
        });
    }

    private static final String REMOVE_DISPOSED = "DELETE FROM {table} WHERE subject = ? AND category = ?"
            + " AND purpose = ? AND version = ? AND state = 'DISPOSED' AND claim_token IS NULL";

    /**
     * One {@code DELETE} of the item at its version, if it is {@code DISPOSED} and unclaimed; its update count says
     * whether it was removed.
     */
    boolean removeItem(RetainedItem item) {
        Checks.required("item", item);
        return tx.inTransaction("removeItem", c -> {
            int removed = Sql.update(c, REMOVE_DISPOSED.replace("{table}", items), ps -> {
                int i = bindKey(ps, 1, item.key());
                ps.setLong(i, item.version());
            });
            return removed > 0 ? Outcome.commit(true) : Outcome.rollback(false);
        }, c -> {
            throw new StoreException("removeItem", "a DELETE met a unique violation, which no DELETE can cause");
        });
    }

    /** A list of finishes to apply in one transaction ({@link Dialect#finishItemClaims}), and the row-by-row way. */
    final class Finishes {
        private final List<Finishing> rows;

        private Finishes(List<Finishing> rows) {
            this.rows = rows;
        }

        List<Finishing> rows() {
            return rows;
        }

        String items() {
            return items;
        }

        String disposals() {
            return disposals;
        }

        /** Advances the audit counter by {@code n} under its row lock; returns the new last value. */
        long advanceAuditCounter(Connection c, int n) throws SQLException {
            return RetentionTables.this.advanceAuditCounter(c, n);
        }

        /**
         * The token- and version-checked item updates, then (for those that did not apply) the token-checked claim
         * releases, then the counter advanced once, then the audit inserts, each step as one JDBC batch ({@code
         * batched}) or row by row; per finish whether its claim was held, or empty when a batch's update counts were
         * not reported.
         */
        Optional<List<Boolean>> applyRowByRow(Connection c, boolean batched) throws SQLException {
            return applyFinishes(c, rows, batched);
        }
    }

    private Optional<List<Boolean>> applyFinishes(Connection c, List<Finishing> rows, boolean batched)
            throws SQLException {
        int[] saved;
        try (PreparedStatement ps = c.prepareStatement(finishItem)) {
            saved = updates(ps, rows.size(), batched, (p, n) -> {
                Finishing f = rows.get(n);
                int i = f.item().bindFields(p, 1, dialect);
                p.setLong(i++, f.updated().version() + 1);
                i = bindKey(p, i, f.updated().key());
                p.setString(i++, f.token());
                p.setLong(i, f.updated().version());
            });
        }
        if (saved == null) {
            return Optional.empty();
        }
        List<Integer> unsaved = new ArrayList<>();
        for (int n = 0; n < saved.length; n++) {
            if (saved[n] == 0) {
                unsaved.add(n);
            }
        }
        boolean[] held = new boolean[rows.size()];
        for (int n = 0; n < saved.length; n++) {
            held[n] = saved[n] > 0;
        }
        if (!unsaved.isEmpty()) {
            // the version moved (a concurrent writer's newer item is kept) or the claim was lost: release the claim
            int[] released;
            try (PreparedStatement ps = c.prepareStatement(releaseClaim)) {
                released = updates(ps, unsaved.size(), batched, (p, n) -> {
                    Finishing f = rows.get(unsaved.get(n));
                    int i = bindKey(p, 1, f.updated().key());
                    p.setString(i, f.token());
                });
            }
            if (released == null) {
                return Optional.empty();
            }
            for (int n = 0; n < released.length; n++) {
                held[unsaved.get(n)] = released[n] > 0;
            }
        }
        List<Boolean> out = new ArrayList<>(rows.size());
        int recorded = 0;
        for (boolean h : held) {
            out.add(h);
            recorded += h ? 1 : 0;
        }
        if (recorded == 0) {
            return Optional.of(List.copyOf(out));
        }
        long sequence = advanceAuditCounter(c, recorded) - recorded;
        try (PreparedStatement ps = c.prepareStatement(AuditValues.INSERT.replace("{table}", disposals))) {
            for (int n = 0; n < rows.size(); n++) {
                if (held[n]) {
                    rows.get(n).audit().bind(ps, ++sequence, dialect);
                    if (batched) {
                        ps.addBatch();
                    } else {
                        ps.executeUpdate();
                    }
                }
            }
            if (batched) {
                ps.executeBatch(); // a failed insert throws; the counts are not needed
            }
        }
        return Optional.of(List.copyOf(out));
    }

    /** Binds the parameters of the {@code n}th row of a batch. */
    @FunctionalInterface
    private interface RowBinder {
        void bind(PreparedStatement ps, int n) throws SQLException;
    }

    /**
     * Runs {@code ps} for {@code count} rows, as one JDBC batch or one by one; returns the update count of each,
     * or null when a batch did not report them.
     */
    private static int[] updates(PreparedStatement ps, int count, boolean batched, RowBinder binder)
            throws SQLException {
        int[] out = new int[count];
        if (!batched) {
            for (int n = 0; n < count; n++) {
                binder.bind(ps, n);
                out[n] = ps.executeUpdate();
            }
            return out;
        }
        for (int n = 0; n < count; n++) {
            binder.bind(ps, n);
            ps.addBatch();
        }
        int[] counts = ps.executeBatch();
        if (counts.length != count) {
            return null;
        }
        for (int n = 0; n < count; n++) {
            if (counts[n] < 0) {
                return null; // Statement.SUCCESS_NO_INFO
            }
            out[n] = counts[n];
        }
        return out;
    }

    /** Advances the audit counter by {@code n} under its row lock (held until commit); returns the new last value. */
    private long advanceAuditCounter(Connection c, int n) throws SQLException {
        if (Sql.update(c, "UPDATE " + counter + " SET last_seq = last_seq + ? WHERE id = 1", ps -> ps.setLong(1, n)) != 1) {
            throw new StoreException("finishClaims", "the audit counter row (id 1) is missing from " + counter
                    + "; the schema is incomplete: apply V3__retention_rights.sql or let the store create its schema");
        }
        return Sql.queryOne(c, "SELECT last_seq FROM " + counter + " WHERE id = 1", Sql.NO_PARAMETERS,
                rs -> rs.getLong(1)).orElseThrow();
    }

    /** A finish's values, validated and converted before any connection is borrowed. */
    record Finishing(String token, RetainedItem updated, ItemValues item, AuditValues audit) {
        static Finishing of(RetentionStore.FinishedAttempt f, Dialect dialect) {
            Claim claim = f.claim();
            Checks.required("claim.item", claim.item());
            Checks.text("claim.token", claim.token(), 36);
            RetainedItem updated = f.updated();
            ItemValues v = ItemValues.of(updated, dialect);
            if (!updated.key().equals(claim.item().key())) {
                throw new InvalidValueException("updated.key", updated.key(), "must be the claimed item's key "
                        + claim.item().key());
            }
            return new Finishing(claim.token(), updated, v, AuditValues.of(f.audit(), dialect));
        }
    }

    List<DisposalRecord> disposals(long afterSequence, int limit) {
        positive(limit);
        return tx.read("disposals", c -> List.copyOf(Sql.query(c, "SELECT seq, " + dialect.selectInstant("recorded_at")
                + ", item_ref, category, purpose, rule_id, policy_version, anchor, " + dialect.selectInstant("anchor_at")
                + ", " + dialect.selectInstant("cutoff") + ", action, outcome, attempt, idempotency_key, node, failure"
                + " FROM " + disposals + " WHERE seq > ? ORDER BY seq LIMIT ?", ps -> {
                    ps.setLong(1, afterSequence);
                    ps.setInt(2, limit);
                }, this::auditRow)));
    }

    // ------------------------------------------------------------------------------------------------- holds

    /** An {@code UPDATE} by id, else an {@code INSERT}; an insert that loses to a concurrent one updates instead. */
    void saveHold(LegalHold hold) {
        Checks.required("hold", hold);
        StoredInstants.exact("hold.placedAt", hold.placedAt(), dialect);
        hold.release().ifPresent(r -> StoredInstants.exact("hold.releasedAt", r.releasedAt(), dialect));
        String categories = hold.categories().stream().map(CategoryId::value).collect(Collectors.joining(" "));
        if (categories.length() > MAX_HOLD_CATEGORIES) {
            throw new InvalidValueException("hold.categories", hold.categories().size() + " categories",
                    "must fit in " + MAX_HOLD_CATEGORIES + " characters, separated by spaces");
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            boolean saved = tx.inTransaction("saveHold", c -> {
                if (Sql.update(c, "UPDATE " + holds + " SET subject = ?, categories = ?, reason = ?, placed_by = ?,"
                        + " placed_at = ?, released_by = ?, release_reason = ?, released_at = ? WHERE hold_id = ?",
                        ps -> bindHold(ps, hold, categories)) == 1) {
                    return Outcome.commit(true);
                }
                Sql.update(c, "INSERT INTO " + holds + " (subject, categories, reason, placed_by, placed_at,"
                        + " released_by, release_reason, released_at, hold_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        ps -> bindHold(ps, hold, categories));
                return Outcome.commit(true);
            }, c -> false);
            if (saved) {
                return;
            }
        }
        throw new StoreException("saveHold", "the hold was neither updatable nor insertable twice in a row");
    }

    private void bindHold(PreparedStatement ps, LegalHold hold, String categories) throws SQLException {
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

    Optional<LegalHold> hold(String id) {
        Checks.required("id", id);
        return tx.read("hold", c -> Sql.queryOne(c, holdSelect() + " WHERE hold_id = ?", ps -> ps.setString(1, id),
                this::holdRow));
    }

    List<LegalHold> holds(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("holds", c -> List.copyOf(Sql.query(c, holdSelect() + " WHERE subject = ? ORDER BY placed_seq",
                ps -> ps.setString(1, subject.value()), this::holdRow)));
    }

    /** One query per chunk of subjects ({@code IN} list, or {@code = ANY(text[])} on PostgreSQL). */
    Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        Checks.required("subjects", subjects);
        Map<SubjectId, List<LegalHold>> out = new LinkedHashMap<>();
        for (SubjectId s : subjects) {
            out.put(Checks.required("subject", s), new ArrayList<>());
        }
        if (out.isEmpty()) {
            return Map.of();
        }
        List<String> keys = out.keySet().stream().map(SubjectId::value).toList();
        tx.read("holds", c -> {
            int size = dialect.chunkSize();
            for (int from = 0; from < keys.size(); from += size) {
                List<String> chunk = keys.subList(from, Math.min(keys.size(), from + size));
                for (LegalHold h : Sql.query(c, holdSelect() + " WHERE " + dialect.oneOf("subject", chunk.size())
                        + " ORDER BY placed_seq", ps -> dialect.bindKeys(c, ps, 1, chunk), this::holdRow)) {
                    List<LegalHold> of = out.get(h.subject());
                    if (of != null) {
                        of.add(h);
                    }
                }
            }
            return null;
        });
        out.replaceAll((s, l) -> List.copyOf(l));
        return out;
    }

    private String holdSelect() {
        return "SELECT hold_id, subject, categories, reason, placed_by, " + dialect.selectInstant("placed_at")
                + ", released_by, release_reason, " + dialect.selectInstant("released_at") + " FROM " + holds;
    }

    private LegalHold holdRow(ResultSet rs) throws SQLException {
        try {
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
        } catch (RuntimeException e) {
            throw corrupt(holds, e);
        }
    }

    // -------------------------------------------------------------------------------------------- tombstones

    boolean addTombstone(Tombstone tombstone) {
        Checks.required("tombstone", tombstone);
        Checks.text("tombstone.subjectReference", tombstone.subjectReference(), 100);
        StoredInstants.exact("tombstone.erasureRequestedAt", tombstone.erasureRequestedAt(), dialect);
        return tx.inTransaction("addTombstone", c -> {
            Sql.update(c, "INSERT INTO " + tombstones + " (subject_ref, erasure_requested_at) VALUES (?, ?)", ps -> {
                ps.setString(1, tombstone.subjectReference());
                dialect.setInstant(ps, 2, tombstone.erasureRequestedAt());
            });
            return Outcome.commit(true);
        }, c -> false);
    }

    Optional<Tombstone> tombstone(String subjectReference) {
        Checks.required("subjectReference", subjectReference);
        return tx.read("tombstone", c -> Sql.queryOne(c, "SELECT subject_ref, "
                + dialect.selectInstant("erasure_requested_at") + " FROM " + tombstones + " WHERE subject_ref = ?",
                ps -> ps.setString(1, subjectReference), rs -> new Tombstone(rs.getString(1), dialect.getInstant(rs, 2))));
    }

    // ------------------------------------------------------------------------------------------------ mapping

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

    private List<RetainedItem> itemRows(Connection c, String sql, Sql.Binder binder) throws SQLException {
        return List.copyOf(Sql.query(c, sql, binder, this::itemRow));
    }

    private RetainedItem itemRow(ResultSet rs) throws SQLException {
        try {
            String purpose = rs.getString(3);
            ItemKey key = new ItemKey(SubjectId.of(rs.getString(1)), CategoryId.of(rs.getString(2)),
                    purpose.isEmpty() ? Optional.empty() : Optional.of(PurposeId.of(purpose)));
            Map<Anchor, Instant> anchors = new TreeMap<>();
            for (Map.Entry<String, String> e : JSON.readValue(rs.getString(4), ANCHORS).entrySet()) {
                anchors.put(Anchor.of(e.getKey()), Instant.parse(e.getValue()));
            }
            return new RetainedItem(key, anchors, Optional.ofNullable(dialect.getInstant(rs, 5)),
                    Optional.ofNullable(dialect.getInstant(rs, 6)), RetainedItem.State.valueOf(rs.getString(7)),
                    rs.getInt(8), Optional.ofNullable(dialect.getInstant(rs, 9)), rs.getLong(10));
        } catch (JsonProcessingException | RuntimeException e) {
            throw corrupt(items, e);
        }
    }

    private DisposalRecord auditRow(ResultSet rs) throws SQLException {
        try {
            String anchor = rs.getString(8);
            return new DisposalRecord(rs.getLong(1), dialect.getInstant(rs, 2), rs.getString(3), rs.getString(4),
                    rs.getString(5), rs.getString(6), rs.getString(7),
                    anchor == null ? Optional.empty() : Optional.of(Anchor.of(anchor)),
                    Optional.ofNullable(dialect.getInstant(rs, 9)), dialect.getInstant(rs, 10),
                    DisposalAction.valueOf(rs.getString(11)), DisposalRecord.Outcome.valueOf(rs.getString(12)),
                    rs.getInt(13), rs.getString(14), rs.getString(15), Optional.ofNullable(rs.getString(16)));
        } catch (RuntimeException e) {
            throw corrupt(disposals, e);
        }
    }

    /** A stored row that does not make a valid value: the store is damaged, not the caller's input. */
    private static SQLException corrupt(String table, Exception e) {
        return new SQLException("a stored row of " + table + " is not a valid value: "
                + dev.consent.StoreException.describe(e), "XX001", e);
    }

    private static void positive(int limit) {
        if (limit < 1) {
            throw new InvalidValueException("limit", limit, "must be 1 or more");
        }
    }

    /** An item's columns, validated and converted before any connection is borrowed. */
    record ItemValues(String anchors, Instant erasureRequestedAt, Instant dueAt, String state, int attempts,
            Instant notBefore) {

        static ItemValues of(RetainedItem item, Dialect dialect) {
            Map<String, String> anchors = new TreeMap<>();
            item.anchors().forEach((a, t) -> anchors.put(a.name(), Checks.required("anchors[" + a + "]", t).toString()));
            String json;
            try {
                json = JSON.writeValueAsString(anchors);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a map of strings always serialises", e);
            }
            if (json.length() > MAX_ANCHORS_JSON) {
                throw new InvalidValueException("anchors", item.anchors().size() + " anchors",
                        "must fit in " + MAX_ANCHORS_JSON + " characters of JSON");
            }
            if (item.attempts() < 0) {
                throw new InvalidValueException("attempts", item.attempts(), "must be 0 or more");
            }
            return new ItemValues(json,
                    item.erasureRequestedAt().map(t -> StoredInstants.exact("erasureRequestedAt", t, dialect)).orElse(null),
                    item.dueAt().map(t -> StoredInstants.roundedUp("dueAt", t, dialect)).orElse(null),
                    item.state().name(), item.attempts(),
                    item.notBefore().map(t -> StoredInstants.roundedUp("notBefore", t, dialect)).orElse(null));
        }

        /** Binds anchors, erasure_requested_at, due_at, state, attempts, not_before; returns the next index. */
        int bindFields(PreparedStatement ps, int index, Dialect dialect) throws SQLException {
            int i = index;
            ps.setString(i++, anchors);
            dialect.setInstant(ps, i++, erasureRequestedAt);
            dialect.setInstant(ps, i++, dueAt);
            ps.setString(i++, state);
            ps.setInt(i++, attempts);
            dialect.setInstant(ps, i++, notBefore);
            return i;
        }
    }

    /**
     * What a claim is made with: the caller's instant (what is due, which backoffs are over), the owner and the lease;
     * then, {@link #at} the database's current instant, that instant and the lease end.
     */
    private record ClaimTerms(Instant now, String owner, Duration lease, Instant leaseNow, Instant leaseUntil) {
        static ClaimTerms of(Instant now, String owner, Duration lease, Dialect dialect) {
            Instant at = StoredInstants.roundedDown("now", now, dialect);
            Checks.text("owner", owner, 100);
            // the caller's instant stands in for the database's here, to refuse an impossible lease before any work
            leaseEnd(at, lease, dialect);
            return new ClaimTerms(at, owner, lease, null, null);
        }

        /** These terms at the database's instant {@code dbNow}. */
        ClaimTerms at(Instant dbNow, Dialect dialect) {
            return new ClaimTerms(now, owner, lease, dbNow, leaseEnd(dbNow, lease, dialect));
        }

        /** When a lease of {@code lease} taken at {@code from} ends, rounded up to what the database stores. */
        static Instant leaseEnd(Instant from, Duration lease, Dialect dialect) {
            if (lease == null || lease.isNegative() || lease.isZero()) {
                throw new InvalidValueException("lease", lease, "must be a positive duration");
            }
            Instant until;
            try {
                until = from.plus(lease);
            } catch (ArithmeticException | java.time.DateTimeException e) {
                throw new InvalidValueException("lease", lease, "must end within the instants the database stores");
            }
            if (until.isAfter(dialect.maxInstant())) {
                throw new InvalidValueException("lease", lease, "must end within the instants the database stores");
            }
            return StoredInstants.roundedUp("leaseUntil", until, dialect);
        }

        /** The lease in whole microseconds, rounded up, for the database to add to its own instant. */
        long leaseMicros() {
            long micros = Math.multiplyExact(lease.getSeconds(), 1_000_000L);
            return Math.addExact(micros, (lease.getNano() + 999) / 1000);
        }

        Claim claim(RetainedItem item) {
            return new Claim(item, UUID.randomUUID().toString(), owner, leaseUntil, item.attempts() + 1);
        }

        /** Binds the three instants of {@link #CLAIMABLE} (the third is the database's); returns the next index. */
        int bindClaimable(PreparedStatement ps, int index, Dialect dialect) throws SQLException {
            int i = bindDueAndBackoff(ps, index, dialect);
            dialect.setInstant(ps, i, leaseNow);
            return i + 1;
        }

        /** Binds the caller's two instants of {@link #claimable}; returns the next index. */
        int bindDueAndBackoff(PreparedStatement ps, int index, Dialect dialect) throws SQLException {
            dialect.setInstant(ps, index, now);
            dialect.setInstant(ps, index + 1, now);
            return index + 2;
        }

        /** Binds claim_token, claim_owner, lease_until; returns the next index. */
        int bindClaim(PreparedStatement ps, int index, Claim claim, Dialect dialect) throws SQLException {
            ps.setString(index, claim.token());
            ps.setString(index + 1, claim.owner());
            dialect.setInstant(ps, index + 2, claim.leaseUntil());
            return index + 3;
        }
    }

    /** An audit entry's columns, validated before any connection is borrowed. */
    record AuditValues(DisposalRecord r, Instant at, Optional<Instant> anchorAt, Instant cutoff) {
        static AuditValues of(DisposalRecord r, Dialect dialect) {
            Checks.text("audit.itemReference", r.itemReference(), 100);
            Checks.text("audit.category", r.category(), 100);
            Checks.optionalText("audit.purpose", Checks.required("audit.purpose", r.purpose()), 100);
            Checks.text("audit.ruleId", r.ruleId(), 100);
            Checks.text("audit.policyVersion", r.policyVersion(), 50);
            Checks.required("audit.anchor", r.anchor());
            Checks.required("audit.anchorAt", r.anchorAt());
            Checks.required("audit.action", r.action());
            Checks.required("audit.outcome", r.outcome());
            Checks.text("audit.idempotencyKey", r.idempotencyKey(), 200);
            Checks.text("audit.node", r.node(), 100);
            Checks.optionalText("audit.failure", Checks.required("audit.failure", r.failure()).orElse(null), 1000);
            return new AuditValues(r, StoredInstants.roundedUp("audit.at", r.at(), dialect),
                    r.anchorAt().map(t -> StoredInstants.roundedUp("audit.anchorAt", t, dialect)),
                    StoredInstants.roundedUp("audit.cutoff", r.dueAt(), dialect));
        }

        static final String COLUMNS = "seq, recorded_at, item_ref, category, purpose, rule_id, policy_version,"
                + " anchor, anchor_at, cutoff, action, outcome, attempt, idempotency_key, node, failure";
        static final String INSERT = "INSERT INTO {table} (" + COLUMNS + ")"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

        void insert(Connection c, String table, long sequence, Dialect dialect) throws SQLException {
            Sql.update(c, INSERT.replace("{table}", table), ps -> bind(ps, sequence, dialect));
        }

        void bind(PreparedStatement ps, long sequence, Dialect dialect) throws SQLException {
            ps.setLong(1, sequence);
            dialect.setInstant(ps, 2, at);
            ps.setString(3, r.itemReference());
            ps.setString(4, r.category());
            ps.setString(5, r.purpose());
            ps.setString(6, r.ruleId());
            ps.setString(7, r.policyVersion());
            ps.setString(8, r.anchor().map(Anchor::name).orElse(null));
            dialect.setInstant(ps, 9, anchorAt.orElse(null));
            dialect.setInstant(ps, 10, cutoff);
            ps.setString(11, r.action().name());
            ps.setString(12, r.outcome().name());
            ps.setInt(13, r.attempt());
            ps.setString(14, r.idempotencyKey());
            ps.setString(15, r.node());
            if (r.failure().isPresent()) {
                ps.setString(16, r.failure().get());
            } else {
                ps.setNull(16, Types.VARCHAR);
            }
        }
    }
}

package dev.consent.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.consent.internal.Checks;
import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.jdbc.JdbcCustomization.Binder;
import dev.consent.jdbc.JdbcCustomization.Keyset;
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
 * with the database's current instant ({@link JdbcCustomization#currentInstant()}), read in the same transaction, and
 * never with an instant a node passed in. The caller's instant decides only what is due and which backoffs are over.
 */
final class RetentionTables {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> ANCHORS = new TypeReference<>() {
    };
    /** The longest anchors document stored (MariaDB's TEXT holds 65,535 bytes). */
    private static final int MAX_ANCHORS_JSON = 16_000;
    private static final int MAX_HOLD_CATEGORIES = 4_000;
    /** H2 only: how many times a claim re-reads candidates after losing every one of them to other sweepers. */
    private static final int OPTIMISTIC_ROUNDS = 10;
    private static final List<String> KEY_COLUMNS = List.of("subject", "category", "purpose");
    /** The due index: an active item's due instant (NULL once disposed, so disposed items are not scanned), then the key. */
    static final List<String> DUE_COLUMNS = List.of("active_due_at", "subject", "category", "purpose");
    /** Claimable items: due and out of backoff by the caller's instant, lease ended by the database's (the third). */
    private static final String CLAIMABLE = claimable("?");
    private static final String DUE_ORDER = " ORDER BY active_due_at, subject, category, purpose";

    private final Transactions tx;
    private final JdbcCustomization dialect;
    private final String items;
    private final String holds;
    private final String disposals;
    private final String counter;
    private final String tombstones;
    private final String itemColumns;

    RetentionTables(Transactions tx, JdbcCustomization dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.items = prefix + "items";
        this.holds = prefix + "holds";
        this.disposals = prefix + "disposals";
        this.counter = prefix + "disposal_counter";
        this.tombstones = prefix + "tombstones";
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
        try (PreparedStatement ps = c.prepareStatement("SELECT " + itemColumns + " FROM " + items
                + " WHERE subject = ? AND category = ? AND purpose = ?" + lockClause)) {
            bindKey(ps, 1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(itemRow(rs)) : Optional.empty();
            }
        }
    }

    List<RetainedItem> items(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("items", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + itemColumns + " FROM " + items
                    + " WHERE subject = ? ORDER BY category, purpose")) {
                ps.setString(1, subject.value());
                return itemRows(ps);
            }
        });
    }

    List<RetainedItem> allItems(Optional<ItemKey> after, int limit) {
        Checks.required("after", after);
        positive(limit);
        return tx.read("allItems", c -> {
            Keyset keyset = after.isPresent() ? dialect.after(KEY_COLUMNS) : null;
            try (PreparedStatement ps = c.prepareStatement("SELECT " + itemColumns + " FROM " + items
                    + (keyset == null ? "" : " WHERE " + keyset.sql()) + " ORDER BY subject, category, purpose LIMIT ?")) {
                int i = 1;
                if (keyset != null) {
                    i = keyset.bind(ps, i, keyBinders(after.get()));
                }
                ps.setInt(i, limit);
                return itemRows(ps);
            }
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
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + items + " (anchors, erasure_requested_at,"
                        + " due_at, state, attempts, not_before, version, subject, category, purpose)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    int i = v.bindFields(ps, 1, dialect);
                    ps.setLong(i++, 1);
                    bindKey(ps, i, item.key());
                    ps.executeUpdate();
                }
                return Outcome.commit(true);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " SET anchors = ?, erasure_requested_at = ?,"
                    + " due_at = ?, state = ?, attempts = ?, not_before = ?, version = ?"
                    + " WHERE subject = ? AND category = ? AND purpose = ? AND version = ?")) {
                int i = v.bindFields(ps, 1, dialect);
                ps.setLong(i++, item.version() + 1);
                i = bindKey(ps, i, item.key());
                ps.setLong(i, item.version());
                return ps.executeUpdate() == 1 ? Outcome.commit(true) : Outcome.rollback(false);
            }
        }, c -> false);
    }

    /** A keyset scan of the due index (active_due_at, subject, category, purpose) from {@code after}. */
    List<RetainedItem> dueItems(Instant dueBy, Optional<DueCursor> after, int limit) {
        Instant by = StoredInstants.bound("dueBy", dueBy, dialect);
        Checks.required("after", after);
        positive(limit);
        Optional<List<Binder>> position = after.map(this::dueBinders);
        return tx.read("dueItems", c -> {
            Keyset keyset = position.isPresent() ? dialect.after(DUE_COLUMNS) : null;
            try (PreparedStatement ps = c.prepareStatement(dueItemsSql(keyset))) {
                dialect.setInstant(ps, 1, by);
                int i = 2;
                if (keyset != null) {
                    i = keyset.bind(ps, i, position.get());
                }
                ps.setInt(i, limit);
                return itemRows(ps);
            }
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
        JdbcCustomization.UndatedScan scan = dialect.undatedScan();
        return tx.read("undatedItems", c -> {
            Keyset keyset = after.isPresent() ? dialect.after(scan.columns()) : null;
            try (PreparedStatement ps = c.prepareStatement(undatedItemsSql(keyset))) {
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
                return itemRows(ps);
            }
        });
    }

    /**
     * The planner's scan of undated items: parameters are the keyset position over
     * {@link JdbcCustomization.UndatedScan#columns()} ({@code keyset} null: from the start), then the limit.
     */
    String undatedItemsSql(Keyset keyset) {
        JdbcCustomization.UndatedScan scan = dialect.undatedScan();
        return "SELECT " + itemColumns + " FROM " + items + " WHERE " + scan.condition()
                + (keyset == null ? "" : " AND " + keyset.sql()) + " ORDER BY " + String.join(", ", scan.columns())
                + " LIMIT ?";
    }

    /**
     * The sweeper's scan for claimable items: parameters are the three instants of {@link #CLAIMABLE}, then the
     * limit; locking or not.
     */
    String claimableSql(boolean skipLocked) {
        return claimableSql(skipLocked, CLAIMABLE);
    }

    private String claimableSql(boolean skipLocked, String claimable) {
        return "SELECT " + itemColumns + " FROM " + items + " WHERE " + claimable + DUE_ORDER + " LIMIT ?"
                + (skipLocked ? " FOR UPDATE SKIP LOCKED" : "");
    }

    /** The claimable condition with the database's current instant written as {@code leaseNow}. */
    private static String claimable(String leaseNow) {
        return "active_due_at <= ? AND (not_before IS NULL OR not_before <= ?)"
                + " AND (lease_until IS NULL OR lease_until <= " + leaseNow + ")";
    }

    /** The database's current instant: the one clock every node's leases are set and judged by. */
    private Instant databaseNow(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + dialect.selectInstant(dialect.currentInstant()));
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                throw new SQLException("the database did not say what time it is", "XX000");
            }
            return dialect.getInstant(rs, 1);
        }
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
        ClaimTerms request = ClaimTerms.of(now, owner, lease, dialect);
        if (dialect.skipsLockedRows()) {
            boolean oneStatement = dialect.writesArrays() && limit <= dialect.chunkSize();
            return tx.inTransaction("claimDue", c -> {
                if (oneStatement) {
                    List<Claim> claims = claimInOneStatement(c, limit, request);
                    return claims.isEmpty() ? Outcome.rollback(claims) : Outcome.commit(claims);
                }
                ClaimTerms terms = request.at(databaseNow(c), dialect);
                List<RetainedItem> picked;
                try (PreparedStatement ps = c.prepareStatement(claimableSql(true))) {
                    int i = terms.bindClaimable(ps, 1, dialect);
                    ps.setInt(i, limit);
                    picked = itemRows(ps);
                }
                if (picked.isEmpty()) {
                    return Outcome.rollback(List.of());
                }
                if (dialect.writesArrays()) {
                    return Outcome.commit(claimPicked(c, picked, terms));
                }
                List<Claim> claims = new ArrayList<>(picked.size());
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " SET claim_token = ?, claim_owner = ?,"
                        + " lease_until = ? WHERE subject = ? AND category = ? AND purpose = ?")) {
                    for (RetainedItem item : picked) {
                        Claim claim = terms.claim(item);
                        terms.bindClaim(ps, 1, claim, dialect);
                        bindKey(ps, 4, item.key());
                        ps.addBatch();
                        claims.add(claim);
                    }
                    ps.executeBatch(); // the rows are locked by this transaction: every update applies
                }
                return Outcome.commit(List.copyOf(claims));
            }, c -> {
                throw new StoreException("claimDue", "a claim met a unique violation, which no claim statement can cause");
            });
        }
        for (int round = 0; round < OPTIMISTIC_ROUNDS; round++) {
            List<RetainedItem> candidates = tx.read("claimDue", c -> {
                try (PreparedStatement ps = c.prepareStatement(claimableSql(false))) {
                    int i = request.at(databaseNow(c), dialect).bindClaimable(ps, 1, dialect);
                    ps.setInt(i, limit);
                    return itemRows(ps);
                }
            });
            if (candidates.isEmpty()) {
                return List.of();
            }
            List<Claim> won = tx.inTransaction("claimDue", c -> {
                ClaimTerms terms = request.at(databaseNow(c), dialect);
                List<Claim> out = new ArrayList<>();
                for (RetainedItem candidate : candidates) {
                    Claim claim = terms.claim(candidate);
                    if (claimIfUnchanged(c, claim, terms)) {
                        out.add(claim);
                    }
                }
                return out.isEmpty() ? Outcome.rollback(List.<Claim>of()) : Outcome.commit(List.copyOf(out));
            }, c -> List.of());
            if (!won.isEmpty()) {
                return won;
            }
            // every candidate went to another sweeper between our read and our update: look again
        }
        return List.of();
    }

    /**
     * PostgreSQL: picks and claims in one statement. The pick is {@link #claimableSql}'s ({@code FOR UPDATE SKIP
     * LOCKED} in due order), numbered in that order; an {@code UPDATE} in the same statement gives the nth picked row
     * the nth of {@code limit} tokens made here; the picked items come back in due order with their tokens. A picked
     * row is ACTIVE, so its due_at is its active_due_at and the numbering follows the due index. The database's
     * {@code CURRENT_TIMESTAMP} (the transaction's start, the same instant throughout the statement) judges the leases
     * and starts the new ones, whose end comes back with each row.
     */
    private List<Claim> claimInOneStatement(Connection c, int limit, ClaimTerms terms) throws SQLException {
        String[] tokens = new String[limit];
        for (int n = 0; n < limit; n++) {
            tokens[n] = UUID.randomUUID().toString();
        }
        String numbered = "subject, category, purpose, anchors, erasure_requested_at, due_at, state, attempts,"
                + " not_before, version";
        String leaseNow = dialect.currentInstant();
        try (PreparedStatement ps = c.prepareStatement("WITH picked AS MATERIALIZED ("
                + claimableSql(true, claimable(leaseNow)) + "),"
                + " numbered AS MATERIALIZED (SELECT " + numbered + ", row_number() OVER (ORDER BY due_at, subject,"
                + " category, purpose) AS n FROM picked),"
                + " claimed AS (UPDATE " + items + " i SET claim_token = (?::text[])[p.n], claim_owner = ?,"
                + " lease_until = " + leaseNow + " + CAST(? AS interval) FROM numbered p"
                + " WHERE i.subject = p.subject AND i.category = p.category AND i.purpose = p.purpose"
                + " RETURNING i.subject, i.category, i.purpose, i.claim_token, i.lease_until)"
                + " SELECT p.subject, p.category, p.purpose, p.anchors, p.erasure_requested_at, p.due_at, p.state,"
                + " p.attempts, p.not_before, p.version, k.claim_token, k.lease_until FROM numbered p JOIN claimed k"
                + " ON k.subject = p.subject AND k.category = p.category AND k.purpose = p.purpose ORDER BY p.n")) {
            int i = terms.bindDueAndBackoff(ps, 1, dialect);
            ps.setInt(i++, limit);
            ps.setArray(i++, c.createArrayOf("text", tokens));
            ps.setString(i++, terms.owner());
            ps.setString(i, terms.leaseMicros() + " microseconds");
            List<Claim> claims = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    RetainedItem item = itemRow(rs);
                    claims.add(new Claim(item, rs.getString(11), terms.owner(), dialect.getInstant(rs, 12),
                            item.attempts() + 1));
                }
            }
            return List.copyOf(claims);
        }
    }

    /**
     * Writes the claims of the rows {@code picked} (locked by this transaction, so every update applies) as one
     * {@code UPDATE ... FROM unnest(...)} per chunk; returns the claims in the order picked.
     */
    private List<Claim> claimPicked(Connection c, List<RetainedItem> picked, ClaimTerms terms) throws SQLException {
        List<Claim> claims = new ArrayList<>(picked.size());
        for (RetainedItem item : picked) {
            claims.add(terms.claim(item));
        }
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " i SET claim_token = v.token,"
                + " claim_owner = ?, lease_until = ?"
                + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[]) AS v(subject, category, purpose, token)"
                + " WHERE i.subject = v.subject AND i.category = v.category AND i.purpose = v.purpose")) {
            int size = dialect.chunkSize();
            for (int from = 0; from < claims.size(); from += size) {
                List<Claim> chunk = claims.subList(from, Math.min(claims.size(), from + size));
                ps.setString(1, terms.owner());
                dialect.setInstant(ps, 2, terms.leaseUntil());
                ps.setArray(3, c.createArrayOf("text", chunk.stream().map(k -> k.item().key().subject().value())
                        .toArray()));
                ps.setArray(4, c.createArrayOf("text", chunk.stream().map(k -> k.item().key().category().value())
                        .toArray()));
                ps.setArray(5, c.createArrayOf("text", chunk.stream().map(k -> k.item().key().purposeKey()).toArray()));
                ps.setArray(6, c.createArrayOf("text", chunk.stream().map(Claim::token).toArray()));
                ps.executeUpdate();
            }
        }
        return List.copyOf(claims);
    }

    /**
     * Claims one item with a conditional {@code UPDATE}: the same version as the candidate read (so the claim's item
     * is what is stored) and still claimable now. The update count says whether this claimer won.
     */
    private boolean claimIfUnchanged(Connection c, Claim claim, ClaimTerms terms) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " SET claim_token = ?, claim_owner = ?,"
                + " lease_until = ? WHERE subject = ? AND category = ? AND purpose = ? AND version = ? AND " + CLAIMABLE)) {
            int i = terms.bindClaim(ps, 1, claim, dialect);
            i = bindKey(ps, i, claim.item().key());
            ps.setLong(i++, claim.item().version());
            terms.bindClaimable(ps, i, dialect);
            return ps.executeUpdate() == 1;
        }
    }

    /** A conditional {@code UPDATE} on one row (claimable now), then the item read back in the same transaction. */
    Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        Checks.required("key", key);
        ClaimTerms request = ClaimTerms.of(now, owner, lease, dialect);
        return tx.inTransaction("claimItem", c -> {
            ClaimTerms terms = request.at(databaseNow(c), dialect);
            String token = UUID.randomUUID().toString();
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " SET claim_token = ?, claim_owner = ?,"
                    + " lease_until = ? WHERE subject = ? AND category = ? AND purpose = ? AND " + CLAIMABLE)) {
                ps.setString(1, token);
                ps.setString(2, terms.owner);
                dialect.setInstant(ps, 3, terms.leaseUntil);
                int i = bindKey(ps, 4, key);
                terms.bindClaimable(ps, i, dialect);
                if (ps.executeUpdate() != 1) {
                    return Outcome.rollback(Optional.<Claim>empty());
                }
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
            String sql = "UPDATE " + items + " SET claim_token = NULL, claim_owner = NULL, lease_until = NULL"
                    + " WHERE subject = ? AND category = ? AND purpose = ? AND claim_token = ?";
            int[] released = updatesOf(c, sql, claims.size(), (ps, n) -> {
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
     * token no longer matches writes nothing and answers false. Any failure rolls the whole list back. On PostgreSQL
     * each step is one statement over array parameters per chunk ({@link #applyFinishesAsArrays}).
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
        boolean arrays = dialect.writesArrays() && distinctKeys(rows);
        return tx.inTransaction("finishClaims", c -> {
            Optional<List<Boolean>> done = arrays ? Optional.of(applyFinishesAsArrays(c, rows))
                    : applyFinishes(c, rows, true);
            if (done.isEmpty()) {
                // the driver did not report per-row update counts for a batch (e.g. MariaDB with useBulkStmts):
                // undo, and run the same statements one by one in a new transaction on this connection
                c.rollback();
                done = applyFinishes(c, rows, false);
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
        try (PreparedStatement ps = c.prepareStatement(REMOVE_DISPOSED.replace("{table}", items))) {
            for (RetainedItem item : gone) {
                int i = bindKey(ps, 1, item.key());
                ps.setLong(i, item.version() + 1);
                ps.addBatch();
            }
            ps.executeBatch(); // a row that is not there any more, or changed, is simply not deleted
        }
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
            try (PreparedStatement ps = c.prepareStatement(REMOVE_DISPOSED.replace("{table}", items))) {
                int i = bindKey(ps, 1, item.key());
                ps.setLong(i, item.version());
                return ps.executeUpdate() > 0 ? Outcome.commit(true) : Outcome.rollback(false);
            }
        }, c -> {
            throw new StoreException("removeItem", "a DELETE met a unique violation, which no DELETE can cause");
        });
    }

    /** Returns, per finish, whether its claim was held; empty when a batch's update counts were not reported. */
    private Optional<List<Boolean>> applyFinishes(Connection c, List<Finishing> rows, boolean batched)
            throws SQLException {
        int[] saved;
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " SET anchors = ?, erasure_requested_at = ?,"
                + " due_at = ?, state = ?, attempts = ?, not_before = ?, version = ?, claim_token = NULL,"
                + " claim_owner = NULL, lease_until = NULL"
                + " WHERE subject = ? AND category = ? AND purpose = ? AND claim_token = ? AND version = ?")) {
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
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " SET claim_token = NULL,"
                    + " claim_owner = NULL, lease_until = NULL"
                    + " WHERE subject = ? AND category = ? AND purpose = ? AND claim_token = ?")) {
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

    /**
     * Whether no two finishes are for the same item. Only then is one set-based statement per chunk the same as
     * the row statements in list order (each row's statement touches only its own row); a list that names an item
     * twice goes through the row statements.
     */
    private static boolean distinctKeys(List<Finishing> rows) {
        Set<ItemKey> seen = new java.util.HashSet<>();
        for (Finishing f : rows) {
            if (!seen.add(f.updated().key())) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@link #applyFinishes} as one statement per chunk for each step (PostgreSQL): one {@code UPDATE ... FROM
     * unnest(...)} that, for every row whose token still matches, saves the item if its version is the expected
     * one (else keeps the newer item) and releases the claim, returning the keys it touched (the finishes still
     * held); then the counter advanced once; then one {@code INSERT ... SELECT FROM unnest(...)} of the held
     * finishes' audit entries with consecutive sequences in list order. The keys are distinct ({@link
     * #distinctKeys}).
     */
    private List<Boolean> applyFinishesAsArrays(Connection c, List<Finishing> rows) throws SQLException {
        Map<List<String>, Integer> index = new java.util.HashMap<>();
        for (int n = 0; n < rows.size(); n++) {
            ItemKey k = rows.get(n).updated().key();
            index.put(List.of(k.subject().value(), k.category().value(), k.purposeKey()), n);
        }
        boolean[] held = new boolean[rows.size()];
        int recorded = 0;
        String saved = "i.version = v.version";
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + items + " i SET"
                + " anchors = CASE WHEN " + saved + " THEN v.anchors ELSE i.anchors END,"
                + " erasure_requested_at = CASE WHEN " + saved + " THEN v.erasure_requested_at"
                + " ELSE i.erasure_requested_at END,"
                + " due_at = CASE WHEN " + saved + " THEN v.due_at ELSE i.due_at END,"
                + " state = CASE WHEN " + saved + " THEN v.state ELSE i.state END,"
                + " attempts = CASE WHEN " + saved + " THEN v.attempts ELSE i.attempts END,"
                + " not_before = CASE WHEN " + saved + " THEN v.not_before ELSE i.not_before END,"
                + " version = CASE WHEN " + saved + " THEN v.version + 1 ELSE i.version END,"
                + " claim_token = NULL, claim_owner = NULL, lease_until = NULL"
                + " FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[],"
                + " ?::timestamptz[], ?::text[], ?::int4[], ?::timestamptz[], ?::int8[])"
                + " AS v(subject, category, purpose, token, anchors, erasure_requested_at, due_at, state, attempts,"
                + " not_before, version)"
                + " WHERE i.subject = v.subject AND i.category = v.category AND i.purpose = v.purpose"
                + " AND i.claim_token = v.token"
                + " RETURNING i.subject, i.category, i.purpose")) {
            int size = dialect.chunkSize();
            for (int from = 0; from < rows.size(); from += size) {
                List<Finishing> chunk = rows.subList(from, Math.min(rows.size(), from + size));
                int n = chunk.size();
                String[] subject = new String[n];
                String[] category = new String[n];
                String[] purpose = new String[n];
                String[] token = new String[n];
                String[] anchors = new String[n];
                String[] erasureRequestedAt = new String[n];
                String[] dueAt = new String[n];
                String[] state = new String[n];
                Integer[] attempts = new Integer[n];
                String[] notBefore = new String[n];
                Long[] version = new Long[n];
                for (int r = 0; r < n; r++) {
                    Finishing f = chunk.get(r);
                    ItemKey k = f.updated().key();
                    subject[r] = k.subject().value();
                    category[r] = k.category().value();
                    purpose[r] = k.purposeKey();
                    token[r] = f.token();
                    ItemValues v = f.item();
                    anchors[r] = v.anchors();
                    erasureRequestedAt[r] = JdbcCustomization.arrayInstant(v.erasureRequestedAt());
                    dueAt[r] = JdbcCustomization.arrayInstant(v.dueAt());
                    state[r] = v.state();
                    attempts[r] = v.attempts();
                    notBefore[r] = JdbcCustomization.arrayInstant(v.notBefore());
                    version[r] = f.updated().version();
                }
                int p = 1;
                ps.setArray(p++, c.createArrayOf("text", subject));
                ps.setArray(p++, c.createArrayOf("text", category));
                ps.setArray(p++, c.createArrayOf("text", purpose));
                ps.setArray(p++, c.createArrayOf("text", token));
                ps.setArray(p++, c.createArrayOf("text", anchors));
                ps.setArray(p++, c.createArrayOf("text", erasureRequestedAt));
                ps.setArray(p++, c.createArrayOf("text", dueAt));
                ps.setArray(p++, c.createArrayOf("text", state));
                ps.setArray(p++, c.createArrayOf("int4", attempts));
                ps.setArray(p++, c.createArrayOf("text", notBefore));
                ps.setArray(p, c.createArrayOf("int8", version));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Integer n0 = index.get(List.of(rs.getString(1), rs.getString(2), rs.getString(3)));
                        if (n0 == null || held[n0]) {
                            throw new SQLException("the finish update returned a key it was not given", "XX000");
                        }
                        held[n0] = true;
                        recorded++;
                    }
                }
            }
        }
        List<Boolean> out = new ArrayList<>(rows.size());
        for (boolean h : held) {
            out.add(h);
        }
        if (recorded == 0) {
            return List.copyOf(out);
        }
        long sequence = advanceAuditCounter(c, recorded) - recorded;
        List<Integer> recordedRows = new ArrayList<>(recorded);
        for (int n = 0; n < rows.size(); n++) {
            if (held[n]) {
                recordedRows.add(n);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + disposals + " (" + AuditValues.COLUMNS + ")"
                + " SELECT * FROM unnest(?::int8[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[],"
                + " ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::text[], ?::text[], ?::int4[],"
                + " ?::text[], ?::text[], ?::text[])")) {
            int size = dialect.chunkSize();
            for (int from = 0; from < recordedRows.size(); from += size) {
                List<Integer> chunk = recordedRows.subList(from, Math.min(recordedRows.size(), from + size));
                int n = chunk.size();
                Long[] seq = new Long[n];
                String[] recordedAt = new String[n];
                String[] itemRef = new String[n];
                String[] category = new String[n];
                String[] purpose = new String[n];
                String[] ruleId = new String[n];
                String[] policyVersion = new String[n];
                String[] anchor = new String[n];
                String[] anchorAt = new String[n];
                String[] cutoff = new String[n];
                String[] action = new String[n];
                String[] outcome = new String[n];
                Integer[] attempt = new Integer[n];
                String[] idempotencyKey = new String[n];
                String[] node = new String[n];
                String[] failure = new String[n];
                for (int r = 0; r < n; r++) {
                    AuditValues a = rows.get(chunk.get(r)).audit();
                    DisposalRecord d = a.r();
                    seq[r] = ++sequence;
                    recordedAt[r] = JdbcCustomization.arrayInstant(a.at());
                    itemRef[r] = d.itemReference();
                    category[r] = d.category();
                    purpose[r] = d.purpose();
                    ruleId[r] = d.ruleId();
                    policyVersion[r] = d.policyVersion();
                    anchor[r] = d.anchor().map(Anchor::name).orElse(null);
                    anchorAt[r] = JdbcCustomization.arrayInstant(a.anchorAt().orElse(null));
                    cutoff[r] = JdbcCustomization.arrayInstant(a.cutoff());
                    action[r] = d.action().name();
                    outcome[r] = d.outcome().name();
                    attempt[r] = d.attempt();
                    idempotencyKey[r] = d.idempotencyKey();
                    node[r] = d.node();
                    failure[r] = d.failure().orElse(null);
                }
                int p = 1;
                ps.setArray(p++, c.createArrayOf("int8", seq));
                ps.setArray(p++, c.createArrayOf("text", recordedAt));
                ps.setArray(p++, c.createArrayOf("text", itemRef));
                ps.setArray(p++, c.createArrayOf("text", category));
                ps.setArray(p++, c.createArrayOf("text", purpose));
                ps.setArray(p++, c.createArrayOf("text", ruleId));
                ps.setArray(p++, c.createArrayOf("text", policyVersion));
                ps.setArray(p++, c.createArrayOf("text", anchor));
                ps.setArray(p++, c.createArrayOf("text", anchorAt));
                ps.setArray(p++, c.createArrayOf("text", cutoff));
                ps.setArray(p++, c.createArrayOf("text", action));
                ps.setArray(p++, c.createArrayOf("text", outcome));
                ps.setArray(p++, c.createArrayOf("int4", attempt));
                ps.setArray(p++, c.createArrayOf("text", idempotencyKey));
                ps.setArray(p++, c.createArrayOf("text", node));
                ps.setArray(p, c.createArrayOf("text", failure));
                ps.executeUpdate(); // a failed insert throws
            }
        }
        return List.copyOf(out);
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
        try (PreparedStatement ps = c.prepareStatement("UPDATE " + counter + " SET last_seq = last_seq + ? WHERE id = 1")) {
            ps.setLong(1, n);
            if (ps.executeUpdate() != 1) {
                throw new StoreException("finishClaims", "the audit counter row (id 1) is missing from " + counter
                        + "; the schema is incomplete: apply V3__retention_rights.sql or let the store create its schema");
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT last_seq FROM " + counter + " WHERE id = 1");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** A finish's values, validated and converted before any connection is borrowed. */
    private record Finishing(String token, RetainedItem updated, ItemValues item, AuditValues audit) {
        static Finishing of(RetentionStore.FinishedAttempt f, JdbcCustomization dialect) {
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
        return tx.read("disposals", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, " + dialect.selectInstant("recorded_at")
                    + ", item_ref, category, purpose, rule_id, policy_version, anchor, " + dialect.selectInstant("anchor_at")
                    + ", " + dialect.selectInstant("cutoff") + ", action, outcome, attempt, idempotency_key, node, failure"
                    + " FROM " + disposals + " WHERE seq > ? ORDER BY seq LIMIT ?")) {
                ps.setLong(1, afterSequence);
                ps.setInt(2, limit);
                List<DisposalRecord> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(auditRow(rs));
                    }
                }
                return List.copyOf(out);
            }
        });
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
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + holds + " SET subject = ?, categories = ?,"
                        + " reason = ?, placed_by = ?, placed_at = ?, released_by = ?, release_reason = ?, released_at = ?"
                        + " WHERE hold_id = ?")) {
                    bindHold(ps, hold, categories);
                    if (ps.executeUpdate() == 1) {
                        return Outcome.commit(true);
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + holds + " (subject, categories, reason,"
                        + " placed_by, placed_at, released_by, release_reason, released_at, hold_id)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    bindHold(ps, hold, categories);
                    ps.executeUpdate();
                }
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
        return tx.read("hold", c -> {
            try (PreparedStatement ps = c.prepareStatement(holdSelect() + " WHERE hold_id = ?")) {
                ps.setString(1, id);
                List<LegalHold> found = holdRows(ps);
                return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
            }
        });
    }

    List<LegalHold> holds(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("holds", c -> {
            try (PreparedStatement ps = c.prepareStatement(holdSelect() + " WHERE subject = ? ORDER BY placed_seq")) {
                ps.setString(1, subject.value());
                return holdRows(ps);
            }
        });
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
                try (PreparedStatement ps = c.prepareStatement(holdSelect() + " WHERE "
                        + dialect.oneOf("subject", chunk.size()) + " ORDER BY placed_seq")) {
                    dialect.bindKeys(c, ps, 1, chunk);
                    for (LegalHold h : holdRows(ps)) {
                        List<LegalHold> of = out.get(h.subject());
                        if (of != null) {
                            of.add(h);
                        }
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

    private List<LegalHold> holdRows(PreparedStatement ps) throws SQLException {
        List<LegalHold> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
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
                    out.add(new LegalHold(rs.getString(1), SubjectId.of(rs.getString(2)), categories, rs.getString(4),
                            rs.getString(5), dialect.getInstant(rs, 6), release));
                } catch (RuntimeException e) {
                    throw corrupt(holds, e);
                }
            }
        }
        return List.copyOf(out);
    }

    // -------------------------------------------------------------------------------------------- tombstones

    boolean addTombstone(Tombstone tombstone) {
        Checks.required("tombstone", tombstone);
        Checks.text("tombstone.subjectReference", tombstone.subjectReference(), 100);
        StoredInstants.exact("tombstone.erasureRequestedAt", tombstone.erasureRequestedAt(), dialect);
        return tx.inTransaction("addTombstone", c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + tombstones
                    + " (subject_ref, erasure_requested_at) VALUES (?, ?)")) {
                ps.setString(1, tombstone.subjectReference());
                dialect.setInstant(ps, 2, tombstone.erasureRequestedAt());
                ps.executeUpdate();
            }
            return Outcome.commit(true);
        }, c -> false);
    }

    Optional<Tombstone> tombstone(String subjectReference) {
        Checks.required("subjectReference", subjectReference);
        return tx.read("tombstone", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT subject_ref, "
                    + dialect.selectInstant("erasure_requested_at") + " FROM " + tombstones + " WHERE subject_ref = ?")) {
                ps.setString(1, subjectReference);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Tombstone(rs.getString(1), dialect.getInstant(rs, 2)))
                            : Optional.empty();
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ mapping

    private static int bindKey(PreparedStatement ps, int index, ItemKey key) throws SQLException {
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

    private List<RetainedItem> itemRows(PreparedStatement ps) throws SQLException {
        List<RetainedItem> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(itemRow(rs));
            }
        }
        return List.copyOf(out);
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
    private record ItemValues(String anchors, Instant erasureRequestedAt, Instant dueAt, String state, int attempts,
            Instant notBefore) {

        static ItemValues of(RetainedItem item, JdbcCustomization dialect) {
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
        int bindFields(PreparedStatement ps, int index, JdbcCustomization dialect) throws SQLException {
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
        static ClaimTerms of(Instant now, String owner, Duration lease, JdbcCustomization dialect) {
            Instant at = StoredInstants.bound("now", now, dialect);
            Checks.text("owner", owner, 100);
            // the caller's instant stands in for the database's here, to refuse an impossible lease before any work
            leaseEnd(at, lease, dialect);
            return new ClaimTerms(at, owner, lease, null, null);
        }

        /** These terms at the database's instant {@code dbNow}. */
        ClaimTerms at(Instant dbNow, JdbcCustomization dialect) {
            return new ClaimTerms(now, owner, lease, dbNow, leaseEnd(dbNow, lease, dialect));
        }

        /** When a lease of {@code lease} taken at {@code from} ends, rounded up to what the database stores. */
        static Instant leaseEnd(Instant from, Duration lease, JdbcCustomization dialect) {
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
        int bindClaimable(PreparedStatement ps, int index, JdbcCustomization dialect) throws SQLException {
            int i = bindDueAndBackoff(ps, index, dialect);
            dialect.setInstant(ps, i, leaseNow);
            return i + 1;
        }

        /** Binds the caller's two instants of {@link #claimable}; returns the next index. */
        int bindDueAndBackoff(PreparedStatement ps, int index, JdbcCustomization dialect) throws SQLException {
            dialect.setInstant(ps, index, now);
            dialect.setInstant(ps, index + 1, now);
            return index + 2;
        }

        /** Binds claim_token, claim_owner, lease_until; returns the next index. */
        int bindClaim(PreparedStatement ps, int index, Claim claim, JdbcCustomization dialect) throws SQLException {
            ps.setString(index, claim.token());
            ps.setString(index + 1, claim.owner());
            dialect.setInstant(ps, index + 2, claim.leaseUntil());
            return index + 3;
        }
    }

    /** An audit entry's columns, validated before any connection is borrowed. */
    private record AuditValues(DisposalRecord r, Instant at, Optional<Instant> anchorAt, Instant cutoff) {
        static AuditValues of(DisposalRecord r, JdbcCustomization dialect) {
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

        void insert(Connection c, String table, long sequence, JdbcCustomization dialect) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(INSERT.replace("{table}", table))) {
                bind(ps, sequence, dialect);
                ps.executeUpdate();
            }
        }

        void bind(PreparedStatement ps, long sequence, JdbcCustomization dialect) throws SQLException {
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

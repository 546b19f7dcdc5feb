package dev.consent.jdbc;

import dev.consent.retention.ItemKey;
import dev.consent.retention.RetainedItem;
import dev.consent.store.Claim;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Sweeper claims on the items table: the claim columns ({@code claim_token}, {@code claim_owner},
 * {@code lease_until}) and every statement that writes them, namely the claim of due items and of one item, the
 * renewal and release of leases, and the finish that saves a claimed item and clears its claim, with the audit entries
 * it writes through {@link DisposalAuditRepository}. The statements that differ per database (PostgreSQL claims and
 * finishes in one statement per chunk) are the dialect's ({@link Dialect#claimDueItems}, {@link Dialect#writeItemClaims},
 * {@link Dialect#finishItemClaims}), handed {@link DueClaims} and {@link Finishes} for the shared parts. Every method
 * runs on the connection it is given and never opens, commits or closes one.
 *
 * <p>The claim columns, not a held lock, make a claim exclusive, so a claim outlives its transaction and lapses by
 * itself when its lease ends. Leases run on the database's clock: every claim, renewal and takeover compares and
 * computes {@code lease_until} with the database's current instant ({@link Dialect#currentInstant()}), read in the
 * same transaction, never with an instant a node passed in. The caller's instant decides only what is due and which
 * backoffs are over.
 */
final class ClaimRepository {
    /** Sets the claim columns to a token, an owner and a lease end. */
    static final String SET_CLAIM = "claim_token = ?, claim_owner = ?, lease_until = ?";
    /** Clears the claim columns. */
    static final String CLEAR_CLAIM = "claim_token = NULL, claim_owner = NULL, lease_until = NULL";
    /** The claim is still the one with this token. */
    private static final String HELD = " AND claim_token = ?";
    /** Claimable items: due and out of backoff by the caller's instant, lease ended by the database's (the third). */
    private static final String CLAIMABLE = claimable("?");

    private final Dialect dialect;
    private final ItemRepository items;
    private final DisposalAuditRepository audit;
    /** Claims one item by key; the callers add their conditions. */
    private final String claim;
    private final String renew;
    private final String release;
    /** Saves a finished item over its expected version and clears its claim, if the token still matches. */
    private final String finish;

    ClaimRepository(Dialect dialect, ItemRepository items, DisposalAuditRepository audit) {
        this.dialect = dialect;
        this.items = items;
        this.audit = audit;
        this.claim = "UPDATE " + items.table() + " SET " + SET_CLAIM + " WHERE " + ItemRepository.BY_KEY;
        this.renew = "UPDATE " + items.table() + " SET lease_until = ? WHERE " + ItemRepository.BY_KEY + HELD;
        this.release = "UPDATE " + items.table() + " SET " + CLEAR_CLAIM + " WHERE " + ItemRepository.BY_KEY + HELD;
        this.finish = items.updateSql(", " + CLEAR_CLAIM, HELD);
    }

    /** The claimable condition with the database's current instant written as {@code leaseNow}. */
    private static String claimable(String leaseNow) {
        return "active_due_at <= ? AND (not_before IS NULL OR not_before <= ?)"
                + " AND (lease_until IS NULL OR lease_until <= " + leaseNow + ")";
    }

    /**
     * The sweeper's scan for claimable items: parameters are the three instants of the claimable condition (due by,
     * backoff over by, the database's instant), then the limit; then {@code lockClause} ("" or the dialect's locking
     * clause).
     */
    String claimableSql(String lockClause) {
        return pickSql(CLAIMABLE, lockClause);
    }

    private String pickSql(String claimable, String lockClause) {
        return pickSql(items.select(), claimable, lockClause);
    }

    private static String pickSql(String select, String claimable, String lockClause) {
        return select + " WHERE " + claimable + ItemRepository.DUE_ORDER + " LIMIT ?" + lockClause;
    }

    /** The database's current instant: the one clock every node's leases are set and judged by. */
    Instant databaseNow(Connection c) throws SQLException {
        return Sql.queryOne(c, "SELECT " + dialect.selectInstant(dialect.currentInstant()), Sql.NO_PARAMETERS,
                rs -> dialect.getInstant(rs, 1))
                .orElseThrow(() -> new SQLException("the database did not say what time it is", "XX000"));
    }

    /** The steps of claiming due items on {@code request}'s terms, for {@link Dialect#claimDueItems}. */
    DueClaims due(ClaimTerms request) {
        return new DueClaims(request);
    }

    /**
     * Claims one item with a conditional {@code UPDATE} (claimable now), then reads it back: empty when it is not
     * claimable (absent, not due, backing off, or leased to another).
     */
    Optional<Claim> claim(Connection c, ItemKey key, ClaimTerms request) throws SQLException {
        ClaimTerms terms = request.at(databaseNow(c), dialect);
        String token = UUID.randomUUID().toString();
        int claimed = Sql.update(c, claim + " AND " + CLAIMABLE, ps -> {
            ps.setString(1, token);
            ps.setString(2, terms.owner());
            dialect.setInstant(ps, 3, terms.leaseUntil());
            int i = ItemRepository.bindKey(ps, 4, key);
            terms.bindClaimable(ps, i, dialect);
        });
        if (claimed != 1) {
            return Optional.empty();
        }
        RetainedItem item = items.read(c, key).orElseThrow(() -> new SQLException(
                "a claimed item cannot be read back in its own transaction", "XX000"));
        return Optional.of(new Claim(item, token, terms.owner(), terms.leaseUntil(), item.attempts() + 1));
    }

    /**
     * Claims one item read without locks with a conditional {@code UPDATE}: the same version as the candidate read (so
     * the claim's item is what is stored) and still claimable now. The update count says whether this claimer won.
     */
    private boolean claimIfUnchanged(Connection c, Claim claim, ClaimTerms terms) throws SQLException {
        return Sql.update(c, this.claim + " AND version = ? AND " + CLAIMABLE, ps -> {
            int i = bindClaim(ps, 1, claim);
            ps.setLong(i++, claim.item().version());
            terms.bindClaimable(ps, i, dialect);
        }) == 1;
    }

    /** Writes claims into rows this transaction holds locked, as JDBC batches. */
    private void write(Connection c, List<Claim> claims) throws SQLException {
        Sql.batch(c, claim, claims, (ps, k) -> bindClaim(ps, 1, k));
    }

    /** Binds {@link #SET_CLAIM} and the key; returns the next index. */
    private int bindClaim(PreparedStatement ps, int index, Claim k) throws SQLException {
        ps.setString(index, k.token());
        ps.setString(index + 1, k.owner());
        dialect.setInstant(ps, index + 2, k.leaseUntil());
        return ItemRepository.bindKey(ps, index + 3, k.item().key());
    }

    /**
     * Sets the lease end of each claim whose token still matches to {@code until}: per claim the renewed claim or
     * empty, or empty as a whole when a batch's update counts were not reported.
     */
    Optional<List<Optional<Claim>>> renew(Connection c, List<Claim> claims, Instant until, boolean batched)
            throws SQLException {
        return updateCounts(c, renew, claims, (ps, k) -> {
            dialect.setInstant(ps, 1, until);
            int i = ItemRepository.bindKey(ps, 2, k.item().key());
            ps.setString(i, k.token());
        }, batched).map(counts -> {
            List<Optional<Claim>> out = new ArrayList<>(claims.size());
            for (int n = 0; n < counts.length; n++) {
                Claim k = claims.get(n);
                out.add(counts[n] > 0 ? Optional.of(new Claim(k.item(), k.token(), k.owner(), until, k.attempt()))
                        : Optional.empty());
            }
            return List.copyOf(out);
        });
    }

    /**
     * Clears each claim whose token still matches: per claim whether it did, or empty when a batch's update counts
     * were not reported.
     */
    Optional<List<Boolean>> release(Connection c, List<Claim> claims, boolean batched) throws SQLException {
        return releaseHeld(c, claims.stream().map(k -> new Held(k.item().key(), k.token())).toList(), batched)
                .map(ClaimRepository::applied);
    }

    private Optional<int[]> releaseHeld(Connection c, List<Held> held, boolean batched) throws SQLException {
        return updateCounts(c, release, held, (ps, h) -> {
            int i = ItemRepository.bindKey(ps, 1, h.key());
            ps.setString(i, h.token());
        }, batched);
    }

    /**
     * Applies the finishes, as JDBC batches ({@code batched}: the dialect's way, {@link Dialect#finishItemClaims}) or
     * row by row; then deletes the rows of held finishes that disposed of an item after an erasure request
     * ({@link ItemRepository#removeDisposedAfterErasure}). Per finish whether its claim was still held, or empty when
     * a batch's update counts were not reported (then nothing is deleted).
     */
    Optional<List<Boolean>> finish(Connection c, List<Finishing> rows, boolean batched) throws SQLException {
        Finishes finishes = new Finishes(rows);
        Optional<List<Boolean>> held = batched ? dialect.finishItemClaims(c, finishes) : finishes.inRows(c, false);
        if (held.isPresent()) {
            List<RetainedItem> finished = new ArrayList<>();
            for (int n = 0; n < rows.size(); n++) {
                if (held.get().get(n)) {
                    finished.add(rows.get(n).updated());
                }
            }
            items.removeDisposedAfterErasure(c, finished);
        }
        return held;
    }

    /**
     * Runs {@code sql} once per row, as JDBC batches or one by one, and returns each row's update count; empty when a
     * batch did not report them ({@link java.sql.Statement#SUCCESS_NO_INFO}, MariaDB's bulk protocol).
     */
    private static <T> Optional<int[]> updateCounts(Connection c, String sql, List<T> rows, Sql.RowBinder<T> binder,
            boolean batched) throws SQLException {
        if (!batched) {
            return Optional.of(Sql.eachRow(c, sql, rows, binder));
        }
        int[] counts = Sql.batch(c, sql, rows, binder);
        for (int count : counts) {
            if (count < 0) {
                return Optional.empty();
            }
        }
        return Optional.of(counts);
    }

    private static List<Boolean> applied(int[] counts) {
        List<Boolean> out = new ArrayList<>(counts.length);
        for (int count : counts) {
            out.add(count > 0);
        }
        return List.copyOf(out);
    }

    /** An item's claim by its token. */
    private record Held(ItemKey key, String token) {
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
            return List.copyOf(Sql.query(c, claimableSql(lockClause), ps -> {
                int i = terms.bindClaimable(ps, 1, dialect);
                ps.setInt(i, limit);
            }, items::row));
        }

        @Override
        public List<Claim> claimLocked(Connection c, List<RetainedItem> picked) throws SQLException {
            List<Claim> claims = picked.stream().map(terms::claim).toList();
            dialect.writeItemClaims(c, this, claims);
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

        /** Writes claims into rows this transaction holds locked, one row statement each, as JDBC batches. */
        void writeInRows(Connection c, List<Claim> claims) throws SQLException {
            write(c, claims);
        }

        /** The items table. */
        String items() {
            return items.table();
        }

        /**
         * The pick with the database's current instant written as {@code leaseNow}, {@code leading} (a column
         * expression) selected before the item's columns: parameters due, backoff, limit.
         */
        String pickSql(String leading, String leaseNow, String lockClause) {
            return ClaimRepository.pickSql(items.select(leading), claimable(leaseNow), lockClause);
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
            return items.row(rs);
        }
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

        /** The items table. */
        String items() {
            return items.table();
        }

        /** The disposal audit the finishes write to. */
        DisposalAuditRepository audit() {
            return audit;
        }

        /**
         * The finishes as row statements: the token- and version-checked item updates, then (for those that did not
         * apply) the token-checked claim releases, then the counter advanced once by the number of finishes still
         * held, then their audit inserts with consecutive sequences in list order; each step as JDBC batches
         * ({@code batched}) or row by row. Per finish whether its claim was held, or empty when a batch's update
         * counts were not reported.
         */
        Optional<List<Boolean>> inRows(Connection c, boolean batched) throws SQLException {
            Optional<int[]> saved = updateCounts(c, finish, rows, (ps, f) -> {
                int i = items.bindUpdate(ps, f.updated(), f.item());
                ps.setString(i, f.token());
            }, batched);
            if (saved.isEmpty()) {
                return Optional.empty();
            }
            boolean[] held = new boolean[rows.size()];
            List<Integer> unsaved = new ArrayList<>();
            for (int n = 0; n < held.length; n++) {
                held[n] = saved.get()[n] > 0;
                if (!held[n]) {
                    unsaved.add(n);
                }
            }
            if (!unsaved.isEmpty()) {
                // the version moved (a concurrent writer's newer item is kept) or the claim was lost: release the claim
                Optional<int[]> released = releaseHeld(c, unsaved.stream()
                        .map(n -> new Held(rows.get(n).updated().key(), rows.get(n).token())).toList(), batched);
                if (released.isEmpty()) {
                    return Optional.empty();
                }
                for (int n = 0; n < unsaved.size(); n++) {
                    held[unsaved.get(n)] = released.get()[n] > 0;
                }
            }
            List<Boolean> out = new ArrayList<>(rows.size());
            List<AuditValues> entries = new ArrayList<>();
            for (int n = 0; n < held.length; n++) {
                out.add(held[n]);
                if (held[n]) {
                    entries.add(rows.get(n).audit());
                }
            }
            if (!entries.isEmpty()) {
                long first = audit.advanceCounter(c, entries.size()) - entries.size() + 1;
                audit.insert(c, entries, first, batched);
            }
            return Optional.of(List.copyOf(out));
        }
    }
}

package dev.consent.jdbc;

import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.jdbc.Dialect.Binder;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.ledger.SubjectId;
import dev.consent.retention.DisposalRecord;
import dev.consent.retention.ItemKey;
import dev.consent.retention.LegalHold;
import dev.consent.retention.RetainedItem;
import dev.consent.retention.Tombstone;
import dev.consent.store.Claim;
import dev.consent.store.RetentionStore;
import dev.consent.store.RetentionStore.DueCursor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The retention half of {@link JdbcStore}, and the one place that decides its transactions: each operation validates
 * its arguments before any connection is borrowed, then runs the repositories ({@link ItemRepository},
 * {@link ClaimRepository}, {@link DisposalAuditRepository}, {@link HoldRepository}, {@link TombstoneRepository}) on one
 * connection in one transaction ({@link Transactions}), and commits or rolls back here. The repositories only run
 * statements on the connection they are handed. The one exception is the claim of due items, whose transactions the
 * dialect shapes ({@link Dialect#claimDueItems}: one on PostgreSQL and MariaDB, optimistic rounds on H2).
 *
 * <p>Where a driver does not report a JDBC batch's per-row update counts (MariaDB with bulk statements), a write that
 * needs them is rolled back here and run again one row at a time, in a new transaction on the same connection.
 */
final class JdbcRetention {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcRetention.class);

    private final Transactions tx;
    private final Dialect dialect;
    private final ItemRepository items;
    private final ClaimRepository claims;
    private final DisposalAuditRepository audit;
    private final HoldRepository holds;
    private final TombstoneRepository tombstones;

    JdbcRetention(Transactions tx, Dialect dialect, String prefix) {
        this.tx = tx;
        this.dialect = dialect;
        this.items = new ItemRepository(dialect, prefix);
        this.audit = new DisposalAuditRepository(dialect, prefix);
        this.claims = new ClaimRepository(dialect, items, audit);
        this.holds = new HoldRepository(dialect, prefix);
        this.tombstones = new TombstoneRepository(dialect, prefix);
    }

    // ------------------------------------------------------------------------------------------------ items

    Optional<RetainedItem> item(ItemKey key) {
        Checks.required("key", key);
        return tx.read("item", c -> items.read(c, key));
    }

    /** One query per chunk of keys ({@link ItemRepository#readAll}), in one read transaction. */
    Map<ItemKey, RetainedItem> items(Collection<ItemKey> keys) {
        List<ItemKey> asked = StoreArguments.distinct("keys", keys);
        if (asked.isEmpty()) {
            return Map.of();
        }
        return tx.read("items", c -> items.readAll(c, asked));
    }

    List<RetainedItem> items(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("items", c -> items.ofSubject(c, subject));
    }

    List<RetainedItem> allItems(Optional<ItemKey> after, int limit) {
        Checks.required("after", after);
        StoreArguments.limit(limit);
        return tx.read("allItems", c -> items.inKeyOrder(c, after, limit));
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
        if (dialect.savepointsTravelWithStatements()) {
            // one statement: inside a host's transaction its savepoint goes in the same round trip
            return tx.inTransactionOneStatement("saveItem", savepoint -> c -> saveItem(c, item, v, savepoint),
                    c -> false);
        }
        return tx.inTransaction("saveItem", c -> saveItem(c, item, v, null), c -> false);
    }

    /** The one statement of {@link #saveItem(RetainedItem)}; an update that finds another version wrote nothing. */
    private Outcome<Boolean> saveItem(Connection c, RetainedItem item, ItemValues v,
            Transactions.StatementSavepoint savepoint) throws SQLException {
        if (item.version() == 0) {
            items.insert(c, item, v, savepoint);
            return Outcome.commit(true);
        }
        return items.update(c, item, v, savepoint) ? Outcome.commit(true) : Outcome.rollback(false);
    }

    /** A keyset scan of the due index (active_due_at, subject, category, purpose) from {@code after}. */
    List<RetainedItem> dueItems(Instant dueBy, Optional<DueCursor> after, int limit) {
        Instant by = StoredInstants.roundedDown("dueBy", dueBy, dialect);
        Checks.required("after", after);
        StoreArguments.limit(limit);
        Optional<List<Binder>> position = after.map(items::dueBinders);
        return tx.read("dueItems", c -> items.due(c, by, position, limit));
    }

    /** A keyset scan, in key order, of the active items without a due instant. */
    List<RetainedItem> undatedItems(Optional<ItemKey> after, int limit) {
        Checks.required("after", after);
        StoreArguments.limit(limit);
        return tx.read("undatedItems", c -> items.undated(c, after, limit));
    }

    /**
     * One conditional {@code DELETE} of the item at its version, if it is {@code DISPOSED} and unclaimed; its update
     * count says whether it was removed.
     */
    boolean removeItem(RetainedItem item) {
        Checks.required("item", item);
        return tx.inTransaction("removeItem", c -> items.removeDisposed(c, item) ? Outcome.commit(true)
                : Outcome.rollback(false), c -> {
                    throw new StoreException("removeItem", "a DELETE met a unique violation, which no DELETE can cause");
                });
    }

    // ----------------------------------------------------------------------------------------------- claims

    /** The dialect's claim of due items, in the transactions it chooses, over the claim repository's steps. */
    List<Claim> claimDue(Instant now, int limit, String owner, Duration lease) {
        StoreArguments.limit(limit);
        List<Claim> claimed = dialect.claimDueItems(tx, claims.due(ClaimTerms.of(now, owner, lease, dialect)), limit);
        LOG.debug("claimDue: {} of up to {} due items claimed by {}", claimed.size(), limit, owner);
        return claimed;
    }

    /** A conditional {@code UPDATE} on one row (claimable now), then the item read back in the same transaction. */
    Optional<Claim> claimItem(ItemKey key, Instant now, String owner, Duration lease) {
        Checks.required("key", key);
        ClaimTerms request = ClaimTerms.of(now, owner, lease, dialect);
        return tx.inTransaction("claimItem", c -> {
            Optional<Claim> claim = claims.claim(c, key, request);
            return claim.isPresent() ? Outcome.commit(claim) : Outcome.rollback(claim);
        }, c -> Optional.empty());
    }

    /**
     * One transaction: the database's current instant, then one token-checked {@code UPDATE} of {@code lease_until}
     * per claim, as JDBC batches.
     */
    List<Optional<Claim>> renewClaims(List<Claim> claimed, Duration lease) {
        StoreArguments.claims(claimed);
        StoreArguments.lease(lease);
        if (claimed.isEmpty()) {
            return List.of();
        }
        return tx.inTransaction("renewClaims", c -> {
            Instant until = ClaimTerms.leaseEnd(claims.databaseNow(c), lease, dialect);
            return Outcome.commit(batchedElseOneByOne(c, batched -> claims.renew(c, claimed, until, batched)));
        }, c -> {
            throw new StoreException("renewClaims", "a renewal met a unique violation, which no update of a lease can cause");
        });
    }

    /** One transaction: one token-checked {@code UPDATE} clearing the claim columns per claim, as JDBC batches. */
    List<Boolean> releaseClaims(List<Claim> claimed) {
        StoreArguments.claims(claimed);
        if (claimed.isEmpty()) {
            return List.of();
        }
        return tx.inTransaction("releaseClaims", c -> Outcome.commit(batchedElseOneByOne(c,
                batched -> claims.release(c, claimed, batched))), c -> {
                    throw new StoreException("releaseClaims",
                            "a release met a unique violation, which clearing a claim cannot cause");
                });
    }

    /**
     * The whole list in one transaction ({@link ClaimRepository#finish}): item updates, releases of the claims whose
     * item moved on, the audit counter advanced once, the audit entries, the removal of items disposed of after an
     * erasure request. A finish whose token no longer matches writes nothing and answers false; when none is held,
     * nothing is committed. Any failure rolls the whole list back.
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
        List<Finishing> list = List.copyOf(rows);
        List<Boolean> held = tx.inTransaction("finishClaims", c -> {
            List<Boolean> done = batchedElseOneByOne(c, batched -> claims.finish(c, list, batched));
            return done.contains(true) ? Outcome.commit(done) : Outcome.rollback(done);
        }, c -> {
            throw new StoreException("finishClaims", "an audit sequence taken from " + audit.counter()
                    + " is already used in " + audit.table()
                    + ": the counter is behind the audit (a partial restore or manual edit?)");
        });
        if (LOG.isDebugEnabled()) {
            LOG.debug("finishClaims: {} of {} finishes held their claim", held.stream().filter(h -> h).count(),
                    held.size());
        }
        return held;
    }

    List<DisposalRecord> disposals(long afterSequence, int limit) {
        StoreArguments.limit(limit);
        return tx.read("disposals", c -> audit.after(c, afterSequence, limit));
    }

    /** A write that needs per-row update counts: {@code batched} true, or false when a batch did not report them. */
    @FunctionalInterface
    private interface CountedWrite<T> {
        Optional<T> run(boolean batched) throws SQLException;
    }

    /**
     * Runs {@code write} as JDBC batches; when the driver did not report the batches' per-row update counts (MariaDB
     * with useBulkStmts), undoes it and runs the same statements one by one, in a new transaction on this connection.
     */
    private static <T> T batchedElseOneByOne(Connection c, CountedWrite<T> write) throws SQLException {
        Optional<T> done = write.run(true);
        if (done.isPresent()) {
            return done.get();
        }
        c.rollback();
        return write.run(false).orElseThrow(() -> new SQLException("a write run row by row did not report its"
                + " update counts", "XX000"));
    }

    // ------------------------------------------------------------------------------------------------- holds

    /** An {@code UPDATE} by id, else an {@code INSERT}; an insert that loses to a concurrent one updates instead. */
    void saveHold(LegalHold hold) {
        Checks.required("hold", hold);
        String categories = HoldRepository.categories(hold, dialect);
        for (int attempt = 0; attempt < 2; attempt++) {
            boolean saved = tx.inTransaction("saveHold", c -> {
                holds.save(c, hold, categories);
                return Outcome.commit(true);
            }, c -> false);
            if (saved) {
                return;
            }
        }
        throw new StoreException("saveHold", "the hold was neither updatable nor insertable twice in a row");
    }

    Optional<LegalHold> hold(String id) {
        Checks.required("id", id);
        return tx.read("hold", c -> holds.read(c, id));
    }

    List<LegalHold> holds(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("holds", c -> holds.ofSubject(c, subject));
    }

    /** One query per chunk of subjects ({@code IN} list, or {@code = ANY(text[])} on PostgreSQL). */
    Map<SubjectId, List<LegalHold>> holds(Collection<SubjectId> subjects) {
        Map<SubjectId, List<LegalHold>> out = StoreArguments.perSubject(subjects);
        if (out.isEmpty()) {
            return Map.of();
        }
        tx.read("holds", c -> {
            holds.ofSubjects(c, out);
            return null;
        });
        out.replaceAll((s, l) -> List.copyOf(l));
        return out;
    }

    // -------------------------------------------------------------------------------------------- tombstones

    boolean addTombstone(Tombstone tombstone) {
        Checks.required("tombstone", tombstone);
        Checks.text("tombstone.subjectReference", tombstone.subjectReference(), 100);
        StoredInstants.exact("tombstone.erasureRequestedAt", tombstone.erasureRequestedAt(), dialect);
        return tx.inTransaction("addTombstone", c -> {
            tombstones.insert(c, tombstone);
            return Outcome.commit(true);
        }, c -> false);
    }

    Optional<Tombstone> tombstone(String subjectReference) {
        Checks.required("subjectReference", subjectReference);
        return tx.read("tombstone", c -> tombstones.read(c, subjectReference));
    }
}

package dev.consent.jdbc;

import dev.consent.InvalidValueException;
import dev.consent.StoreException;
import dev.consent.internal.Checks;
import dev.consent.internal.StoreArguments;
import dev.consent.jdbc.Transactions.Outcome;
import dev.consent.jdbc.Transactions.SqlWork;
import dev.consent.ledger.ChainCheckpoint;
import dev.consent.ledger.ChainHead;
import dev.consent.ledger.ChoiceFact;
import dev.consent.ledger.ConsentEvent;
import dev.consent.ledger.EventId;
import dev.consent.ledger.SubjectId;
import dev.consent.ledger.VisitorId;
import dev.consent.policy.PurposeId;
import dev.consent.store.ConsentStore.AppendResult;
import dev.consent.store.ConsentStore.ChangeRead;
import dev.consent.store.ConsentStore.FeedCursor;
import dev.consent.store.ConsentStore.LinkResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * The consent ledger of {@link JdbcStore} (its {@link dev.consent.store.ConsentStore} operations), and the one place
 * that decides their transactions: each operation checks its arguments before any connection is borrowed, then runs
 * the repositories ({@link LedgerRepository}, {@link LinkRepository}, {@link ChangeFeedRepository},
 * {@link CheckpointRepository}, {@link DecisionFactRepository}) on one connection ({@link Transactions}) and commits or
 * rolls back here. It also owns the PostgreSQL change listener, where there is one.
 */
final class JdbcLedger {
    private static final Logger LOG = LoggerFactory.getLogger(JdbcLedger.class);
    /** The most change-feed positions one pruning transaction deletes. */
    private static final int PRUNE_CHUNK = 10_000;
    /** What an append without notices writes besides the ledger: nothing. */
    private static final SqlWork<Void> NOTHING_ELSE = c -> null;

    private final Transactions tx;
    private final Dialect dialect;
    private final String prefix;
    private final ChangeFeedRepository feed;
    private final LinkRepository links;
    private final CheckpointRepository checkpoints;
    private final LedgerRepository ledger;
    private final DecisionFactRepository decisions;
    /** Pushes notifications to {@link #onChanges}; null where there are none. */
    private final PostgresChangeListener listener;

    JdbcLedger(Transactions tx, DataSource dataSource, Dialect dialect, String prefix, boolean notifications) {
        this.tx = tx;
        this.dialect = dialect;
        this.prefix = prefix;
        this.feed = new ChangeFeedRepository(dialect, prefix, notifications);
        this.links = new LinkRepository(dialect, prefix, feed);
        this.checkpoints = new CheckpointRepository(dialect, prefix);
        this.ledger = new LedgerRepository(dialect, prefix, feed, links, checkpoints);
        this.decisions = new DecisionFactRepository(dialect, ledger.eventsTable(), links.table());
        PostgresChangeListener push = null;
        if (notifications) {
            try {
                push = dialect.changeListener(dataSource, feed.channel());
            } catch (LinkageError e) {
                // PostgreSQL reached through a driver other than org.postgresql: no push, polling only
                LOG.warn("consent store {}: change notifications need the org.postgresql JDBC driver; changes are "
                        + "polled only", prefix, e);
            }
        }
        this.listener = push;
    }

    /** The change feed, which the processing log's guard reads. */
    ChangeFeedRepository feed() {
        return feed;
    }

    /** The change listener, or null where nothing is pushed. */
    PostgresChangeListener changeListener() {
        return listener;
    }

    /**
     * Inside a host's transaction, the heads are read with a locking read in subject order (the order appends lock
     * them in): it sees the newest committed heads at any isolation level, where a plain read at MariaDB's REPEATABLE
     * READ would answer from the host transaction's snapshot, and a writer retrying after a conflict would chain onto
     * the same stale head again and again. The locks are held until the host's transaction ends, as the append's are.
     */
    Map<SubjectId, ChainHead> heads(Collection<SubjectId> subjects) {
        List<String> keys = Keys.distinct("subjects", subjects, SubjectId::value);
        if (keys.isEmpty()) {
            return Map.of();
        }
        if (tx.hostConnection() != null) {
            List<String> sorted = keys.stream().sorted().toList();
            return tx.read("heads", c -> ledger.lockHeads(c, sorted));
        }
        return tx.read("heads", c -> ledger.heads(c, keys));
    }

    Map<EventId, ConsentEvent> findEvents(Collection<EventId> ids) {
        List<String> keys = Keys.distinct("ids", ids, EventId::value);
        return keys.isEmpty() ? Map.of() : tx.read("findEvents", c -> ledger.findEvents(c, keys));
    }

    List<ConsentEvent> events(SubjectId subject, long afterSequence, int limit) {
        Checks.required("subject", subject);
        StoreArguments.limit(limit);
        return tx.read("events", c -> ledger.events(c, subject, afterSequence, limit));
    }

    /**
     * One query per chunk of subjects, selecting only the columns a decision reads: the subjects' own events, and
     * through a join with the links table the events of the visitors linked to them, each row tagged with the subject
     * it answers.
     */
    Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects) {
        return decisionFacts(subjects, List.of());
    }

    /**
     * {@link #decisionFacts(Collection)} narrowed on the database's side to the events on one of {@code purposes} or
     * declaring an age (one more condition on each half of the same query).
     */
    Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, Set<PurposeId> purposes) {
        StoreArguments.purposes(purposes);
        return decisionFacts(subjects, purposes.stream().map(PurposeId::value).distinct().toList());
    }

    private Map<SubjectId, List<ChoiceFact>> decisionFacts(Collection<SubjectId> subjects, List<String> purposes) {
        List<String> keys = Keys.distinct("subjects", subjects, SubjectId::value);
        if (keys.isEmpty()) {
            return Map.of();
        }
        Map<SubjectId, List<ChoiceFact>> facts = tx.read("decisionFacts",
                c -> decisions.facts(c, subjects, keys, purposes));
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: read the decision facts of {} subjects", prefix, keys.size());
        }
        return facts;
    }

    /** An append without notices. */
    AppendResult append(List<ConsentEvent> batch) {
        return append(batch, 0, NOTHING_ELSE);
    }

    /**
     * One transaction, in this order: lock the head rows of the chains the batch continues ({@code SELECT ... FOR
     * UPDATE}, in subject order) and compare them with the batch, unless it continues one chain and names no visitor
     * (then the compare-and-set below takes that one lock); read the links of the visitors appended to (a batch of
     * customers reads none); update those heads (compare-and-set on sequence and hash) and insert the heads of new
     * chains (a head that exists already is a unique violation, hence a conflict); insert the events and the
     * change-feed entries; run {@code alsoWrite} (the {@code notices} notices of the recipients' outbox); commit.
     * Heads, events and change-feed entries are written in a number of statements that grows with the number of
     * chunks, not rows (the dialect decides how, {@link Dialect#writeAppend}: JDBC batches, or on PostgreSQL one
     * statement for all of them and the notification). Inside a host's transaction on PostgreSQL, a batch without
     * notices that continues at most one chain and names no visitor is that one statement with its savepoint set and
     * released in the same round trip ({@link Transactions#inTransactionOneStatement}).
     *
     * <p>No lock is taken for the change feed. A change's entry is inserted without a position; positions are handed
     * out after commit, in one short numbering transaction at a time ({@link #numberFeed}), so a transaction that
     * commits late is numbered after every entry a reader has already passed, and a host's transaction that appended
     * makes no other writer wait but those of its own subjects. The links are read with a locking read, which sees the
     * newest committed links at any isolation level; a link that commits after that read is covered by its own entry
     * or by the numbering ({@link ChangeFeedRepository#number}).
     *
     * <p>When the batch is refused, the conflicts are worked out after the rollback by reading the stored heads and
     * event ids. A deadlock the database resolves by rolling this transaction back is retried.
     *
     * @throws InvalidValueException when an event has an instant finer than a microsecond or outside the range the
     *         database stores, or a malformed hash; nothing is written
     */
    AppendResult append(List<ConsentEvent> batch, int notices, SqlWork<Void> alsoWrite) {
        Checks.required("events", batch);
        if (batch.isEmpty()) {
            if (notices > 0) {
                throw new InvalidValueException("notices", notices + " notices",
                        "are written only with the events that caused them");
            }
            return AppendResult.appended(Set.of());
        }
        for (ConsentEvent e : batch) {
            EventRows.validate(Checks.required("events[]", e), dialect);
        }
        AppendPlan plan = new AppendPlan(batch);
        AppendResult result;
        if (plan.refusedAsIs()) {
            // The batch contradicts itself; report it together with what the store says, writing nothing.
            result = tx.read("append", c -> plan.conflicts(c, Set.of(), ledger));
        } else {
            boolean host = tx.hostConnection() != null;
            if (host && alsoWrite == NOTHING_ELSE && oneStatement(plan)) {
                // inside the host's transaction, the savepoint travels with the one statement: one round trip
                result = tx.inTransactionOneStatement("append", savepoint -> c -> ledger.append(c, plan, alsoWrite,
                        savepoint), c -> plan.conflicts(c, Set.of(), ledger, true));
            } else {
                result = tx.inTransaction("append", c -> ledger.append(c, plan, alsoWrite),
                        c -> plan.conflicts(c, Set.of(), ledger, host));
            }
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: append of {} events for {} chains with {} notices: {}", prefix, batch.size(),
                    plan.groups.size(), notices, result.appended() ? "appended" : "conflict");
        }
        return result;
    }

    /**
     * Whether the dialect writes the plan in one statement together with its savepoint: at most one continued chain,
     * no visitor (whose links would be read first), at most one chunk of events and entries (a subject and its
     * customer each).
     */
    private boolean oneStatement(AppendPlan plan) {
        int continued = 0;
        for (AppendPlan.Group g : plan.groups.values()) {
            if (VisitorId.from(g.subject).isPresent()) {
                return false;
            }
            continued += g.isNewChain() ? 0 : 1;
        }
        return dialect.writesAppendInOneStatement(continued, plan.events.size(), plan.groups.size());
    }

    /**
     * The link row is read with a locking read, so the answer is never stale; two links of one visitor at once meet
     * on its primary key ({@link LinkRepository#link}). {@code linkedAt} is stored to the microsecond.
     */
    LinkResult link(VisitorId visitor, SubjectId customer, Instant linkedAt) {
        Checks.required("visitor", visitor);
        Checks.customer("customer", customer);
        Instant at = Checks.required("linkedAt", linkedAt).truncatedTo(ChronoUnit.MICROS);
        EventRows.instant("linkedAt", at, dialect);
        LinkResult result = tx.inTransaction("link", c -> links.link(c, visitor, customer, at),
                c -> links.afterDuplicate(c, visitor, customer));
        LOG.debug("consent store {}: link of a visitor: {}", prefix, result);
        return result;
    }

    Optional<SubjectId> customerOf(VisitorId visitor) {
        Checks.required("visitor", visitor);
        return tx.read("customerOf", c -> links.customerOf(c, visitor.subject(), false));
    }

    List<VisitorId> visitorsOf(SubjectId customer) {
        Checks.required("customer", customer);
        return tx.read("visitorsOf", c -> links.visitorsOf(c, customer));
    }

    /**
     * One transaction: the subject's head row is locked first (the lock appends take), so a prune and an append of the
     * same subject are serialised; then the checkpoint and the event it names are compared, the events up to it
     * deleted and the checkpoint stored. The deleted event ids may be stored again later, as in the in-memory store.
     *
     * @throws InvalidValueException when an instant is finer than a microsecond or outside the stored range, or the
     *         signature is longer than 128 characters; nothing is changed
     */
    boolean prune(ChainCheckpoint checkpoint) {
        Checks.required("checkpoint", checkpoint);
        EventRows.instant("prunedAt", checkpoint.prunedAt(), dialect);
        EventRows.instant("horizon", checkpoint.horizon(), dialect);
        Checks.optionalText("signature", checkpoint.signature(), 128);
        // a unique violation: a concurrent first checkpoint of the subject won; this one changed nothing
        boolean pruned = tx.inTransaction("prune", c -> ledger.prune(c, checkpoint), c -> false);
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: prune of a chain up to #{}: {}", prefix, checkpoint.sequence(),
                    pruned ? "pruned" : "refused");
        }
        return pruned;
    }

    Optional<ChainCheckpoint> checkpoint(SubjectId subject) {
        Checks.required("subject", subject);
        return tx.read("checkpoint", c -> checkpoints.find(c, subject));
    }

    // ------------------------------------------------------------------------------------------- change feed

    /**
     * Numbers the committed entries first ({@link #numberFeed}), then reads the newest; inside a host's transaction
     * the newest is read in the host's snapshot, the one its decisions are read in (MariaDB's REPEATABLE READ), so
     * that every change the host's reads miss is above the answer or not numbered.
     */
    FeedCursor changeCursor() {
        numberFeed("changeCursor");
        return tx.read("changeCursor", feed::newest);
    }

    /**
     * Numbers the committed entries first ({@link #numberFeed}), so that every entry committed before this call is
     * read; then one query reads the cursor's own entry together with those after it ({@code read_position >= ?}), so
     * the check costs no round trip; only a lost cursor costs a second query, for the newest entry.
     */
    ChangeRead readChanges(FeedCursor cursor, int limit) {
        Checks.required("cursor", cursor);
        StoreArguments.limit(limit);
        numberFeed("readChanges");
        ChangeRead read = tx.read("readChanges", c -> feed.read(c, cursor, limit));
        if (LOG.isDebugEnabled()) {
            LOG.debug("consent store {}: change feed read after position {}: {} changes{}", prefix, cursor.position(),
                    read.changes().size(), read.continuous() ? "" : ", cursor lost");
        }
        return read;
    }

    /**
     * Finds the first entry written at or after {@code writtenBefore} (a scan of the entries before it: the table has
     * no index on the write instant, and pruning keeps it short), then deletes every entry before it in chunks of at
     * most {@value #PRUNE_CHUNK} positions, one transaction each; every chunk is itself a prefix, so readers see a
     * shorter prefix gone at any moment. Positions are never reused by the database's sequence, and entries being
     * written while this runs get positions above the newest one read here, so they are never removed.
     */
    long pruneChanges(Instant writtenBefore) {
        return removeOldPrefix("pruneChanges", writtenBefore, null);
    }

    /** As {@link #pruneChanges}; counting what remains scans the feed (no index on the subject). */
    long eraseChanges(SubjectId subject, Instant writtenBefore) {
        Checks.required("subject", subject);
        removeOldPrefix("eraseChanges", writtenBefore, subject);
        return tx.read("eraseChanges", c -> feed.count(c, subject));
    }

    /** Deletes the entries before the first young one, in chunks, keeping the newest unless it names {@code erased}. */
    private long removeOldPrefix(String operation, Instant writtenBefore, SubjectId erased) {
        Instant cutoff = StoredInstants.roundedDown("writtenBefore", writtenBefore, dialect);
        numberFeed(operation);
        ChangeFeedRepository.Prefix old = tx.read(operation, c -> feed.oldPrefix(c, cutoff, erased));
        if (old == null || old.isEmpty()) {
            return 0;
        }
        long removed = 0;
        for (long through = Math.min(old.last(), old.lowest() + PRUNE_CHUNK - 1); ;
                through = Math.min(old.last(), through + PRUNE_CHUNK)) {
            long bound = through;
            removed += tx.inTransaction(operation, c -> Outcome.commit(feed.deleteThrough(c, bound)), c -> 0L);
            if (through >= old.last()) {
                LOG.debug("consent store {}: {} removed {} change-feed entries", prefix, operation, removed);
                return removed;
            }
        }
    }

    /**
     * Gives every entry that had committed when this call began its position ({@link ChangeFeedRepository#number}):
     * a look-up without a lock first, then numbering transactions of their own, never the host's, until one numbers
     * less than a full chunk. Numberings on several nodes take turns on the lock; one that finds nothing left commits
     * nothing.
     */
    private void numberFeed(String operation) {
        if (!tx.readOwn(operation, feed::hasUnnumbered)) {
            return;
        }
        int numbered;
        do {
            numbered = tx.inOwnTransaction(operation, c -> Outcome.commit(feed.number(c, operation)), c -> {
                throw new StoreException(operation, "numbering the change feed met a unique violation on read_position:"
                        + " a writer outside this library numbered entries");
            });
        } while (numbered == ChangeFeedRepository.NUMBERING_CHUNK);
    }

    /**
     * On PostgreSQL (unless turned off), every append and link notifies the channel {@code <prefix>changes} when it
     * commits, and the listener, started by the first registration, runs the wake-ups; elsewhere nothing is pushed.
     */
    AutoCloseable onChanges(Runnable wakeUp) {
        Checks.required("wakeUp", wakeUp);
        if (listener == null) {
            return () -> {
            };
        }
        return listener.add(wakeUp);
    }
}
